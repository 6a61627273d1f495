//! Capturing many orders at once from the list: the selection is confirmed first (how many
//! orders, what total), then captured order by order; the result is a page of its own that
//! a reload shows again instead of posting twice.

use super::*;

/// Where the last bulk capture's result is kept for its page, per user.
const RESULT_SETTING: &str = "bulk_capture_result";

/// One selected order as the confirmation lists it.
pub struct Selected {
    id: String,
    reference: String,
    amount: String,
}

/// One order's outcome: id, short reference, captured?, amount or reason.
type Outcome = (String, String, bool, String);

#[derive(Template)]
#[template(path = "bulk_capture.html")]
pub(super) struct BulkTemplate {
    page: Page,
    /// Set while asking: the orders, and the question with count and total.
    selected: Vec<Selected>,
    question: String,
    confirm_label: String,
    results: Vec<Outcome>,
    asking: bool,
}

fn selected_ids(raw: &[u8]) -> Result<(Vec<String>, bool), WebError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(raw).map_err(|e| WebError::BadRequest(e.to_string()))?;
    let confirmed = pairs.iter().any(|(k, v)| k == "confirm" && v == "yes");
    let mut ids: Vec<String> = pairs
        .into_iter()
        .filter(|(k, _)| k == "order")
        .map(|(_, v)| v)
        .collect();
    ids.dedup();
    ids.truncate(500);
    Ok((ids, confirmed))
}

/// The selection still capturable in this store, with what each would capture.
async fn capturable(state: &AppState, member: &Member, ids: &[String]) -> Result<Vec<(OrderRowView, i64)>, WebError> {
    let mut out = Vec::new();
    for id in ids {
        let row = match orders::om_order(&state.db, &actor_of(member), id).await {
            Ok(row) => row,
            Err(AppError::NotFound(_)) => continue,
            Err(e) => return Err(WebError::from(e)),
        };
        let remaining = orders::core_state(&row).map(|o| o.remaining_authorized()).unwrap_or(0);
        if remaining > 0 {
            out.push((
                OrderRowView {
                    id: row.order_id,
                    reference: row.short_reference,
                    currency: row.purchase_currency,
                },
                remaining,
            ));
        }
    }
    Ok(out)
}

struct OrderRowView {
    id: String,
    reference: String,
    currency: String,
}

/// Asks before capturing (count and total per currency); captures once confirmed and
/// redirects to the result page.
pub(crate) async fn bulk_capture(
    State(state): State<AppState>,
    member: Member,
    axum::extract::RawForm(raw): axum::extract::RawForm,
) -> Result<Response, WebError> {
    let (ids, confirmed) = selected_ids(&raw)?;
    let page = Page::member(&member, Some(Section::Orders), "orders-bulk-title", "/portal/orders");
    let lang = page.lang;
    if !confirmed {
        let orders = capturable(&state, &member, &ids).await?;
        let mut totals: Vec<(String, i64)> = Vec::new();
        for (o, amount) in &orders {
            match totals.iter_mut().find(|(c, _)| *c == o.currency) {
                Some((_, sum)) => *sum += amount,
                None => totals.push((o.currency.clone(), *amount)),
            }
        }
        let total = totals
            .iter()
            .map(|(c, sum)| lang.format_money(*sum, c))
            .collect::<Vec<_>>()
            .join(" + ");
        let count = orders.len().to_string();
        return Ok(render(&BulkTemplate {
            question: lang.t_args("orders-bulk-question", &[("count", count), ("total", total.clone())]),
            confirm_label: lang.t_args("orders-bulk-confirm", &[("total", total)]),
            selected: orders
                .into_iter()
                .map(|(o, amount)| Selected {
                    amount: lang.format_money(amount, &o.currency),
                    id: o.id,
                    reference: o.reference,
                })
                .collect(),
            results: Vec::new(),
            asking: true,
            page,
        }));
    }
    let actor = actor_of(&member);
    let mut results: Vec<Outcome> = Vec::new();
    for id in ids {
        let outcome = async {
            let row = orders::om_order(&state.db, &actor, &id).await?;
            let cmd = orders::Capture::of(id.clone(), orders::Amount::All);
            let pending = orders::capture(&state.db, &actor, cmd).await?;
            let money = lang.format_money(pending.value.captured_amount, &row.purchase_currency);
            pending.commit().await?;
            Ok::<_, AppError>((row.short_reference, money))
        }
        .await;
        match outcome {
            Ok((reference, money)) => results.push((id, reference, true, money)),
            Err(e) => results.push((id.clone(), String::new(), false, explain(lang, &e))),
        }
    }
    let saved = serde_json::to_string(&results).map_err(|e| WebError::Internal(e.to_string()))?;
    state
        .db
        .set_user_setting(member.user.id, RESULT_SETTING, &saved)
        .await?;
    Ok(Redirect::to("/portal/orders/bulk-capture").into_response())
}

/// The last bulk capture's result, as often as it is reloaded.
pub(crate) async fn bulk_capture_result(State(state): State<AppState>, member: Member) -> Result<Response, WebError> {
    let page = Page::member(
        &member,
        Some(Section::Orders),
        "orders-bulk-title",
        "/portal/orders/bulk-capture",
    );
    let results: Vec<Outcome> = state
        .db
        .user_setting(member.user.id, RESULT_SETTING)
        .await?
        .and_then(|saved| serde_json::from_str(&saved).ok())
        .unwrap_or_default();
    Ok(render(&BulkTemplate {
        page,
        selected: Vec::new(),
        question: String::new(),
        confirm_label: String::new(),
        results,
        asking: false,
    }))
}
