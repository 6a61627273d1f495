//! A store's webhook endpoints: create (the secret is returned once), change, rotate the
//! secret, enable or disable, delete, send a test event, resend a delivery, and the reads
//! the portal and the CLI list. Members need the integrations permissions of the role
//! matrix (read-only for partner merchants); Kassa itself (the CLI) acts in any store it is
//! given. Every change is in the audit log.

use super::new_event_id;
use crate::{Actor, ActorKind, AppError, AppResult, Missing};
use kassa_core::access::{allows, Onboarding, Permission};
use kassa_core::audit::AuditAction;
use kassa_core::webhook::{
    check_url, events_from_stored, is_public, stored_events, EventType, UrlProblem, MAX_DESCRIPTION_LEN, MAX_ENDPOINTS,
    ROTATION_GRACE_MS, TEST_EVENT,
};
use kassa_db::{Db, NewWebhookEvent, Tx, WebhookDeliveryRow, WebhookEndpointRow};
use serde_json::json;
use std::time::Duration;

/// Whether endpoints may point at private addresses: the operator's setting
/// (`KASSA_WEBHOOK_ALLOW_PRIVATE`), for development, tests and the demo.
#[derive(Debug, Clone, Copy, Default)]
pub struct UrlPolicy {
    pub allow_private: bool,
}

/// What an endpoint is: where, what for, and which events.
#[derive(Debug, Clone)]
pub struct EndpointInput {
    pub url: String,
    pub description: String,
    pub events: Vec<EventType>,
}

/// A new endpoint and its secret (shown this once).
#[derive(Debug, Clone)]
pub struct Created {
    pub endpoint: WebhookEndpointRow,
    pub secret: String,
}

/// A new signing secret: `whsec_` and 64 hex digits (244 random bits).
fn new_secret() -> String {
    format!(
        "whsec_{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// The store the actor acts in, if it may use `permission` there. A member's role is read
/// with the merchant's onboarding (a partner's staff may look, not change).
async fn store_for(db: &Db, actor: &Actor, permission: Permission) -> AppResult<String> {
    let store = actor.store_id.clone().ok_or(AppError::Forbidden)?;
    match actor.kind {
        ActorKind::System => Ok(store),
        ActorKind::PortalUser => {
            let role = actor.role.ok_or(AppError::Forbidden)?;
            let merchant = db
                .store(&store)
                .await?
                .ok_or(AppError::NotFound(Missing::Other("store")))?
                .merchant_id;
            let onboarding = db
                .merchant(merchant)
                .await?
                .and_then(|m| m.onboarding.parse::<Onboarding>().ok())
                .unwrap_or(Onboarding::Direct);
            if allows(role, onboarding, permission) {
                Ok(store)
            } else {
                Err(AppError::Forbidden)
            }
        }
        _ => Err(AppError::Forbidden),
    }
}

/// Checks an endpoint URL before it is saved: its form (kassa-core), and that its name
/// resolves to public addresses only, unless private ones are allowed. The sender checks
/// the address again at every connection (a name may change what it resolves to).
pub async fn check_endpoint_url(url: &str, policy: UrlPolicy) -> Result<(), UrlProblem> {
    let parsed = check_url(url, policy.allow_private)?;
    if policy.allow_private || parsed.ip.is_some() {
        return Ok(());
    }
    let lookup = tokio::net::lookup_host((parsed.host.as_str(), parsed.port));
    let addrs: Vec<_> = match tokio::time::timeout(Duration::from_secs(5), lookup).await {
        Ok(Ok(addrs)) => addrs.collect(),
        _ => return Err(UrlProblem::Unresolvable),
    };
    if addrs.is_empty() {
        return Err(UrlProblem::Unresolvable);
    }
    if addrs.iter().any(|a| !is_public(a.ip())) {
        return Err(UrlProblem::PrivateAddress);
    }
    Ok(())
}

/// Every bad field of an endpoint's input.
async fn check_input(input: &EndpointInput, policy: UrlPolicy) -> AppResult<()> {
    let mut problems = Vec::new();
    if let Err(p) = check_endpoint_url(input.url.trim(), policy).await {
        problems.push(crate::FieldError::new("url", p.to_string()));
    }
    if input.description.chars().count() > MAX_DESCRIPTION_LEN {
        problems.push(crate::FieldError::new("description", "at most 255 characters"));
    }
    if input.events.is_empty() || input.events.contains(&EventType::Test) {
        problems.push(crate::FieldError::new("events", "choose at least one event"));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(problems))
    }
}

/// What the audit log keeps of an endpoint (never its secrets).
fn described(e: &WebhookEndpointRow) -> String {
    json!({
        "url": e.url,
        "description": e.description,
        "events": events_from_stored(&e.events).iter().map(|t| t.code()).collect::<Vec<_>>(),
        "enabled": e.disabled_at.is_none(),
    })
    .to_string()
}

/// Records an audit event about endpoint `e` in `tx`, under the store's merchant.
pub(super) async fn audit(
    db: &Db,
    tx: &mut Tx,
    actor: &Actor,
    action: AuditAction,
    e: &WebhookEndpointRow,
    before: Option<String>,
    now: i64,
) -> AppResult<()> {
    let merchant_id = match actor.merchant_id.as_deref().and_then(|m| m.parse().ok()) {
        Some(m) => Some(m),
        None => db.store(&e.store_id).await?.map(|s| s.merchant_id),
    };
    let subject = format!("{} {}", e.id, e.url);
    let event = kassa_db::AuditEvent {
        merchant_id,
        subject: &subject,
        before,
        after: Some(described(e)),
        ..actor.audit_event(action)
    };
    tx.record_audit(&event, now).await?;
    Ok(())
}

/// Creates an endpoint in the actor's store; returns it with its secret.
pub async fn create_endpoint(
    db: &Db,
    actor: &Actor,
    input: &EndpointInput,
    policy: UrlPolicy,
    now: i64,
) -> AppResult<Created> {
    let store = store_for(db, actor, Permission::ManageIntegrations).await?;
    check_input(input, policy).await?;
    let secret = new_secret();
    let endpoint = WebhookEndpointRow {
        id: format!("we_{}", &uuid::Uuid::new_v4().simple().to_string()[..24]),
        store_id: store.clone(),
        url: input.url.trim().to_owned(),
        description: input.description.trim().to_owned(),
        events: stored_events(&input.events),
        secret: secret.clone(),
        previous_secret: None,
        previous_until: None,
        disabled_at: None,
        disabled_reason: None,
        failing_since: None,
        created_by: actor.name.clone(),
        created_at: now,
        updated_at: now,
    };
    let mut tx = db.begin().await?;
    if tx.count_webhook_endpoints(&store).await? >= MAX_ENDPOINTS {
        return Err(AppError::Conflict(format!(
            "a store has at most {MAX_ENDPOINTS} webhook endpoints"
        )));
    }
    tx.insert_webhook_endpoint(&endpoint).await?;
    audit(
        db,
        &mut tx,
        actor,
        AuditAction::WebhookEndpointCreated,
        &endpoint,
        None,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Created { endpoint, secret })
}

/// The actor's store's endpoints, oldest first.
pub async fn endpoints(db: &Db, actor: &Actor) -> AppResult<Vec<WebhookEndpointRow>> {
    let store = store_for(db, actor, Permission::ViewIntegrations).await?;
    Ok(db.webhook_endpoints(Some(&store)).await?)
}

/// One endpoint of the actor's store.
pub async fn endpoint(db: &Db, actor: &Actor, id: &str) -> AppResult<WebhookEndpointRow> {
    let store = store_for(db, actor, Permission::ViewIntegrations).await?;
    db.webhook_endpoint(Some(&store), id)
        .await?
        .ok_or(AppError::NotFound(Missing::Other("webhook endpoint")))
}

/// An endpoint's deliveries, newest first, before delivery `before` when given.
pub async fn deliveries(
    db: &Db,
    actor: &Actor,
    id: &str,
    before: Option<i64>,
    limit: i64,
) -> AppResult<Vec<WebhookDeliveryRow>> {
    let e = endpoint(db, actor, id).await?;
    Ok(db.webhook_deliveries(&e.id, before, limit.clamp(1, 100)).await?)
}

/// Locks an endpoint of the actor's store for a change.
async fn lock(db: &Db, actor: &Actor, id: &str) -> AppResult<(Tx, WebhookEndpointRow)> {
    let store = store_for(db, actor, Permission::ManageIntegrations).await?;
    let mut tx = db.begin().await?;
    match tx.lock_webhook_endpoint(&store, id).await? {
        Some(e) => Ok((tx, e)),
        None => Err(AppError::NotFound(Missing::Other("webhook endpoint"))),
    }
}

/// Changes an endpoint's URL, description and events.
pub async fn update_endpoint(
    db: &Db,
    actor: &Actor,
    id: &str,
    input: &EndpointInput,
    policy: UrlPolicy,
    now: i64,
) -> AppResult<WebhookEndpointRow> {
    store_for(db, actor, Permission::ManageIntegrations).await?;
    check_input(input, policy).await?;
    let (mut tx, mut e) = lock(db, actor, id).await?;
    let before = described(&e);
    e.url = input.url.trim().to_owned();
    e.description = input.description.trim().to_owned();
    e.events = stored_events(&input.events);
    e.updated_at = now;
    tx.update_webhook_endpoint(&e).await?;
    audit(
        db,
        &mut tx,
        actor,
        AuditAction::WebhookEndpointUpdated,
        &e,
        Some(before),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(e)
}

/// Replaces the secret; the previous one keeps signing for a day (both sign meanwhile).
/// Returns the new secret (shown this once).
pub async fn rotate_secret(db: &Db, actor: &Actor, id: &str, now: i64) -> AppResult<String> {
    let (mut tx, mut e) = lock(db, actor, id).await?;
    let secret = new_secret();
    e.previous_secret = Some(std::mem::replace(&mut e.secret, secret.clone()));
    e.previous_until = Some(now + ROTATION_GRACE_MS);
    e.updated_at = now;
    tx.update_webhook_endpoint(&e).await?;
    audit(db, &mut tx, actor, AuditAction::WebhookSecretRotated, &e, None, now).await?;
    tx.commit().await?;
    Ok(secret)
}

/// Enables or disables an endpoint. Enabling clears its failing streak; disabling gives up
/// its pending deliveries (they can be resent).
pub async fn set_enabled(db: &Db, actor: &Actor, id: &str, enabled: bool, now: i64) -> AppResult<WebhookEndpointRow> {
    let (mut tx, mut e) = lock(db, actor, id).await?;
    if enabled == e.disabled_at.is_none() {
        return Ok(e);
    }
    let before = described(&e);
    if enabled {
        e.disabled_at = None;
        e.disabled_reason = None;
        e.failing_since = None;
    } else {
        e.disabled_at = Some(now);
        e.disabled_reason = Some(format!("disabled by {}", actor.name));
        tx.fail_pending_webhook_deliveries(&e.id, "the endpoint was disabled")
            .await?;
    }
    e.updated_at = now;
    tx.update_webhook_endpoint(&e).await?;
    let action = if enabled {
        AuditAction::WebhookEndpointEnabled
    } else {
        AuditAction::WebhookEndpointDisabled
    };
    audit(db, &mut tx, actor, action, &e, Some(before), now).await?;
    tx.commit().await?;
    Ok(e)
}

/// Deletes an endpoint and its deliveries.
pub async fn delete_endpoint(db: &Db, actor: &Actor, id: &str, now: i64) -> AppResult<()> {
    let (mut tx, e) = lock(db, actor, id).await?;
    tx.delete_webhook_endpoint(&e.store_id, &e.id).await?;
    audit(
        db,
        &mut tx,
        actor,
        AuditAction::WebhookEndpointDeleted,
        &e,
        Some(described(&e)),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Queues a test event (`webhook.test`) to this endpoint only, enabled or not subscribed;
/// returns its event id.
pub async fn send_test(db: &Db, actor: &Actor, id: &str, now: i64) -> AppResult<String> {
    let (mut tx, e) = lock(db, actor, id).await?;
    let event_id = new_event_id();
    let payload = json!({
        "id": event_id,
        "type": TEST_EVENT,
        "created_at": crate::orders::iso_time(now),
        "store_id": e.store_id,
        "data": {
            "endpoint_id": e.id,
            "message": "A test event sent from Kassa. Check its signature as you would any other's.",
        },
    })
    .to_string();
    let event = NewWebhookEvent {
        id: &event_id,
        store_id: &e.store_id,
        kind: TEST_EVENT,
        order_id: None,
        object_id: &e.id,
        payload: Some(&payload),
    };
    tx.enqueue_webhook_to(&event, &e.id, now).await?;
    audit(db, &mut tx, actor, AuditAction::WebhookTestSent, &e, None, now).await?;
    tx.commit().await?;
    Ok(event_id)
}

/// Sends a delivery of this endpoint again, from now on (same event id and body).
pub async fn resend(db: &Db, actor: &Actor, id: &str, delivery_id: i64, now: i64) -> AppResult<()> {
    let (mut tx, e) = lock(db, actor, id).await?;
    if e.disabled_at.is_some() {
        return Err(AppError::Conflict("enable the endpoint before resending".into()));
    }
    if !tx.resend_webhook_delivery(&e.id, delivery_id, now).await? {
        return Err(AppError::NotFound(Missing::Other("webhook delivery")));
    }
    audit(db, &mut tx, actor, AuditAction::WebhookDeliveryResent, &e, None, now).await?;
    tx.commit().await?;
    Ok(())
}
