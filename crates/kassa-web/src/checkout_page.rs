//! The hosted checkout page the shopper sees (test mode: payments are simulated). It works
//! without JavaScript and may be framed by the merchant's own site.

use crate::api::keys::hash_secret;
use crate::api::model::{Object, WireLine};
use crate::shell::extract::Form;
use crate::shell::i18n::Lang;
use crate::shell::views::render;
use crate::{now_ms, AppState};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use kassa_app::orders::{self, CompleteCheckout};
use kassa_app::{Actor, AppError};
use kassa_core::order::Refusal;
use kassa_core::store_settings::MerchantStatus;
use kassa_db::OrderRow;
use serde::Deserialize;
use serde_json::{json, Value};
use subtle::ConstantTimeEq;

/// Approved and declined test cards.
pub const APPROVED_CARD: &str = "4111111111111111";
pub const DECLINED_CARD: &str = "4000000000000002";

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/checkout/{order_id}", get(show).post(confirm))
}

struct LineView {
    name: String,
    quantity: i64,
    total: String,
}

#[derive(Template)]
#[template(path = "checkout.html")]
struct CheckoutTemplate {
    lang: Lang,
    order_id: String,
    token: String,
    store_name: String,
    /// How shoppers reach the merchant's support (empty fields: not given).
    support: kassa_app::company::SupportContact,
    lines: Vec<LineView>,
    total: String,
    tax: String,
    state: &'static str,
    error: Option<String>,
    form: ShopperForm,
}

impl CheckoutTemplate {
    fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }
}

#[derive(Deserialize, Default, Clone)]
pub(crate) struct ShopperForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    given_name: String,
    #[serde(default)]
    family_name: String,
    #[serde(default)]
    street_address: String,
    #[serde(default)]
    postal_code: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    payment_method: String,
    #[serde(default)]
    card_number: String,
    #[serde(default)]
    card_expiry: String,
    #[serde(default)]
    card_cvc: String,
}

impl ShopperForm {
    /// Whether any field holds NUL, which no address or card field has (and PostgreSQL
    /// text cannot store).
    fn has_nul(&self) -> bool {
        [
            &self.token,
            &self.email,
            &self.given_name,
            &self.family_name,
            &self.street_address,
            &self.postal_code,
            &self.city,
            &self.phone,
            &self.payment_method,
            &self.card_number,
            &self.card_expiry,
            &self.card_cvc,
        ]
        .iter()
        .any(|f| f.contains('\0'))
    }
}

fn form_token(state: &AppState, order_id: &str) -> String {
    hash_secret(&state.config.secret_key, &format!("hosted-checkout:{order_id}"))
}

/// The merchant's site may frame this page: its origins come from the order's merchant URLs.
fn frame_policy(row: &OrderRow) -> String {
    let body: Value = serde_json::from_str(&row.body).unwrap_or_default();
    let mut origins: Vec<String> = ["checkout", "confirmation", "terms"]
        .iter()
        .filter_map(|k| body.pointer(&format!("/merchant_urls/{k}")).and_then(Value::as_str))
        .filter_map(origin_of)
        .collect();
    origins.sort();
    origins.dedup();
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self' {}; frame-ancestors 'self' {}; base-uri 'none'",
        origins.join(" "),
        origins.join(" ")
    )
}

fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    let safe = !host.is_empty() && host.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c));
    (safe && (scheme == "https" || scheme == "http")).then(|| format!("{scheme}://{host}"))
}

async fn page(state: &AppState, row: &OrderRow, form: ShopperForm, error: Option<String>) -> Response {
    let lang = Lang::from_code(&row.locale).unwrap_or(Lang::En);
    let body: Object = serde_json::from_str(&row.body).unwrap_or_default();
    let lines: Vec<WireLine> = body
        .get("order_lines")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    let store_name = state
        .db
        .store(&row.store_id)
        .await
        .ok()
        .flatten()
        .map(|s| s.name)
        .unwrap_or_default();
    let support = kassa_app::company::support_contact(&state.db, &row.store_id)
        .await
        .unwrap_or_default();
    let checkout_state = match row.checkout_status.as_str() {
        "checkout_complete" => "complete",
        "checkout_incomplete" if now_ms() < row.checkout_expires_at => "open",
        "checkout_incomplete" => "expired",
        _ => "aborted",
    };
    let mut form = form;
    if form.email.is_empty() {
        let billing = body.get("billing_address").and_then(Value::as_object);
        let field = |k: &str| {
            billing
                .and_then(|b| b.get(k))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        form = ShopperForm {
            email: field("email"),
            given_name: field("given_name"),
            family_name: field("family_name"),
            street_address: field("street_address"),
            postal_code: field("postal_code"),
            city: field("city"),
            phone: field("phone"),
            payment_method: "INVOICE".into(),
            ..form
        };
    }
    let template = CheckoutTemplate {
        order_id: row.order_id.clone(),
        token: form_token(state, &row.order_id),
        store_name,
        support,
        lines: lines
            .iter()
            .map(|l| LineView {
                name: l.name.clone(),
                quantity: l.quantity,
                total: lang.format_money(l.total_amount, &row.purchase_currency),
            })
            .collect(),
        total: lang.format_money(row.order_amount, &row.purchase_currency),
        tax: lang.format_money(row.order_tax_amount, &row.purchase_currency),
        state: checkout_state,
        error,
        form,
        lang,
    };
    let mut res = render(&template);
    if res.status().is_server_error() {
        return res;
    }
    if let Ok(v) = HeaderValue::from_str(&frame_policy(row)) {
        res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
    // Framing is governed by the CSP above; X-Frame-Options would forbid it outright.
    res.extensions_mut().insert(crate::shell::headers::AllowFraming);
    res
}

async fn show(State(state): State<AppState>, Path(order_id): Path<String>) -> Response {
    if order_id.contains('\0') {
        return StatusCode::NOT_FOUND.into_response();
    }
    match orders::hosted_checkout(&state.db, &order_id).await {
        Ok(row) if suspended(&state, &row).await => {
            let lang = Lang::from_code(&row.locale).unwrap_or(Lang::En);
            page(
                &state,
                &row,
                ShopperForm::default(),
                Some(lang.t("checkout-error-suspended")),
            )
            .await
        }
        Ok(row) => page(&state, &row, ShopperForm::default(), None).await,
        Err(AppError::Storage(e)) => crate::WebError::from(e).into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Whether the order's merchant is suspended: its checkout shows why and takes no payment.
/// (The use case refuses too; asking first lets the page say so before the shopper types.)
async fn suspended(state: &AppState, row: &OrderRow) -> bool {
    matches!(
        state.db.merchant_status_of_store(&row.store_id).await,
        Ok(Some(MerchantStatus::Suspended))
    )
}

/// Luhn checksum, so typos are caught before "payment".
fn luhn(number: &str) -> bool {
    let digits: Vec<u32> = number.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() < 12 || digits.len() != number.len() {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                *d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Simulated card authorization: the test cards, any other Luhn-valid number with a future
/// expiry and a CVC.
fn card_decision(form: &ShopperForm) -> Result<(), &'static str> {
    let number: String = form
        .card_number
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if number == DECLINED_CARD {
        return Err("checkout-error-card-declined");
    }
    if !luhn(&number) {
        return Err("checkout-error-card-number");
    }
    let (mm, yy) = form.card_expiry.trim().split_once('/').unwrap_or(("", ""));
    let (Ok(mm), Ok(yy)) = (mm.trim().parse::<i16>(), yy.trim().parse::<i16>()) else {
        return Err("checkout-error-card-expiry");
    };
    let today = jiff::Zoned::now().date();
    let year = 2000 + yy;
    if !(1..=12).contains(&mm) || (year, mm as i8) < (today.year(), today.month()) {
        return Err("checkout-error-card-expiry");
    }
    let cvc = form.card_cvc.trim();
    if !(3..=4).contains(&cvc.len()) || !cvc.chars().all(|c| c.is_ascii_digit()) {
        return Err("checkout-error-card-cvc");
    }
    Ok(())
}

async fn confirm(
    State(state): State<AppState>,
    Path(order_id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<ShopperForm>,
) -> Response {
    if order_id.contains('\0') {
        return StatusCode::NOT_FOUND.into_response();
    }
    if form.has_nul() {
        return StatusCode::BAD_REQUEST.into_response();
    }
    let row = match orders::hosted_checkout(&state.db, &order_id).await {
        Ok(row) => row,
        Err(AppError::Storage(e)) => return crate::WebError::from(e).into_response(),
        Err(_) => return StatusCode::NOT_FOUND.into_response(),
    };
    let origin_ok = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|o| {
            o == state.config.origin()
                || headers
                    .get(header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .is_some_and(|h| o.ends_with(&format!("//{h}")))
        });
    let token_ok: bool = form
        .token
        .as_bytes()
        .ct_eq(form_token(&state, &order_id).as_bytes())
        .into();
    if !origin_ok || !token_ok {
        return StatusCode::FORBIDDEN.into_response();
    }
    let lang = Lang::from_code(&row.locale).unwrap_or(Lang::En);
    let fail = |key: &str| Some(lang.t(key));
    if suspended(&state, &row).await {
        return with_status(page(&state, &row, form, fail("checkout-error-suspended")).await);
    }
    let problems = shopper_problems(lang, &form);
    if !problems.is_empty() {
        return with_status(page(&state, &row, form, Some(problems.join(" "))).await);
    }
    let method = match form.payment_method.as_str() {
        "CARD" | "PAY_IN_X" | "INVOICE" => form.payment_method.clone(),
        _ => return with_status(page(&state, &row, form, fail("checkout-error-method")).await),
    };
    if method == "CARD" {
        if let Err(key) = card_decision(&form) {
            return with_status(page(&state, &row, form, fail(key)).await);
        }
    }
    let billing = json!({
        "given_name": form.given_name.trim(), "family_name": form.family_name.trim(), "email": form.email.trim(),
        "street_address": form.street_address.trim(), "postal_code": form.postal_code.trim(), "city": form.city.trim(),
        "phone": form.phone.trim(), "country": row.purchase_country,
    });
    let reservation = state
        .db
        .store(&row.store_id)
        .await
        .ok()
        .flatten()
        .map(|s| s.reservation_days)
        .unwrap_or(28);
    let cmd = CompleteCheckout {
        order_id: order_id.clone(),
        billing_address: billing.as_object().cloned().unwrap_or_default(),
        shipping_address: None,
        payment_method: method,
        reservation_days: reservation,
    };
    let shopper = Actor::shopper(row.store_id.clone()).named(form.email.trim().to_lowercase());
    match orders::complete_checkout(&state.db, &shopper, cmd).await {
        Ok(done) => {
            let body: Value = serde_json::from_str(&done.body).unwrap_or_default();
            match body.pointer("/merchant_urls/confirmation").and_then(Value::as_str) {
                Some(url) => {
                    Redirect::to(&orders::expand_merchant_url(url, &order_id, &state.config.public_url)).into_response()
                }
                None => Redirect::to(&format!("/checkout/{order_id}")).into_response(),
            }
        }
        Err(e) => {
            // The API's words (field paths, English) are for developers: the shopper reads
            // what happened in their own language; the log keeps the details.
            tracing::info!(order_id = %order_id, error = %e, "hosted checkout refused");
            let key = match e {
                AppError::Refused(Refusal::ReadOnly(_)) => "checkout-error-closed",
                AppError::Refused(Refusal::NotAllowed(ref why)) if why == orders::MERCHANT_SUSPENDED => {
                    "checkout-error-suspended"
                }
                AppError::Invalid(_) | AppError::Refused(Refusal::BadValue(_)) => "checkout-error-details",
                _ => "checkout-error-general",
            };
            with_status(page(&state, &row, form, fail(key)).await)
        }
    }
}

/// The shopper's details checked as the order will check them, one translated sentence per
/// problem that names the field by its label, never by its API name.
fn shopper_problems(lang: Lang, form: &ShopperForm) -> Vec<String> {
    let mut problems = Vec::new();
    if form.email.trim().is_empty() || form.given_name.trim().is_empty() || form.family_name.trim().is_empty() {
        problems.push(lang.t("checkout-error-required"));
    } else if kassa_core::account::Email::parse(form.email.trim()).is_err() {
        problems.push(lang.t("checkout-error-email"));
    }
    let fields = [
        ("email", "field-email", &form.email),
        ("given_name", "checkout-given-name", &form.given_name),
        ("family_name", "checkout-family-name", &form.family_name),
        ("street_address", "checkout-street", &form.street_address),
        ("postal_code", "checkout-postal-code", &form.postal_code),
        ("city", "checkout-city", &form.city),
        ("phone", "field-phone", &form.phone),
    ];
    for (key, label, value) in fields {
        let max = kassa_app::orders::address_field_limit(key).unwrap_or(usize::MAX);
        if value.trim().chars().count() > max {
            problems.push(lang.t_args(
                "checkout-error-too-long",
                &[("field", lang.t(label)), ("max", max.to_string())],
            ));
        }
    }
    problems
}

fn with_status(mut res: Response) -> Response {
    if res.status().is_success() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_cards() {
        assert!(luhn(APPROVED_CARD) && luhn(DECLINED_CARD));
        assert!(!luhn("4111111111111112"));
        let form = |n: &str| ShopperForm {
            card_number: n.into(),
            card_expiry: "12/39".into(),
            card_cvc: "123".into(),
            ..Default::default()
        };
        assert_eq!(card_decision(&form("4111 1111 1111 1111")), Ok(()));
        assert_eq!(
            card_decision(&form("4000 0000 0000 0002")),
            Err("checkout-error-card-declined")
        );
        assert_eq!(
            card_decision(&ShopperForm {
                card_expiry: "01/20".into(),
                ..form(APPROVED_CARD)
            }),
            Err("checkout-error-card-expiry")
        );
    }

    #[test]
    fn frame_origins() {
        assert_eq!(
            origin_of("https://shop.example/checkout?x=1"),
            Some("https://shop.example".into())
        );
        assert_eq!(origin_of("javascript:alert(1)"), None);
        assert_eq!(origin_of("https://evil.example;script-src *"), None);
    }
}
