//! What may be read of the call log: a portal member whose role may view Developer Logs
//! reads the calls of the store they act in, and nothing else — a call of another store is
//! "not found", whatever its id.

use crate::{Actor, ActorKind, AppError, AppResult, Missing};
use kassa_core::access::{allows, Onboarding, Permission};
use kassa_db::{CallPage, CallQuery, Db, LoggedCall, LoggedCallDetail};

/// Calls per page.
pub const PAGE_SIZE: i64 = 50;

/// The stores whose calls the actor reads.
fn stores(actor: &Actor) -> AppResult<Vec<String>> {
    match actor.kind {
        ActorKind::PortalUser => match actor.role {
            Some(r) if allows(r, Onboarding::Direct, Permission::ViewDeveloperLogs) => {
                Ok(vec![actor.store_id.clone().ok_or(AppError::Forbidden)?])
            }
            _ => Err(AppError::Forbidden),
        },
        ActorKind::System => Ok(vec![actor.store_id.clone().ok_or(AppError::Forbidden)?]),
        ActorKind::ApiKey | ActorKind::Operator | ActorKind::Shopper => Err(AppError::Forbidden),
    }
}

/// The status classes a list filters by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusClass {
    Success,
    Redirect,
    ClientError,
    ServerError,
    /// No answer at all (push or webhook to an endpoint that did not answer).
    NetworkError,
}

impl StatusClass {
    pub const ALL: [StatusClass; 5] = [
        StatusClass::Success,
        StatusClass::Redirect,
        StatusClass::ClientError,
        StatusClass::ServerError,
        StatusClass::NetworkError,
    ];

    /// As it is written in the address: `2xx` … `5xx`, `0`.
    pub fn code(self) -> &'static str {
        match self {
            StatusClass::Success => "2xx",
            StatusClass::Redirect => "3xx",
            StatusClass::ClientError => "4xx",
            StatusClass::ServerError => "5xx",
            StatusClass::NetworkError => "0",
        }
    }

    pub fn parse(code: &str) -> Option<StatusClass> {
        StatusClass::ALL.into_iter().find(|c| c.code() == code)
    }

    fn hundreds(self) -> i64 {
        match self {
            StatusClass::Success => 2,
            StatusClass::Redirect => 3,
            StatusClass::ClientError => 4,
            StatusClass::ServerError => 5,
            StatusClass::NetworkError => 0,
        }
    }
}

/// What a list is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct CallFilter {
    pub status: Option<StatusClass>,
    pub method: Option<String>,
    pub direction: Option<String>,
    pub kind: Option<String>,
    /// An API key's username or a webhook endpoint's label.
    pub key: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// A correlation id or an order id.
    pub search: Option<String>,
    /// Only this order's calls.
    pub order_id: Option<String>,
}

/// A place in the list: the call a page continues from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub at: i64,
    pub id: i64,
}

impl Cursor {
    /// `<at>.<id>`, as the address carries it.
    pub fn token(self) -> String {
        format!("{}.{}", self.at, self.id)
    }

    pub fn parse(token: &str) -> Option<Cursor> {
        let (at, id) = token.trim().split_once('.')?;
        Some(Cursor {
            at: at.parse().ok()?,
            id: id.parse().ok()?,
        })
    }

    fn of(call: &LoggedCall) -> Cursor {
        Cursor {
            at: call.at,
            id: call.id,
        }
    }
}

/// One page of calls, newest first, and where the neighbouring pages start (none: there
/// is no such page).
#[derive(Debug, Clone)]
pub struct CallsPage {
    pub calls: Vec<LoggedCall>,
    /// Continue with calls older than this one.
    pub older: Option<Cursor>,
    /// Continue with calls newer than this one.
    pub newer: Option<Cursor>,
}

/// Which page to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    Newest,
    OlderThan(Cursor),
    NewerThan(Cursor),
}

/// A page of the actor's store's calls.
pub async fn calls(
    db: &Db,
    actor: &Actor,
    filter: &CallFilter,
    position: Position,
    page_size: i64,
) -> AppResult<CallsPage> {
    let q = CallQuery {
        store_ids: stores(actor)?,
        status_class: filter.status.map(StatusClass::hundreds),
        method: filter.method.clone(),
        direction: filter.direction.clone(),
        kind: filter.kind.clone(),
        api_key: filter.key.clone(),
        from: filter.from,
        to: filter.to,
        search: filter.search.clone(),
        order_id: filter.order_id.clone(),
    };
    let page = match position {
        Position::Newest => CallPage::Newest,
        Position::OlderThan(c) => CallPage::Older { at: c.at, id: c.id },
        Position::NewerThan(c) => CallPage::Newer { at: c.at, id: c.id },
    };
    // One more than a page tells whether there is a page beyond it.
    let mut calls = db.logged_calls(&q, page, page_size + 1).await?;
    let more = calls.len() as i64 > page_size;
    let (older, newer);
    match position {
        Position::NewerThan(_) => {
            // Read oldest first and turned around: the extra call is the newest, at the front.
            if more {
                calls.remove(0);
            }
            newer = if more { calls.first().map(Cursor::of) } else { None };
            older = calls.last().map(Cursor::of);
        }
        _ => {
            if more {
                calls.pop();
            }
            older = if more { calls.last().map(Cursor::of) } else { None };
            newer = match position {
                Position::Newest => None,
                _ => calls.first().map(Cursor::of),
            };
        }
    }
    Ok(CallsPage { calls, older, newer })
}

/// One call of the actor's store; any other id is not found.
pub async fn call(db: &Db, actor: &Actor, id: i64) -> AppResult<LoggedCallDetail> {
    let scope = stores(actor)?;
    db.logged_call(&scope, id)
        .await?
        .ok_or(AppError::NotFound(Missing::Other("call")))
}

/// The names calls of the actor's store are made with, for the key filter's suggestions:
/// the store's API keys and "kassa" (Kassa's own push notifications).
pub async fn key_names(db: &Db, actor: &Actor) -> AppResult<Vec<String>> {
    let mut names = Vec::new();
    for store in stores(actor)? {
        names.extend(db.api_keys(Some(&store)).await?.into_iter().map(|k| k.username));
    }
    names.push("kassa".to_owned());
    names.sort();
    names.dedup();
    Ok(names)
}
