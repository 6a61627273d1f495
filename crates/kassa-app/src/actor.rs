//! Who asks for a use case: every command comes with an [`Actor`], which the use case checks
//! its permission against and writes into its audit or timeline event.

use kassa_core::access::Role;

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

    /// Provider staff in the back office.
    pub fn operator(name: impl Into<String>, address: impl Into<String>) -> Actor {
        Actor {
            address: Some(address.into()),
            ..Actor::of(ActorKind::Operator, name)
        }
    }
}
