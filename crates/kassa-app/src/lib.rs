//! Kassa's application layer: every use case has one home here.
//!
//! # Layers
//!
//! ```text
//! kassa (binary, CLI) ─┐
//! kassa-web ───────────┼─> kassa-app ─> kassa-core (rules: pure, no I/O)
//!   shell/, api/,      │        └─────> kassa-db   (storage: one API, SQLite + PostgreSQL)
//!   portal/<section>/  │
//! ```
//!
//! - **kassa-core** decides: the order state machine, line arithmetic and line editing, the
//!   permission matrix, team and account rules. It knows nothing of storage or HTTP.
//! - **kassa-db** stores: rows carry kassa-core's enums, transactions are [`kassa_db::Tx`].
//! - **kassa-app** (this crate) runs a use case from start to end: it takes a typed command
//!   and the [`Actor`] asking, checks that the actor may do it (a use case never trusts the
//!   caller's route guard alone), opens one transaction, lets kassa-core decide, writes the
//!   change together with its order-timeline or audit event, and returns a typed result or an
//!   [`AppError`]. It never depends on axum, askama or the merchant API's wire types (CI runs
//!   `cargo tree -p kassa-app` to keep it so), so the portal, the merchant API, the hosted
//!   checkout, the back office, jobs and the CLI all reach the same rule in the same place.
//! - **kassa-web** adapts: a handler parses its input (Kustom JSON, a portal form) into a
//!   command, calls one use case and renders the result. Errors are mapped once per surface:
//!   `api/error.rs` turns [`AppError`] into Kustom's error body, `shell/error.rs` into the
//!   portal's status and page; a section that explains a refusal in words matches on the
//!   error's variants ([`AppError::Refused`], [`AppError::Team`], …), never on code strings.
//!
//! Areas are folders: [`orders`], [`team`], [`auth`], [`jobs`]; the next sections add
//! theirs (settlements, disputes, webhooks, support, ops) the same way.
//!
//! # Adding a use case
//!
//! 1. Put the rule in kassa-core if it is one (a state change, a calculation, a permission),
//!    with unit tests there.
//! 2. In the area's folder here, write the command as a struct of domain types (no wire
//!    types: the API maps its JSON to it) and one `pub async fn` taking `&Db`, `&Actor` and
//!    the command.
//! 3. In it: check the actor (for orders, [`orders::lock`](orders) does it with the store and
//!    role), open the transaction, call kassa-core, persist, record the event, and return the
//!    result, or [`AppError`] with a variant that says what happened: `NotFound` (also for
//!    things of another tenant), `Refused` with kassa-core's reason, `Invalid` with every bad
//!    field, `Conflict`, `Forbidden`, `Storage`.
//! 4. Call it from each surface's handler, and test it there, at the level a user meets it
//!    (HTTP against a real server, the portal in Chromium) on both databases.
//!
//! # A worked example: extending an authorization
//!
//! The rule is kassa-core's [`Order::extend_authorization`](kassa_core::order::Order):
//! only an order still authorized may be extended, by the store's reservation time, to at
//! most 180 days in all. The use case is [`orders::extend_authorization`]:
//!
//! ```text
//! pub async fn extend_authorization(db: &Db, actor: &Actor, order_id: &str) -> AppResult<Pending<()>> {
//!     let mut locked = lock(db, actor, Permission::ManageOrders, order_id).await?;  // actor, store, row lock
//!     let days = db.store(&locked.row.store_id).await?.map(|s| s.reservation_days).unwrap_or(28);
//!     let next = locked.state()?.extend_authorization(now_ms(), days * DAY_MS)?;  // kassa-core decides
//!     transition(&mut locked, actor, EventKind::AuthorizationExtended, next).await?;  // row + timeline
//!     Ok(locked.pending(()))
//! }
//! ```
//!
//! It returns [`orders::Pending`] rather than committing, because the merchant API stores
//! its idempotent response in the same transaction (a retry then finds both or neither). The
//! API's handler is three lines — build the [`Actor`] from the API key, call, and let
//! `From<AppError> for ApiError` answer a refusal with Kustom's `NOT_ALLOWED`:
//!
//! ```text
//! let pending = orders::extend_authorization(&state.db, &ctx.actor(), &order_id).await?;
//! done(&ctx, pending).await   // saves the idempotent response in pending.tx, commits
//! ```
//!
//! The portal's order page calls the same function with the signed-in member as the actor
//! and commits after spending its one-time form key in the same transaction; a refusal
//! becomes a translated sentence next to the form.

pub mod actor;
pub mod api_keys;
pub mod auth;
pub mod company;
pub mod dates;
pub mod disputes;
pub mod error;
pub mod files;
pub mod jobs;
pub mod logs;
pub mod notifications;
pub mod operators;
pub mod ops;
pub mod orders;
pub mod settlements;
pub mod support;
pub mod support_chat;
pub mod team;
pub mod webhooks;

pub use actor::{Actor, ActorKind};
pub use error::{AppError, AppResult, FieldError, Missing};

/// Milliseconds since the Unix epoch: the time unit of every stored timestamp.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
