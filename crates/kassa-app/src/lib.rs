//! Kassa's application layer: every use case has one home here.
//!
//! (The full guide to the layering and a worked example is written when the first areas
//! have moved in; see the README's map of the code.)

pub mod actor;
pub mod auth;
pub mod dates;
pub mod error;
pub mod jobs;
pub mod orders;
pub mod team;

pub use actor::{Actor, ActorKind};
pub use error::{AppError, AppResult, FieldError, Missing};

/// Milliseconds since the Unix epoch: the time unit of every stored timestamp.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
