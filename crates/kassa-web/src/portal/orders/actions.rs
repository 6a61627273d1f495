//! The order page's actions: each runs the same order operation as the merchant API, once
//! per form (a one-time key spent in the idempotency table).

pub(super) mod amount;
pub(super) mod explain;
pub(super) mod flash;

use super::*;
use kassa_app::orders::{self, Amount, OrderLine, Pending};
use kassa_app::{AppError, FieldError};
use kassa_core::line_edit::{LineInput, LinesInput, LinesProblem, NewLineInput};
use kassa_core::order::Refusal;

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
pub(super) fn explain(lang: Lang, e: &AppError) -> String {
    let key = match e {
        AppError::Refused(Refusal::CaptureNotAllowed(_)) => "order-error-capture",
        AppError::Refused(Refusal::RefundNotAllowed(_)) => "order-error-refund",
        AppError::Refused(Refusal::CancelNotAllowed(_)) => "order-error-cancel",
        AppError::Refused(Refusal::BadValue(_)) | AppError::Invalid(_) => "order-error-amount",
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
pub(super) fn picked_lines(lines: &[OrderLine], form: &ActionForm) -> Result<Vec<OrderLine>, ()> {
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
        out.push(l.repriced(q, l.unit_price).ok_or(())?);
    }
    Ok(out)
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
    let result = run_action(&state, &actor_of(&member), &order_id, action, &form).await;
    match result {
        Ok((mut pending, done)) => {
            let location = done_url(done);
            let saved = SavedResponse {
                status: 303,
                headers: serde_json::json!({"location": location}).to_string(),
                body: String::new(),
            };
            pending.tx.complete_idempotency_key(&store, &key, &saved).await?;
            pending.commit().await.map_err(WebError::from)?;
            Ok(Redirect::to(&location).into_response())
        }
        Err(ActionError::NotFound) => {
            state.db.release_idempotency_key(&store, &key).await?;
            Err(WebError::NotFound)
        }
        // Not a refusal to explain: the member may not do this, or storage failed.
        Err(ActionError::Refused(e @ (AppError::Forbidden | AppError::Storage(_) | AppError::Internal(_)))) => {
            state.db.release_idempotency_key(&store, &key).await?;
            Err(WebError::from(e))
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
    /// The operation's refusal, or its fields that are not valid.
    Refused(AppError),
    Lines(LinesProblem),
    /// More of a line than can be captured or refunded.
    Quantities,
    ShippingEmpty,
    Mode(ModeProblem),
}

impl From<AppError> for ActionError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound(_) => ActionError::NotFound,
            AppError::Refused(Refusal::Lines(problem)) => ActionError::Lines(problem),
            e => ActionError::Refused(e),
        }
    }
}

/// An "Edit lines" form as kassa-core reads it: per line `quantity_<i>`, `unit_price_<i>`
/// and `remove_<i>`; an optional new line (`new_name`, `new_reference`, `new_quantity`,
/// `new_unit_price`, `new_tax_rate` in %), for the `count` lines the order has.
pub(super) fn lines_input(form: &ActionForm, count: usize) -> LinesInput {
    let field = |key: String| form.rest.get(&key).map(|v| v.trim().to_owned());
    let new = |key: &str| field(format!("new_{key}")).unwrap_or_default();
    LinesInput {
        lines: (0..count)
            .map(|i| LineInput {
                remove: field(format!("remove_{i}")).is_some_and(|v| !v.is_empty()),
                quantity: field(format!("quantity_{i}")),
                unit_price: field(format!("unit_price_{i}")),
            })
            .collect(),
        new_line: NewLineInput {
            name: new("name"),
            reference: new("reference"),
            quantity: new("quantity"),
            unit_price: new("unit_price"),
            tax_rate: new("tax_rate"),
        },
    }
}

/// How much a capture or refund form takes, and by which lines.
fn amount_and_lines(form: &ActionForm, lines: &[OrderLine]) -> Result<(Amount, Vec<OrderLine>), ActionError> {
    Ok(match how_much(form).map_err(ActionError::Mode)? {
        HowMuch::Everything => (Amount::All, Vec::new()),
        HowMuch::Lines => {
            let picked = picked_lines(lines, form).map_err(|_| ActionError::Quantities)?;
            (Amount::Exactly(picked.iter().map(|l| l.total_amount).sum()), picked)
        }
        HowMuch::Amount(amount) => (Amount::Exactly(amount), Vec::new()),
    })
}

/// Runs one action as `actor`; the change is returned uncommitted, for the form key to be
/// spent in the same transaction.
pub(super) async fn run_action(
    state: &AppState,
    actor: &Actor,
    order_id: &str,
    action: &str,
    form: &ActionForm,
) -> Result<(Pending<()>, &'static str), ActionError> {
    let db = &state.db;
    let order_id = order_id.to_owned();
    let description = Some(form.description.trim().to_owned()).filter(|d| !d.is_empty());
    let field = |k: &str| form.rest.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
    let pending = match action {
        "capture" => {
            let row = orders::om_order(db, actor, &order_id).await?;
            let (amount, lines) = amount_and_lines(form, &lines_of(&row))?;
            let cmd = orders::Capture {
                lines,
                ..orders::Capture::of(order_id, amount)
            };
            (orders::capture(db, actor, cmd).await?.map(|_| ()), "captured")
        }
        "refund" => {
            let row = orders::om_order(db, actor, &order_id).await?;
            let (amount, lines) = amount_and_lines(form, &lines_of(&row))?;
            let cmd = orders::Refund {
                order_id,
                amount,
                description,
                reference: None,
                lines,
            };
            (orders::refund(db, actor, cmd).await?.map(|_| ()), "refunded")
        }
        "cancel" => (orders::cancel(db, actor, &order_id).await?, "cancelled"),
        "extend" => (orders::extend_authorization(db, actor, &order_id).await?, "extended"),
        "release" => (orders::release_remaining(db, actor, &order_id).await?, "released"),
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
            let cmd = orders::UpdateAuthorization {
                order_id,
                amount,
                description,
                lines: None,
            };
            (orders::update_authorization(db, actor, cmd).await?, "amount")
        }
        "lines" => {
            // Worked out again under the lock, from the order as it is now.
            let row = orders::om_order(db, actor, &order_id).await?;
            let cmd = orders::EditLines {
                order_id,
                version: field("lines_version"),
                input: lines_input(form, lines_of(&row).len()),
                description,
            };
            (orders::edit_lines(db, actor, cmd).await?, "lines")
        }
        "customer" => {
            let mut address = serde_json::Map::new();
            for &key in CUSTOMER_FIELDS {
                address.insert(key.into(), Value::String(field(key)));
            }
            let cmd = orders::CustomerDetails {
                order_id,
                billing_address: Some(Value::Object(address)),
                shipping_address: None,
            };
            (orders::update_customer_details(db, actor, cmd).await?, "customer")
        }
        "shipping" => {
            let mut entry = serde_json::Map::new();
            for key in ["shipping_company", "tracking_number", "shipping_method", "tracking_uri"] {
                if !field(key).is_empty() {
                    entry.insert(key.into(), Value::String(field(key)));
                }
            }
            if entry.is_empty() {
                return Err(ActionError::ShippingEmpty);
            }
            let cmd = orders::AddShippingInfo {
                order_id,
                shipping_info: vec![Value::Object(entry)],
            };
            (orders::add_shipping_info(db, actor, cmd).await?, "shipping")
        }
        "references" => {
            let cmd = orders::MerchantReferences {
                order_id,
                reference1: Some(form.merchant_reference1.trim().to_owned()),
                reference2: Some(form.merchant_reference2.trim().to_owned()),
            };
            (orders::update_merchant_references(db, actor, cmd).await?, "references")
        }
        _ => return Err(ActionError::NotFound),
    };
    Ok(pending)
}

/// The fields of a form that are not valid, as the operation listed them.
pub(super) fn bad_fields(e: &AppError) -> &[FieldError] {
    match e {
        AppError::Invalid(fields) => fields,
        _ => &[],
    }
}

#[cfg(test)]
mod tests;
