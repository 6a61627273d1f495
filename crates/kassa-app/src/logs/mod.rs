//! Developer Logs: every call between a store's systems and Kassa in both directions —
//! merchant API calls, push notifications and webhook deliveries — read by the store's
//! members whose role may (see [`reads`]), each named in words ([`actions`]), a failed one
//! explained ([`errors`]), any one repeatable with curl ([`curl`]); kept 30 days
//! ([`retention`]).

pub mod actions;
pub mod curl;
pub mod errors;
pub mod reads;
pub mod retention;

pub use actions::{action_of, Action};
pub use curl::curl_command;
pub use errors::{explain, Explanation, ERROR_CODES};
pub use reads::{call, calls, key_names, CallFilter, CallsPage, Cursor, Position, StatusClass, PAGE_SIZE};
pub use retention::{purge_batch, purge_old_calls, KEEP_MS};
