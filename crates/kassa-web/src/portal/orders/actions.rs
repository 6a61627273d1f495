//! The order page's actions: each runs the same order operation as the merchant API, once
//! per form (a one-time key spent in the idempotency table).

use super::*;

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

/// The error explained in the user's language, for the error codes the domain gives.
pub(super) fn explain(lang: Lang, e: &ApiError) -> String {
    let key = match e.code {
        "CAPTURE_NOT_ALLOWED" => "order-error-capture",
        "REFUND_NOT_ALLOWED" => "order-error-refund",
        "CANCEL_NOT_ALLOWED" => "order-error-cancel",
        "BAD_VALUE" => "order-error-amount",
        _ => "order-error-not-allowed",
    };
    format!("{} ({})", lang.t(key), e.messages.join(" "))
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

/// Runs one action on a locked order as the signed-in user, at most once per form.
pub(crate) async fn act(
    State(state): State<AppState>,
    member: Member,
    Path((order_id, action)): Path<(String, String)>,
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
    // An edit of the lines that removes some or lowers the amount is shown and asked for
    // again first: the form key is given back, to be spent when it is confirmed.
    if action == "lines" && form.rest.get("confirmed").map(String::as_str) != Some("1") {
        match lines_confirmation(&state, &member, &order_id, &form).await {
            Ok(None) => {}
            Ok(Some(page)) => {
                state.db.release_idempotency_key(&store, &key).await?;
                return Ok(page);
            }
            Err(e) => {
                state.db.release_idempotency_key(&store, &key).await?;
                return Err(e);
            }
        }
    }
    let actor = Actor {
        kind: "portal_user",
        name: member.user.email.clone(),
    };
    let result = run_action(&state, &store, &order_id, &action, &form, &actor).await;
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
        Err(ActionError::Refused(e)) => {
            state.db.release_idempotency_key(&store, &key).await?;
            order_page(&state, &member, &order_id, None, Some(explain(lang, &e))).await
        }
        Err(ActionError::Lines(problem)) => {
            state.db.release_idempotency_key(&store, &key).await?;
            order_page(&state, &member, &order_id, None, Some(problem.explain(lang))).await
        }
    }
}

pub(super) enum ActionError {
    NotFound,
    Refused(ApiError),
    Lines(LinesProblem),
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
    let bad = |m: &str| ActionError::Refused(ApiError::bad_value(m.to_owned()));
    let done = match action {
        "capture" => {
            let current = locked.state()?;
            let (amount, order_lines) = match form.mode.as_str() {
                "full" => (current.remaining_authorized(), None),
                "lines" => {
                    let picked = picked_lines(&lines, form).map_err(|_| bad("quantities"))?;
                    (picked.iter().map(|l| l.total_amount).sum(), Some(picked))
                }
                _ => (parse_major(&form.amount).ok_or_else(|| bad("amount"))?, None),
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
            let (amount, order_lines) = match form.mode.as_str() {
                "full" => (refundable, None),
                "lines" => {
                    let picked = picked_lines(&lines, form).map_err(|_| bad("quantities"))?;
                    (picked.iter().map(|l| l.total_amount).sum(), Some(picked))
                }
                _ => (parse_major(&form.amount).ok_or_else(|| bad("amount"))?, None),
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
            let amount = parse_major(&form.amount).ok_or_else(|| bad("amount"))?;
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
            for key in [
                "given_name",
                "family_name",
                "email",
                "street_address",
                "postal_code",
                "city",
                "phone",
            ] {
                address.insert(key.into(), Value::String(field(key)));
            }
            let mut problems = Vec::new();
            crate::api::model::check_address(&Value::Object(address.clone()), "billing_address", &mut problems);
            if !problems.is_empty() {
                return Err(ActionError::Refused(ApiError::bad_values(problems)));
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
                return Err(bad("shipping_info"));
            }
            let mut problems = Vec::new();
            crate::api::model::check_shipping_info(&[Value::Object(entry.clone())], &mut problems);
            if !problems.is_empty() {
                return Err(ActionError::Refused(ApiError::bad_values(problems)));
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
                    return Err(bad(name));
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
