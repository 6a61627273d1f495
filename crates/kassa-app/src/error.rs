//! The one error type of every use case. Each surface maps it once: the merchant API to
//! Kustom's error body, the portal to a translated sentence with the right status.

use kassa_core::lines::BadValue;
use kassa_db::DbError;
use std::fmt;

/// One bad field of a command: which field, and why, in plain English for logs and the API.
/// An empty `field` means the command as a whole (e.g. a body that is not an object).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl From<BadValue> for FieldError {
    fn from(b: BadValue) -> FieldError {
        FieldError::new(b.field, b.reason)
    }
}

/// As Kustom words it: `Bad value: order_lines[0].name (required)`.
impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "Bad value: {}", self.message)
        } else {
            write!(f, "Bad value: {} ({})", self.field, self.message)
        }
    }
}

/// What was not found, with the ids a message about it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    /// An Order Management order (a completed checkout) of the actor's store.
    Order(String),
    /// A checkout order of the actor's store, in any state.
    Checkout(String),
    Capture {
        order_id: String,
        capture_id: String,
    },
    Refund {
        order_id: String,
        refund_id: String,
    },
    /// Anything else, by what it is ("user", "invitation").
    Other(&'static str),
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Missing::Order(id) => write!(f, "order {id}"),
            Missing::Checkout(id) => write!(f, "checkout {id}"),
            Missing::Capture { order_id, capture_id } => write!(f, "capture {capture_id} of order {order_id}"),
            Missing::Refund { order_id, refund_id } => write!(f, "refund {refund_id} of order {order_id}"),
            Missing::Other(what) => f.write_str(what),
        }
    }
}

/// Why a use case did not do what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The thing does not exist, or the actor may not know it exists.
    #[error("{0} not found")]
    NotFound(Missing),
    /// The request is well formed but the rules refuse it now (state, limits).
    #[error("refused: {0}")]
    Refused(kassa_core::order::Refusal),
    /// A team change the rules refuse (the last administrator, Super Admin access, …).
    #[error("refused: {0}")]
    Team(crate::team::TeamRefusal),
    /// A dispute step the rules refuse (closed, deadline passed, …).
    #[error("refused: {0}")]
    Dispute(kassa_core::dispute::DisputeRefusal),
    /// A support chat step the rules refuse (closed, another agent's, too many messages).
    #[error("refused: {0}")]
    Chat(kassa_core::support_chat::ChatRefusal),
    /// An account action the rules refuse (a wrong current password or code, …).
    #[error("refused: {0}")]
    Auth(crate::auth::AuthRefusal),
    /// The command has bad fields; every one is listed.
    #[error("invalid: {0:?}")]
    Invalid(Vec<FieldError>),
    /// Someone else changed the thing meanwhile, or it already exists.
    #[error("conflict: {0}")]
    Conflict(String),
    /// No payout is made before this time (Unix ms): the store's bank account changed.
    #[error("payouts of the store are held until {0} (ms) after a bank account change")]
    PayoutHeld(i64),
    /// The actor may not do this.
    #[error("forbidden")]
    Forbidden,
    /// Something outside storage failed (hashing, a worker thread); logged, answered generically.
    #[error("internal: {0}")]
    Internal(String),
    /// The database failed; the caller logs it and answers with a generic error.
    #[error("storage: {0}")]
    Storage(#[from] DbError),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// One bad field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> AppError {
        AppError::Invalid(vec![FieldError::new(field, message)])
    }

    /// Ok when no field is bad, else every bad one.
    pub fn check(problems: Vec<BadValue>) -> AppResult<()> {
        if problems.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(problems.into_iter().map(FieldError::from).collect()))
        }
    }
}

impl From<crate::team::TeamRefusal> for AppError {
    fn from(r: crate::team::TeamRefusal) -> AppError {
        AppError::Team(r)
    }
}

impl From<crate::auth::AuthRefusal> for AppError {
    fn from(r: crate::auth::AuthRefusal) -> AppError {
        AppError::Auth(r)
    }
}

impl From<kassa_core::order::Refusal> for AppError {
    fn from(r: kassa_core::order::Refusal) -> AppError {
        AppError::Refused(r)
    }
}

impl From<kassa_core::dispute::DisputeRefusal> for AppError {
    fn from(r: kassa_core::dispute::DisputeRefusal) -> AppError {
        AppError::Dispute(r)
    }
}
