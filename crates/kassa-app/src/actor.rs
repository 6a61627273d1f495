//! Who asks for a use case: every command comes with an [`Actor`], which the use case checks
//! its permission against and writes into its audit or timeline event.

use kassa_core::access::Role;
use kassa_core::audit::AuditAction;
use kassa_core::ops_access::OperatorRole;
use kassa_db::AuditEvent;

pub use kassa_core::timeline::ActorKind;

/// Who made a request, where from, and for which merchant and store.
#[derive(Debug, Clone)]
pub struct Actor {
    pub kind: ActorKind,
    /// What the timeline shows: the API username, the user's email, "kassa".
    pub name: String,
    /// The portal user's id, when the actor is one.
    pub user_id: Option<String>,
    pub merchant_id: Option<String>,
    pub store_id: Option<String>,
    /// The portal member's role in that merchant.
    pub role: Option<Role>,
    /// The client address, for audit events.
    pub address: Option<String>,
    /// The operator's id and role, when the actor is provider staff.
    pub operator_id: Option<i64>,
    pub operator_role: Option<OperatorRole>,
}

impl Actor {
    fn of(kind: ActorKind, name: impl Into<String>) -> Actor {
        Actor {
            kind,
            name: name.into(),
            user_id: None,
            merchant_id: None,
            store_id: None,
            role: None,
            address: None,
            operator_id: None,
            operator_role: None,
        }
    }

    /// Kassa itself (jobs, expiry, the CLI, the demo seed).
    pub fn system() -> Actor {
        Actor::of(ActorKind::System, "kassa")
    }

    /// A merchant API key of one store.
    pub fn api_key(username: impl Into<String>, store_id: impl Into<String>) -> Actor {
        Actor {
            store_id: Some(store_id.into()),
            ..Actor::of(ActorKind::ApiKey, username)
        }
    }

    /// A shopper on the hosted checkout of one store.
    pub fn shopper(store_id: impl Into<String>) -> Actor {
        Actor {
            store_id: Some(store_id.into()),
            ..Actor::of(ActorKind::Shopper, "shopper")
        }
    }

    /// A signed-in portal member acting in one store of one merchant.
    pub fn portal_user(
        user_id: impl Into<String>,
        email: impl Into<String>,
        merchant_id: impl Into<String>,
        store_id: impl Into<String>,
        role: Role,
        address: impl Into<String>,
    ) -> Actor {
        Actor {
            user_id: Some(user_id.into()),
            merchant_id: Some(merchant_id.into()),
            store_id: Some(store_id.into()),
            role: Some(role),
            address: Some(address.into()),
            ..Actor::of(ActorKind::PortalUser, email)
        }
    }

    /// The same actor under another name (a shopper by their email, an API key by its
    /// username), as the order timeline shows it.
    pub fn named(self, name: impl Into<String>) -> Actor {
        Actor {
            name: name.into(),
            ..self
        }
    }

    /// The same actor acting in `store_id` (Kassa's jobs act in the store of each order).
    pub fn in_store(self, store_id: impl Into<String>) -> Actor {
        Actor {
            store_id: Some(store_id.into()),
            ..self
        }
    }

    /// Provider staff in the back office, named by their email.
    pub fn operator(id: i64, email: impl Into<String>, role: OperatorRole, address: impl Into<String>) -> Actor {
        Actor {
            address: Some(address.into()),
            operator_id: Some(id),
            operator_role: Some(role),
            ..Actor::of(ActorKind::Operator, email)
        }
    }

    /// The same operator acting on one merchant (for its audit trail).
    pub fn at_merchant(self, merchant_id: i64) -> Actor {
        Actor {
            merchant_id: Some(merchant_id.to_string()),
            ..self
        }
    }
}

impl Actor {
    /// An audit event of `action` by this actor, at its merchant, from its address: callers
    /// add the subject and the before and after.
    pub fn audit_event(&self, action: AuditAction) -> AuditEvent<'_> {
        AuditEvent {
            merchant_id: self.merchant_id.as_deref().and_then(|m| m.parse().ok()),
            actor_user_id: self.user_id.as_deref().and_then(|u| u.parse().ok()),
            actor_operator_id: self.operator_id,
            actor: &self.name,
            ip: self.address.as_deref().unwrap_or(""),
            ..AuditEvent::of(action)
        }
    }
}
