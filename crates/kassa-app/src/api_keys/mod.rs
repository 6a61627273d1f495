//! Merchant API keys: create (the password is returned once and only its keyed hash is
//! stored), list with the platforms that call with them, revoke, enable again after the
//! 60-day job disabled them, and the job itself. The portal's Integrations section, the back
//! office and `kassa key …` all come here.
//!
//! Who may do what:
//! - a portal member acts in their current store: viewing needs `ViewIntegrations`, changes
//!   `ManageIntegrations` (which a partner merchant's people never have: the partner holds
//!   the keys), read from their membership as it stands, not from the caller's guard;
//! - an operator views the keys of the merchant they look at (`ViewMerchants`);
//! - Kassa itself (the CLI, jobs: [`Actor::system`]) acts in the store it names, or in all.
//!
//! Every change is written with its audit event in one transaction. Revoking is idempotent:
//! of any number of concurrent revocations, one revokes and records; the others find it done.
//! Authentication reads the key from the database at most every `kassa_db::KEY_CACHE_TTL`
//! (half a second): a revoked or disabled key is refused by the next call in the process
//! that changed it, and within that time in every other process.

use crate::auth::password::{hex, random_password};
use crate::operators::require_ops;
use crate::{now_ms, Actor, ActorKind, AppError, AppResult, FieldError, Missing};
use hmac::{Hmac, Mac};
use kassa_core::access::{allows, Permission};
use kassa_core::api_key::{KeyState, IDLE_MS, MAX_NAME_CHARS};
use kassa_core::audit::AuditAction;
use kassa_core::ops_access::{ops_allows, OpsPermission};
use kassa_core::platform::Platform;
use kassa_core::store_settings::MerchantStatus;
use kassa_db::{ApiKeyRow, AuditEvent, Db, KeyPlatformRow, NewApiKey};
use serde_json::json;
use sha2::Sha256;
use subtle::ConstantTimeEq;

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
    #[serde(skip)]
    pub id: i64,
    pub username: String,
    pub password: String,
    #[serde(skip)]
    pub store_id: String,
}

/// One platform's calls with one key.
#[derive(Debug, Clone)]
pub struct PlatformUse {
    pub platform: Platform,
    pub calls: i64,
    pub first_seen: i64,
    pub last_seen: i64,
    /// The newest User-Agent seen from it.
    pub last_agent: String,
}

/// A key as the pages show it: never its secret or the secret's hash.
#[derive(Debug, Clone)]
pub struct KeyView {
    pub id: i64,
    pub name: String,
    pub username: String,
    /// The first characters of the secret, enough to tell keys apart.
    pub prefix: String,
    pub store_id: String,
    /// `live` or `playground`.
    pub environment: String,
    pub created_by: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub disabled_at: Option<i64>,
    pub state: KeyState,
    /// The platforms that called with it, the most recent first.
    pub platforms: Vec<PlatformUse>,
}

impl KeyView {
    /// The platform of the newest call.
    pub fn last_platform(&self) -> Option<Platform> {
        self.platforms.first().map(|p| p.platform)
    }

    fn of(row: ApiKeyRow, usage: &[KeyPlatformRow]) -> KeyView {
        let platforms = usage
            .iter()
            .filter(|u| u.username == row.username)
            .map(|u| PlatformUse {
                platform: Platform::from_code(&u.platform),
                calls: u.calls,
                first_seen: u.first_seen,
                last_seen: u.last_seen,
                last_agent: u.last_agent.clone(),
            })
            .collect();
        KeyView {
            state: KeyState::of(row.revoked_at, row.disabled_at),
            id: row.id,
            name: row.name,
            username: row.username,
            prefix: row.prefix,
            store_id: row.store_id,
            environment: row.environment,
            created_by: row.created_by,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            revoked_at: row.revoked_at,
            disabled_at: row.disabled_at,
            platforms,
        }
    }
}

/// The keys an actor sees, and whether they may change them.
#[derive(Debug, Clone)]
pub struct KeyList {
    pub keys: Vec<KeyView>,
    pub may_manage: bool,
}

/// Which keys an actor reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Scope {
    Store(String),
    Merchant(i64),
    All,
}

impl Scope {
    fn holds(&self, key: &ApiKeyRow) -> bool {
        match self {
            Scope::Store(s) => *s == key.store_id,
            Scope::Merchant(m) => *m == key.merchant_id,
            Scope::All => true,
        }
    }
}

/// What the actor reaches and whether they may change it, checked against the database.
async fn scope_of(db: &Db, actor: &Actor) -> AppResult<(Scope, bool)> {
    match actor.kind {
        ActorKind::PortalUser => {
            let user_id: i64 = actor
                .user_id
                .as_deref()
                .and_then(|u| u.parse().ok())
                .ok_or(AppError::Forbidden)?;
            let store = actor.store_id.as_deref().ok_or(AppError::Forbidden)?;
            let memberships = db.usable_memberships(user_id, now_ms()).await?;
            let m = memberships
                .iter()
                .find(|m| m.store_id == store)
                .ok_or(AppError::Forbidden)?;
            if !allows(m.role, m.onboarding, Permission::ViewIntegrations) {
                return Err(AppError::Forbidden);
            }
            let may_manage = allows(m.role, m.onboarding, Permission::ManageIntegrations)
                && m.merchant_status != MerchantStatus::Suspended;
            Ok((Scope::Store(store.to_owned()), may_manage))
        }
        ActorKind::Operator => {
            require_ops(actor, OpsPermission::ViewMerchants)?;
            let merchant: i64 = actor
                .merchant_id
                .as_deref()
                .and_then(|m| m.parse().ok())
                .ok_or(AppError::Forbidden)?;
            let may_manage = actor
                .operator_role
                .is_some_and(|r| ops_allows(r, OpsPermission::ManageMerchants));
            Ok((Scope::Merchant(merchant), may_manage))
        }
        ActorKind::System => Ok((actor.store_id.clone().map(Scope::Store).unwrap_or(Scope::All), true)),
        _ => Err(AppError::Forbidden),
    }
}

/// The scope, when the actor may change keys in it.
async fn managing(db: &Db, actor: &Actor) -> AppResult<Scope> {
    match scope_of(db, actor).await? {
        (scope, true) => Ok(scope),
        (_, false) => Err(AppError::Forbidden),
    }
}

/// The key with this id, if the scope reaches it ("not found" otherwise).
async fn key_in(db: &Db, scope: &Scope, key_id: i64) -> AppResult<ApiKeyRow> {
    match db.api_key_by_id(key_id).await? {
        Some(k) if scope.holds(&k) => Ok(k),
        _ => Err(AppError::NotFound(Missing::Other("API key"))),
    }
}

/// An audit event of `action` on `key` by `actor`, at the key's merchant.
fn event<'a>(actor: &'a Actor, action: AuditAction, key: &'a str, merchant_id: i64) -> AuditEvent<'a> {
    AuditEvent {
        merchant_id: Some(merchant_id),
        subject: key,
        ..actor.audit_event(action)
    }
}

/// The keys the actor sees, newest first, each with the platforms that call with it.
pub async fn list_keys(db: &Db, actor: &Actor) -> AppResult<KeyList> {
    let (scope, may_manage) = scope_of(db, actor).await?;
    let (rows, usage) = match &scope {
        Scope::Store(s) => (
            db.api_keys(Some(s.as_str())).await?,
            db.key_platforms_of_store(s).await?,
        ),
        Scope::Merchant(m) => {
            if db.merchant(*m).await?.is_none() {
                return Err(AppError::NotFound(Missing::Other("merchant")));
            }
            (
                db.api_keys_of_merchant(*m).await?,
                db.key_platforms_of_merchant(*m).await?,
            )
        }
        Scope::All => (db.api_keys(None).await?, Vec::new()),
    };
    Ok(KeyList {
        keys: rows
            .into_iter()
            .filter(|k| scope.holds(k))
            .map(|k| KeyView::of(k, &usage))
            .collect(),
        may_manage,
    })
}

/// One key of the actor's scope, by its username (the CLI names keys so).
pub async fn key_by_username(db: &Db, actor: &Actor, username: &str) -> AppResult<KeyView> {
    let (scope, _) = scope_of(db, actor).await?;
    match db.api_key(username).await? {
        Some(k) if scope.holds(&k) => Ok(KeyView::of(k, &[])),
        _ => Err(AppError::NotFound(Missing::Other("API key"))),
    }
}

/// Creates credentials for the actor's store. The password is in the result and nowhere
/// else: only its keyed hash and first characters are stored.
pub async fn create_key(db: &Db, actor: &Actor, secret_key: &[u8], name: &str) -> AppResult<NewCredential> {
    let Scope::Store(store_id) = managing(db, actor).await? else {
        return Err(AppError::Forbidden);
    };
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::Invalid(vec![FieldError::new("name", "required")]));
    }
    if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(AppError::Invalid(vec![FieldError::new("name", "too_long")]));
    }
    let store = db
        .store(&store_id)
        .await?
        .ok_or(AppError::NotFound(Missing::Other("store")))?;
    let env = if store.environment == "live" { "live" } else { "test" };
    let password = format!("kco_{env}_api_{}", random_password(40));
    let username = format!("{}_{}", store.id, random_password(8).to_lowercase());
    let hash = hash_secret(secret_key, &password);
    let prefix: String = password.chars().take(17).collect();
    let now = now_ms();
    let mut tx = db.begin().await?;
    let id = tx
        .create_api_key(
            &NewApiKey {
                store_id: &store.id,
                username: &username,
                secret_hash: &hash,
                prefix: &prefix,
                name,
                created_by: &actor.name,
            },
            now,
        )
        .await?;
    let after = json!({"name": name, "store": store.id, "environment": store.environment}).to_string();
    tx.record_audit(
        &AuditEvent {
            after: Some(after),
            ..event(actor, AuditAction::ApiKeyCreated, &username, store.merchant_id)
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(NewCredential {
        id,
        username,
        password,
        store_id: store.id,
    })
}

/// What a revocation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoked {
    pub username: String,
    /// False when the key was already revoked: nothing changed, nothing was recorded.
    pub now: bool,
}

/// Revokes a key for good. Asking again changes nothing.
pub async fn revoke_key(db: &Db, actor: &Actor, key_id: i64) -> AppResult<Revoked> {
    let scope = managing(db, actor).await?;
    let key = key_in(db, &scope, key_id).await?;
    let now = now_ms();
    let mut tx = db.begin().await?;
    let done = tx.revoke_api_key(key.id, now).await?;
    if done {
        let before = json!({"status": KeyState::of(None, key.disabled_at).code()}).to_string();
        let after = json!({"status": "revoked"}).to_string();
        tx.record_audit(
            &AuditEvent {
                before: Some(before),
                after: Some(after),
                ..event(actor, AuditAction::ApiKeyRevoked, &key.username, key.merchant_id)
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    // This process refuses the key from the next call; the others within the key cache's
    // time to live (`kassa_db::KEY_CACHE_TTL`).
    db.forget_api_keys();
    Ok(Revoked {
        username: key.username,
        now: done,
    })
}

/// Enables a key the 60-day job disabled; a revoked key stays revoked. Whether this call
/// enabled it (false: it was not disabled).
pub async fn enable_key(db: &Db, actor: &Actor, key_id: i64) -> AppResult<bool> {
    let scope = managing(db, actor).await?;
    let key = key_in(db, &scope, key_id).await?;
    if key.revoked_at.is_some() {
        return Err(AppError::Conflict("the key is revoked".into()));
    }
    let now = now_ms();
    let mut tx = db.begin().await?;
    let done = tx.enable_api_key(key.id, now).await?;
    if done {
        tx.record_audit(
            &AuditEvent {
                before: Some(json!({"status": "disabled"}).to_string()),
                after: Some(json!({"status": "active"}).to_string()),
                ..event(actor, AuditAction::ApiKeyEnabled, &key.username, key.merchant_id)
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    db.forget_api_keys();
    Ok(done)
}

/// Whether `password` is the secret of the key `username` in the actor's store (the portal
/// checks it before it writes the `.env` file of a key it has just shown).
pub async fn verify_secret(
    db: &Db,
    actor: &Actor,
    secret_key: &[u8],
    username: &str,
    password: &str,
) -> AppResult<KeyView> {
    let scope = managing(db, actor).await?;
    let key = match db.api_key(username).await? {
        Some(k) if scope.holds(&k) => k,
        _ => return Err(AppError::NotFound(Missing::Other("API key"))),
    };
    let expected = hash_secret(secret_key, password);
    let matches: bool = expected.as_bytes().ct_eq(key.secret_hash.as_bytes()).into();
    if !matches {
        return Err(AppError::NotFound(Missing::Other("API key")));
    }
    Ok(KeyView::of(key, &[]))
}

/// Disables every active key with no call for 60 days at `now` (a key never used counts
/// from its creation, one enabled again from then), each with an audit event by Kassa.
/// Several processes may run it at once: each key is disabled and recorded once. Returns
/// the usernames this call disabled.
pub async fn disable_idle_keys(db: &Db, now: i64) -> AppResult<Vec<String>> {
    let cutoff = now - IDLE_MS;
    let actor = Actor::system();
    let mut disabled = Vec::new();
    for key in db.idle_api_keys(cutoff).await? {
        let mut tx = db.begin().await?;
        if tx.disable_idle_api_key(key.id, cutoff, now).await? {
            tx.record_audit(
                &AuditEvent {
                    before: Some(json!({"status": "active"}).to_string()),
                    after: Some(json!({"status": "disabled", "reason": "unused for 60 days"}).to_string()),
                    ..event(&actor, AuditAction::ApiKeyDisabled, &key.username, key.merchant_id)
                },
                now,
            )
            .await?;
            let event = crate::notifications::Event::new(
                kassa_core::notification::Kind::ApiKeyDisabled,
                &key.store_id,
                &key.username,
            )
            .keyed(format!("api_key_disabled:{}:{}:{now}", key.store_id, key.username))
            .with(json!({ "name": key.name, "prefix": key.prefix }));
            crate::notifications::queue(&mut tx, &event).await?;
            disabled.push(key.username.clone());
        }
        tx.commit().await?;
    }
    if !disabled.is_empty() {
        db.forget_api_keys();
    }
    Ok(disabled)
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
}
