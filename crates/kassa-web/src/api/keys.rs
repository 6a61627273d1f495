//! Merchant API credentials: creation, keyed hashing, and HTTP Basic authentication.

use super::error::ApiError;
use crate::password::{hex, random_password};
use crate::{now_ms, AppState};
use axum::http::{header, HeaderMap};
use base64::Engine;
use hmac::{Hmac, Mac};
use kassa_core::store_settings::MerchantStatus;
use kassa_db::{Db, NewApiKey, StoreRow};
use sha2::Sha256;
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
}

/// HMAC-SHA256 of an API password under the server's secret key. A stolen database alone
/// does not allow even an offline guess of the password.
pub fn hash_secret(secret_key: &[u8], password: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret_key).expect("HMAC takes keys of any length");
    mac.update(password.as_bytes());
    hex(&mac.finalize().into_bytes())
}

/// A new credential, shown once.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewCredential {
    pub username: String,
    pub password: String,
}

pub async fn create_key(
    db: &Db,
    secret_key: &[u8],
    store: &StoreRow,
    name: &str,
    created_by: &str,
) -> Result<NewCredential, kassa_db::DbError> {
    let env = if store.environment == "live" { "live" } else { "test" };
    let password = format!("kco_{env}_api_{}", random_password(40));
    let username = format!("{}_{}", store.id, random_password(8).to_lowercase());
    let hash = hash_secret(secret_key, &password);
    let prefix: String = password.chars().take(17).collect();
    let key = NewApiKey {
        store_id: &store.id,
        username: &username,
        secret_hash: &hash,
        prefix: &prefix,
        name,
        created_by,
    };
    db.create_api_key(&key, now_ms()).await?;
    Ok(NewCredential { username, password })
}

/// Checks `Authorization: Basic base64(username:password)`, or, as Kustom also allows,
/// `Basic base64(password)` with the key alone.
pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let (username, password) = basic_credentials(headers).ok_or_else(ApiError::unauthorized)?;
    let expected = hash_secret(&state.config.secret_key, &password);
    let key = match username {
        Some(u) => state.db.api_key(&u).await?,
        None => state.db.api_key_by_hash(&expected).await?,
    }
    .ok_or_else(ApiError::unauthorized)?;
    let matches: bool = expected.as_bytes().ct_eq(key.secret_hash.as_bytes()).into();
    if !matches || key.revoked_at.is_some() {
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
    fn keyed_hash_depends_on_key_and_password() {
        let a = hash_secret(b"k1", "kco_test_api_x");
        assert_eq!(a.len(), 64);
        assert_ne!(a, hash_secret(b"k2", "kco_test_api_x"));
        assert_ne!(a, hash_secret(b"k1", "kco_test_api_y"));
    }

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
