//! The order page's actions: each runs the same order operation as the merchant API, once
//! per form (a one-time key spent in the idempotency table).

pub(super) mod amount;
pub(super) mod explain;
pub(super) mod flash;

use super::*;
use kassa_core::lines::BadValue;

pub(super) fn api_to_web(e: ApiError) -> WebError {
    WebError::Internal(e.messages.join("; "))
}

/// An action form: what to do, how much, and a one-time key against double submits.
#[derive(Deserialize, Debug, Default)]
pub(crate) struct ActionForm {
    #[serde(default)]
    pub(super) form_key: String,
    #[serde(default)]
    pub(super) mode: String,
    #[serde(default)]
    pub(super) amount: String,
    #[serde(default)]
    pub(super) description: String,
    #[serde(default)]
    pub(super) merchant_reference1: String,
    #[serde(default)]
    pub(super) merchant_reference2: String,
    #[serde(flatten)]
    pub(super) rest: std::collections::HashMap<String, String>,
}

/// An operation's refusal in the user's language, without the API's wording (its amounts
/// are minor units, its names are field names). The order page's own forms say more; see
/// [`explain::refusal`].
pub(super) fn explain(lang: Lang, e: &ApiError) -> String {
    let key = match e.code {
        "CAPTURE_NOT_ALLOWED" => "order-error-capture",
        "REFUND_NOT_ALLOWED" => "order-error-refund",
        "CANCEL_NOT_ALLOWED" => "order-error-cancel",
        "BAD_VALUE" => "order-error-amount",
        _ => "order-error-not-allowed",
    };
    lang.t(key)
}

/// How much a capture or refund form asks for.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum HowMuch {
    Everything,
    Lines,
    Amount(i64),
}

/// A capture or refund form that does not say unambiguously how much to take.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum ModeProblem {
    NoMode,
    /// An amount was typed, but another way was chosen: never ignored, never taken silently.
    AmountWithOtherMode {
        typed: String,
        mode: &'static str,
    },
    QuantitiesWithOtherMode {
        mode: &'static str,
    },
    NoLines,
    AmountMissing,
    AmountInvalid(String),
}

impl ModeProblem {
    pub(super) fn explain(&self, lang: Lang, currency: &str, action: &str) -> String {
        let mode_label = |mode: &str| {
            lang.t(match (mode, action) {
                ("full", "refund") => "order-mode-full-refund",
                ("full", _) => "order-mode-full",
                ("lines", _) => "order-mode-lines",
                _ => "order-mode-amount",
            })
        };
        match self {
            ModeProblem::NoMode => lang.t("order-error-choose-mode"),
            ModeProblem::AmountWithOtherMode { typed, mode } => lang.t_args(
                "order-error-amount-with-mode",
                &[
                    (
                        "amount",
                        parse_major(typed)
                            .map(|v| lang.format_money(v, currency))
                            .unwrap_or_else(|| typed.clone()),
                    ),
                    ("mode", mode_label(mode)),
                ],
            ),
            ModeProblem::QuantitiesWithOtherMode { mode } => {
                lang.t_args("order-error-quantities-with-mode", &[("mode", mode_label(mode))])
            }
            ModeProblem::NoLines => lang.t("order-error-no-lines"),
            ModeProblem::AmountMissing => lang.t("order-error-amount-missing"),
            ModeProblem::AmountInvalid(text) => lang.t_args("order-error-amount-invalid", &[("text", text.clone())]),
        }
    }
}

/// Reads how much a capture or refund form asks for. Exactly one way counts: the chosen
/// one; a typed amount or quantities that the chosen way would ignore are refused.
pub(super) fn how_much(form: &ActionForm) -> Result<HowMuch, ModeProblem> {
    let typed = form.amount.trim();
    let quantities = form
        .rest
        .iter()
        .any(|(k, v)| k.starts_with("qty_") && !matches!(v.trim(), "" | "0"));
    let mode: &'static str = match form.mode.as_str() {
        "full" => "full",
        "lines" => "lines",
        "amount" => "amount",
        _ => return Err(ModeProblem::NoMode),
    };
    if mode != "amount" && !typed.is_empty() {
        return Err(ModeProblem::AmountWithOtherMode {
            typed: typed.to_owned(),
            mode,
        });
    }
    if mode != "lines" && quantities {
        return Err(ModeProblem::QuantitiesWithOtherMode { mode });
    }
    match mode {
        "full" => Ok(HowMuch::Everything),
        "lines" if quantities => Ok(HowMuch::Lines),
        "lines" => Err(ModeProblem::NoLines),
        _ if typed.is_empty() => Err(ModeProblem::AmountMissing),
        _ => parse_major(typed)
            .map(HowMuch::Amount)
            .ok_or_else(|| ModeProblem::AmountInvalid(typed.to_owned())),
    }
}

/// Lines picked by quantity (`qty_0`, `qty_1`…) turned into capture/refund lines.
pub(super) fn picked_lines(lines: &[WireLine], form: &ActionForm) -> Result<Vec<WireLine>, ()> {
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let Some(raw) = form.rest.get(&format!("qty_{i}")) else {
            continue;
        };
        let raw = raw.trim();
        if raw.is_empty() || raw == "0" {
            continue;
        }
        let q: i64 = raw.parse().map_err(|_| ())?;
        if q < 0 || q > l.quantity {
            return Err(());
        }
        out.push(repriced(l, q, l.unit_price).ok_or(())?);
    }
    Ok(out)
}

/// `line` at another quantity and unit price: its discount kept per unit, its totals worked
/// out as the spec defines them. None when the numbers are too large to multiply.
pub(super) fn repriced(line: &WireLine, quantity: i64, unit_price: i64) -> Option<WireLine> {
    let discount = line.total_discount_amount.unwrap_or(0);
    let discount = if line.quantity > 0 {
        i64::try_from(discount as i128 * quantity as i128 / line.quantity as i128).ok()?
    } else {
        discount
    };
    let total = kassa_core::lines::line_total(quantity, unit_price, discount)?;
    Some(WireLine {
        quantity,
        unit_price,
        total_amount: total,
        total_discount_amount: Some(discount),
        total_tax_amount: Some(kassa_core::lines::included_tax(total, line.tax_rate.unwrap_or(0))),
        ..line.clone()
    })
}

/// Runs one action on a locked order as the signed-in user, at most once per form. A refused
/// form is sent back (303) to the action's own page with what the user typed and why, so
/// the address bar never rests on this POST-only URL.
pub(crate) async fn act(
    State(state): State<AppState>,
    member: Member,
    Path(order_id): Path<String>,
    action: &'static str,
    Form(form): Form<ActionForm>,
) -> Result<Response, WebError> {
    let lang = Lang::from_code(&member.user.language).unwrap_or(Lang::En);
    let store = member.store.store_id.clone();
    let done_url = |what: &str| format!("/portal/orders/{order_id}?done={what}");
    // A double submit (or a reload of the POST) finds its key used and does nothing.
    let key = format!("portal:{}", form.form_key);
    if form.form_key.len() < 16 {
        return Err(WebError::BadRequest("missing form key".into()));
    }
    match state
        .db
        .claim_idempotency_key(&store, &key, &format!("{action}:{order_id}"), now_ms())
        .await?
    {
        Claim::Fresh => {}
        _ => return Ok(Redirect::to(&done_url("repeated")).into_response()),
    }
    // Form mistakes and changes that must be confirmed first are found before anything is
    // locked; the form key is given back, to be spent when the form comes again.
    let asked = match ask_first(&state, &member, &order_id, action, &form, lang).await {
        Ok(asked) => asked,
        Err(e) => {
            state.db.release_idempotency_key(&store, &key).await?;
            return Err(e);
        }
    };
    match asked {
        Asked::Proceed => {}
        Asked::Page(page) => {
            state.db.release_idempotency_key(&store, &key).await?;
            return Ok(page);
        }
        Asked::Refused(message) => {
            state.db.release_idempotency_key(&store, &key).await?;
            return send_back(&state, &member, &order_id, action, message, &form).await;
        }
    }
    let actor = Actor {
        kind: "portal_user",
        name: member.user.email.clone(),
    };
    let result = run_action(&state, &store, &order_id, action, &form, &actor).await;
    match result {
        Ok((mut locked, done)) => {
            let location = done_url(done);
            let saved = SavedResponse {
                status: 303,
                headers: serde_json::json!({"location": location}).to_string(),
                body: String::new(),
            };
            locked.tx.complete_idempotency_key(&store, &key, &saved).await?;
            locked.tx.commit().await?;
            Ok(Redirect::to(&location).into_response())
        }
        Err(ActionError::NotFound) => {
            state.db.release_idempotency_key(&store, &key).await?;
            Err(WebError::NotFound)
        }
        Err(refused) => {
            state.db.release_idempotency_key(&store, &key).await?;
            let message = explain::refusal(&state, &member, &order_id, action, &form, lang, refused).await?;
            send_back(&state, &member, &order_id, action, message, &form).await
        }
    }
}

/// Redirects to the action's own page, which shows `message` and the form as it was sent.
async fn send_back(
    state: &AppState,
    member: &Member,
    order_id: &str,
    action: &str,
    message: String,
    form: &ActionForm,
) -> Result<Response, WebError> {
    if !page::ACTIONS.contains(&action) {
        return Err(WebError::NotFound);
    }
    let token = flash::save(state, member, order_id, action, message, form).await?;
    Ok(Redirect::to(&format!("/portal/orders/{order_id}/{action}?retry={token}")).into_response())
}

/// What to do with a form before running it.
pub(super) enum Asked {
    Proceed,
    /// A confirmation page to show first.
    Page(Response),
    /// A mistake in the form, explained.
    Refused(String),
}

/// Checks what can be checked without the lock — how much a capture or refund takes, and
/// whether a change of the amount or the lines must be confirmed first.
async fn ask_first(
    state: &AppState,
    member: &Member,
    order_id: &str,
    action: &str,
    form: &ActionForm,
    lang: Lang,
) -> Result<Asked, WebError> {
    let confirmed = form.rest.get("confirmed").map(String::as_str) == Some("1");
    match action {
        "capture" | "refund" => {
            let row = member_order(state, member, order_id).await?;
            Ok(match how_much(form) {
                Ok(_) => Asked::Proceed,
                Err(problem) => Asked::Refused(problem.explain(lang, &row.purchase_currency, action)),
            })
        }
        "lines" if !confirmed => lines_confirmation(state, member, order_id, form).await,
        "amount" if !confirmed => amount::confirmation(state, member, order_id, form).await,
        _ => Ok(Asked::Proceed),
    }
}

pub(super) enum ActionError {
    NotFound,
    Refused(ApiError),
    Lines(LinesProblem),
    /// Fields of the customer, shipping or references forms that are not valid.
    Fields(Vec<BadValue>),
    /// More of a line than can be captured or refunded.
    Quantities,
    ShippingEmpty,
    Mode(ModeProblem),
}

impl From<ApiError> for ActionError {
    fn from(e: ApiError) -> Self {
        if e.code == "NO_SUCH_ORDER" {
            ActionError::NotFound
        } else {
            ActionError::Refused(e)
        }
    }
}

pub(super) async fn run_action(
    state: &AppState,
    store: &str,
    order_id: &str,
    action: &str,
    form: &ActionForm,
    actor: &Actor,
) -> Result<(Locked, &'static str), ActionError> {
    let mut locked = orders::lock(&state.db, store, order_id).await?;
    let body = locked.body();
    let lines: Vec<WireLine> = body
        .get("order_lines")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    let done = match action {
        "capture" => {
            let current = locked.state()?;
            let (amount, order_lines) = match how_much(form).map_err(ActionError::Mode)? {
                HowMuch::Everything => (current.remaining_authorized(), None),
                HowMuch::Lines => {
                    let picked = picked_lines(&lines, form).map_err(|_| ActionError::Quantities)?;
                    (picked.iter().map(|l| l.total_amount).sum(), Some(picked))
                }
                HowMuch::Amount(amount) => (amount, None),
            };
            let req = CaptureRequest {
                captured_amount: amount,
                description: None,
                reference: None,
                order_lines,
                shipping_info: None,
                shipping_delay: None,
            };
            orders::capture(&mut locked, &req, actor).await?;
            "captured"
        }
        "refund" => {
            let refundable = locked.row.captured_amount - locked.row.refunded_amount;
            let (amount, order_lines) = match how_much(form).map_err(ActionError::Mode)? {
                HowMuch::Everything => (refundable, None),
                HowMuch::Lines => {
                    let picked = picked_lines(&lines, form).map_err(|_| ActionError::Quantities)?;
                    (picked.iter().map(|l| l.total_amount).sum(), Some(picked))
                }
                HowMuch::Amount(amount) => (amount, None),
            };
            let description = Some(form.description.trim().to_owned()).filter(|d| !d.is_empty());
            orders::refund(
                &mut locked,
                &RefundRequest {
                    refunded_amount: amount,
                    description,
                    reference: None,
                    order_lines,
                },
                actor,
            )
            .await?;
            "refunded"
        }
        "cancel" => {
            let next = locked.state()?.cancel().map_err(ApiError::from)?;
            orders::transition(&mut locked, actor, "cancelled", next).await?;
            "cancelled"
        }
        "extend" => {
            let days = state
                .db
                .store(store)
                .await
                .map_err(ApiError::from)?
                .map(|s| s.reservation_days)
                .unwrap_or(28);
            let next = locked
                .state()?
                .extend_authorization(now_ms(), days * 24 * 3600 * 1000)
                .map_err(ApiError::from)?;
            orders::transition(&mut locked, actor, "authorization_extended", next).await?;
            "extended"
        }
        "release" => {
            let next = locked.state()?.release_remaining().map_err(ApiError::from)?;
            orders::transition(&mut locked, actor, "released", next).await?;
            "released"
        }
        "amount" => {
            // A new order amount while something is left to capture (lower it when an item
            // cannot be delivered). Never below what is captured: the domain refuses that.
            let amount = match parse_major(&form.amount) {
                Some(amount) => amount,
                None if form.amount.trim().is_empty() => return Err(ActionError::Mode(ModeProblem::AmountMissing)),
                None => {
                    return Err(ActionError::Mode(ModeProblem::AmountInvalid(
                        form.amount.trim().to_owned(),
                    )))
                }
            };
            let description = Some(form.description.trim().to_owned()).filter(|d| !d.is_empty());
            let req = crate::api::model::UpdateAuthorization {
                order_amount: amount,
                description,
                order_lines: None,
            };
            orders::update_authorization(&mut locked, &req, actor).await?;
            "amount"
        }
        "lines" => {
            // Worked out again under the lock, from the order as it is now.
            let edit = edited_lines(&locked.row, form).map_err(ActionError::Lines)?;
            let description = Some(form.description.trim().to_owned()).filter(|d| !d.is_empty());
            let req = crate::api::model::UpdateAuthorization {
                order_amount: edit.order_amount,
                description,
                order_lines: Some(edit.lines),
            };
            orders::update_authorization(&mut locked, &req, actor).await?;
            "lines"
        }
        "customer" => {
            let field = |k: &str| form.rest.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
            let mut address = serde_json::Map::new();
            for &key in CUSTOMER_FIELDS {
                address.insert(key.into(), Value::String(field(key)));
            }
            let mut problems = Vec::new();
            crate::api::model::check_address(&Value::Object(address.clone()), "billing_address", &mut problems);
            if !problems.is_empty() {
                return Err(ActionError::Fields(problems));
            }
            orders::edit_details(&mut locked, actor, "customer_details_updated", |body, _| {
                let mut merged = body
                    .get("billing_address")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                merged.extend(address);
                body.insert("billing_address".into(), Value::Object(merged));
            })
            .await?;
            "customer"
        }
        "shipping" => {
            let field = |k: &str| form.rest.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
            let mut entry = serde_json::Map::new();
            for key in ["shipping_company", "tracking_number", "shipping_method", "tracking_uri"] {
                if !field(key).is_empty() {
                    entry.insert(key.into(), Value::String(field(key)));
                }
            }
            if entry.is_empty() {
                return Err(ActionError::ShippingEmpty);
            }
            let mut problems = Vec::new();
            crate::api::model::check_shipping_info(&[Value::Object(entry.clone())], &mut problems);
            if !problems.is_empty() {
                return Err(ActionError::Fields(problems));
            }
            orders::edit_details(&mut locked, actor, "shipping_info_added", |body, _| {
                let mut list = body
                    .get("shipping_info")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                list.push(Value::Object(entry));
                body.insert("shipping_info".into(), Value::Array(list));
            })
            .await?;
            "shipping"
        }
        "references" => {
            for (name, v) in [
                ("merchant_reference1", &form.merchant_reference1),
                ("merchant_reference2", &form.merchant_reference2),
            ] {
                if v.chars().count() > 255 {
                    return Err(ActionError::Fields(vec![BadValue::new(name, "at most 255 characters")]));
                }
            }
            let (r1, r2) = (
                form.merchant_reference1.trim().to_owned(),
                form.merchant_reference2.trim().to_owned(),
            );
            orders::edit_details(&mut locked, actor, "merchant_references_updated", |body, row| {
                row.merchant_reference1 = Some(r1).filter(|s| !s.is_empty());
                row.merchant_reference2 = Some(r2).filter(|s| !s.is_empty());
                body.insert("merchant_reference1".into(), serde_json::json!(row.merchant_reference1));
                body.insert("merchant_reference2".into(), serde_json::json!(row.merchant_reference2));
            })
            .await?;
            "references"
        }
        _ => return Err(ActionError::NotFound),
    };
    Ok((locked, done))
}

#[cfg(test)]
mod tests;
