//! The one error type of every use case. Each surface maps it once: the merchant API to
//! Kustom's error body, the portal to a translated sentence with the right status.

use kassa_db::DbError;

/// One bad field of a command: which field, and why, in plain English for logs and the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// Why a use case did not do what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The thing does not exist, or the actor may not know it exists.
    #[error("{what} not found")]
    NotFound { what: &'static str },
    /// The request is well formed but the rules refuse it now (state, limits).
    #[error("refused: {0}")]
    Refused(kassa_core::order::Refusal),
    /// A team change the rules refuse (the last administrator, Super Admin access, …).
    #[error("refused: {0}")]
    Team(crate::team::TeamRefusal),
    /// An account action the rules refuse (a wrong current password or code, …).
    #[error("refused: {0}")]
    Auth(crate::auth::AuthRefusal),
    /// The command has bad fields; every one is listed.
    #[error("invalid: {0:?}")]
    Invalid(Vec<FieldError>),
    /// Someone else changed the thing meanwhile, or it already exists.
    #[error("conflict: {0}")]
    Conflict(String),
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

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.to_owned(),
            message: message.into(),
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
