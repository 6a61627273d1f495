//! Capturing many orders at once from the list.

use super::*;

#[derive(Template)]
#[template(path = "bulk_capture.html")]
pub(super) struct BulkTemplate {
    page: Page,
    results: Vec<(String, String, bool, String)>,
}

/// Captures every selected order in full, each on its own, and reports each result.
pub(crate) async fn bulk_capture(
    State(state): State<AppState>,
    member: Member,
    axum::extract::RawForm(raw): axum::extract::RawForm,
) -> Result<Response, WebError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&raw).map_err(|e| WebError::BadRequest(e.to_string()))?;
    let ids: Vec<String> = pairs
        .into_iter()
        .filter(|(k, _)| k == "order")
        .map(|(_, v)| v)
        .take(500)
        .collect();
    let page = Page::member(&member, Some(Section::Orders), "orders-bulk-title", "/portal/orders");
    let lang = page.lang;
    let actor = Actor {
        kind: "portal_user",
        name: member.user.email.clone(),
    };
    let mut results = Vec::new();
    for id in ids {
        let outcome = async {
            let mut locked = orders::lock(&state.db, &member.store.store_id, &id).await?;
            let amount = locked.state()?.remaining_authorized();
            let req = CaptureRequest {
                captured_amount: amount,
                description: None,
                reference: None,
                order_lines: None,
                shipping_info: None,
                shipping_delay: None,
            };
            orders::capture(&mut locked, &req, &actor).await?;
            let reference = locked.row.short_reference.clone();
            let money = lang.format_money(amount, &locked.row.purchase_currency);
            locked.tx.commit().await?;
            Ok::<_, ApiError>((reference, money))
        }
        .await;
        match outcome {
            Ok((reference, money)) => results.push((id, reference, true, money)),
            Err(e) => results.push((id.clone(), String::new(), false, explain(lang, &e))),
        }
    }
    Ok(render(&BulkTemplate { page, results }))
}
