//! A refused form's way back: what the user typed and why it was refused, kept for a short
//! while under a random token so the action's own page (a GET, safe to reload) can show
//! both. Kept per user (the last one only), so it never shows to anyone else.

use super::super::*;
use serde::Serialize;

const SETTING: &str = "order_form_retry";
/// Long enough to read the message and reload; short enough to be forgotten soon after.
const LIFETIME_MS: i64 = 30 * 60 * 1000;
/// Fields that are never kept: they belong to the form's one submission.
const NOT_KEPT: &[&str] = &["csrf", "form_key", "confirmed"];

#[derive(Serialize, Deserialize)]
pub(in crate::portal::orders) struct Retry {
    token: String,
    order_id: String,
    action: String,
    at: i64,
    pub error: String,
    pub fields: Vec<(String, String)>,
}

/// Keeps `error` and the form as sent; returns the token for the action page's address.
pub(in crate::portal::orders) async fn save(
    state: &AppState,
    member: &Member,
    order_id: &str,
    action: &str,
    error: String,
    form: &ActionForm,
) -> Result<String, WebError> {
    let mut fields: Vec<(String, String)> = form
        .rest
        .iter()
        .filter(|(k, _)| !NOT_KEPT.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (name, value) in [
        ("mode", &form.mode),
        ("amount", &form.amount),
        ("description", &form.description),
        ("merchant_reference1", &form.merchant_reference1),
        ("merchant_reference2", &form.merchant_reference2),
    ] {
        if !value.is_empty() || name.starts_with("merchant_reference") && action == "references" {
            fields.push((name.to_owned(), value.clone()));
        }
    }
    let retry = Retry {
        token: crate::password::random_token()[..24].to_owned(),
        order_id: order_id.to_owned(),
        action: action.to_owned(),
        at: now_ms(),
        error,
        fields,
    };
    let value = serde_json::to_string(&retry).map_err(|e| WebError::Internal(e.to_string()))?;
    state.db.set_user_setting(member.user.id, SETTING, &value).await?;
    Ok(retry.token)
}

/// The refused form for this order and action, if `token` names the one kept and it is
/// still fresh.
pub(in crate::portal::orders) async fn take(
    state: &AppState,
    member: &Member,
    order_id: &str,
    action: &str,
    token: &str,
) -> Result<Option<Retry>, WebError> {
    let Some(saved) = state.db.user_setting(member.user.id, SETTING).await? else {
        return Ok(None);
    };
    Ok(serde_json::from_str::<Retry>(&saved)
        .ok()
        .filter(|r| r.token == token && r.order_id == order_id && r.action == action && now_ms() - r.at < LIFETIME_MS))
}
