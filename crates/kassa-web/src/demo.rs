//! The demo merchant: "Demo Shop AB", two stores and one user per role, seeded through the
//! same repository calls the product uses.

use crate::password;
use crate::{now_ms, WebError};
use kassa_core::access::Role;
use kassa_core::account::NewPassword;
use kassa_db::{AuditEvent, Db, NewMerchant, NewStore, NewUser};

pub const PLAYGROUND_STORE: &str = "M100001";
pub const LIVE_STORE: &str = "M100002";

/// The demo users' emails, one per role.
pub fn demo_users() -> Vec<(String, Role)> {
    Role::ALL
        .into_iter()
        .map(|role| {
            let local = match role {
                Role::SuperAdmin => "superadmin",
                Role::ReadOnly => "readonly",
                other => other.code(),
            };
            (format!("{local}@demo.kassa.test"), role)
        })
        .collect()
}

/// Seeds the demo merchant if the database has no users yet. Returns whether it seeded.
pub async fn seed_if_empty(db: &Db, password: &NewPassword) -> Result<bool, WebError> {
    if db.count_users().await? > 0 {
        return Ok(false);
    }
    let now = now_ms();
    let merchant_id = db
        .create_merchant(
            &NewMerchant {
                legal_name: "Demo Shop AB",
                org_number: "556677-8899",
                vat_id: "SE556677889901",
                address_line: "Drottninggatan 1",
                postal_code: "111 51",
                city: "Stockholm",
                country: "SE",
                onboarding: "direct",
                // The demo opens straight away; real merchants get the policy on by default.
                require_two_factor: false,
            },
            now,
        )
        .await?;
    for (id, name, env) in [
        (PLAYGROUND_STORE, "Demo Shop (playground)", "playground"),
        (LIVE_STORE, "Demo Shop", "live"),
    ] {
        let store = NewStore {
            id,
            merchant_id,
            name,
            url: "https://shop.demo.kassa.test",
            country: "SE",
            currency: "SEK",
            statement_descriptor: "DEMO SHOP",
            environment: env,
        };
        db.create_store(&store, now).await?;
    }
    for (email, role) in demo_users() {
        let hash = password::hash(password).await?;
        let name = demo_name(role);
        let user = NewUser {
            email: &email,
            name,
            password_hash: Some(&hash),
            language: "en",
            status: "active",
            access_expires_at: None,
        };
        let id = db.create_user(&user, now).await?;
        for store in [PLAYGROUND_STORE, LIVE_STORE] {
            db.set_membership(id, store, role.code(), now).await?;
        }
    }
    let event = AuditEvent {
        merchant_id: Some(merchant_id),
        actor: "cli",
        action: "demo_seeded",
        subject: "Demo Shop AB",
        ..Default::default()
    };
    db.record_audit(&event, now).await?;
    Ok(true)
}

/// Plausible people, so the portal looks like it will for a real merchant.
fn demo_name(role: Role) -> &'static str {
    match role {
        Role::SuperAdmin => "Saga Lindqvist",
        Role::Admin => "Anders Berg",
        Role::User => "Ulla Nilsson",
        Role::Settlement => "Sara Ekström",
        Role::Disputes => "David Holm",
        Role::ReadOnly => "Rebecka Ahl",
        Role::Terminated => "Tomas Wik",
        Role::External => "Elin Strand",
    }
}
