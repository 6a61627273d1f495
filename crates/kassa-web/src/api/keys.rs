//! Merchant API credentials: creation, keyed hashing, and HTTP Basic authentication.

use super::error::ApiError;
use crate::{now_ms, AppState};
use axum::http::{header, HeaderMap};
use base64::Engine;
use kassa_core::api_key::KeyState;
use kassa_core::store_settings::MerchantStatus;
use kassa_db::{Db, StoreRow};
use subtle::ConstantTimeEq;

/// `last_used_at` is written at most this often per key, to keep writes off the hot path.
const TOUCH_EVERY_MS: i64 = 60_000;

/// Who is calling: one API key of one store.
#[derive(Debug, Clone)]
pub struct Caller {
    pub key_id: i64,
    pub store_id: String,
    pub username: String,
    pub playground: bool,
    /// The caller's User-Agent, for the call log's count of calls per platform.
    pub user_agent: Option<String>,
}

pub use kassa_app::api_keys::{hash_secret, NewCredential};

/// New credentials for `store`, made by `created_by` (tests and tools; the portal and the
/// CLI call [`kassa_app::api_keys::create_key`] with their own actor).
pub async fn create_key(
    db: &Db,
    secret_key: &[u8],
    store: &StoreRow,
    name: &str,
    created_by: &str,
) -> Result<NewCredential, kassa_app::AppError> {
    let actor = kassa_app::Actor::system().named(created_by).in_store(&store.id);
    kassa_app::api_keys::create_key(db, &actor, secret_key, name).await
}

/// Checks `Authorization: Basic base64(username:password)`, or, as Kustom also allows,
/// `Basic base64(password)` with the key alone.
pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let (username, password) = basic_credentials(headers).ok_or_else(ApiError::unauthorized)?;
    let expected = hash_secret(&state.config.secret_key, &password);
    // Read at most every half second; the secret and the key's standing are checked on every
    // call (kassa_db::KEY_CACHE_TTL).
    let key = state
        .db
        .api_key_for_call(username.as_deref(), &expected)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    let matches: bool = expected.as_bytes().ct_eq(key.secret_hash.as_bytes()).into();
    // A revoked key and one disabled after 60 unused days are refused alike.
    if !matches || !KeyState::of(key.revoked_at, key.disabled_at).accepts_calls() {
        return Err(ApiError::unauthorized());
    }
    // Checked after the credentials, so the answer tells nothing to someone without them.
    if key.merchant_status == MerchantStatus::Suspended {
        return Err(ApiError::merchant_suspended());
    }
    let now = now_ms();
    if key.last_used_at.is_none_or(|t| now - t >= TOUCH_EVERY_MS) {
        state.db.touch_api_key(key.id, now).await?;
    }
    Ok(Caller {
        key_id: key.id,
        store_id: key.store_id,
        username: key.username,
        playground: key.environment == "playground",
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(300).collect()),
    })
}

/// (username, password) from the header; no username when only the key was sent.
fn basic_credentials(headers: &HeaderMap) -> Option<(Option<String>, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ").or_else(|| value.strip_prefix("basic "))?;
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    match text.split_once(':') {
        Some((user, pass)) if !user.is_empty() => Some((Some(user.to_owned()), pass.to_owned())),
        Some((_, pass)) => Some((None, pass.to_owned())),
        None if !text.is_empty() => Some((None, text)),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_header_parsing() {
        let mut h = HeaderMap::new();
        let v = base64::engine::general_purpose::STANDARD.encode("M100001_abc:kco_test_api_s:ecret");
        h.insert(header::AUTHORIZATION, format!("Basic {v}").parse().unwrap());
        assert_eq!(
            basic_credentials(&h),
            Some((Some("M100001_abc".into()), "kco_test_api_s:ecret".into()))
        );
        let key_only = base64::engine::general_purpose::STANDARD.encode("kco_test_api_secret");
        h.insert(header::AUTHORIZATION, format!("Basic {key_only}").parse().unwrap());
        assert_eq!(basic_credentials(&h), Some((None, "kco_test_api_secret".into())));
        h.insert(header::AUTHORIZATION, "Bearer x".parse().unwrap());
        assert_eq!(basic_credentials(&h), None);
    }
}
