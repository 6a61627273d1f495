//! Kassa's persistence: one repository API over SQLite (embedded default) and PostgreSQL.
//!
//! Both backends run the same SQL text: SQLite accepts PostgreSQL's `$1` placeholders, and
//! the schema keeps to types both share (integers, text, booleans; times as Unix
//! milliseconds). Per-backend migrations live in `migrations/{sqlite,postgres}`. Each query is
//! written once and compiled for both drivers by [`on_pool!`], so no call goes through sqlx's
//! type-erased `Any` driver.

mod api_calls;
mod api_keys;
mod audit;
mod connect;
mod demo_seed;
mod disputes;
mod error;
mod help_feedback;
mod idempotency;
mod invitations;
mod jobs;
mod ledger;
mod ledger_export;
mod merchant_admin;
mod operators;
mod order_export;
mod order_search;
mod order_text;
mod orders;
mod payout_runs;
mod payouts;
mod portal_orders;
mod report_inputs;
mod reports;
mod search_keys;
mod security;
mod sessions;
mod sign_in;
mod store_admin;
mod store_limits;
mod store_orders;
mod team;
mod tenancy;
mod tokens;
mod users;

pub use api_calls::ApiCall;
pub use api_keys::{ApiKeyRow, NewApiKey};
pub use audit::{AuditEvent, AuditFilter, AuditRow, OperatorAuditFilter};
pub use connect::{redact_url, Backend, Db, DbConfig, Tx};
pub use demo_seed::DemoTenancy;
pub use disputes::{
    DisputeAttachmentRow, DisputeListRow, DisputeMessageRow, DisputeQuery, DisputeRecipient, DisputeRow,
};
pub use error::DbError;
pub use help_feedback::HelpFeedbackRow;
pub use idempotency::{Claim, SavedResponse, IDEMPOTENCY_TTL_MS};
pub use invitations::{Invitation, InvitationLink, Invited};
pub use jobs::JobRow;
pub use ledger::{LedgerEntryRow, NewEntry, OpenTotal, PostingTerms};
pub use ledger_export::{EntryChunks, EntrySource};
pub use merchant_admin::{MerchantCursor, MerchantDetailRow, MerchantListRow, MerchantOrder, MerchantQuery};
pub use operators::{NewOperator, OperatorRow, OperatorSessionRow, OperatorStage, OPERATOR_TWO_FACTOR};
pub use order_export::OrderPages;
pub use order_search::{Cursor, Narrow, OrderFilter, OrderListRow, SearchPlan, SortOrder};
pub use orders::{CaptureRow, OrderEvent, OrderRow, RefundRow};
pub use payout_runs::{PayoutRunFilter, PayoutRunRow};
pub use payouts::{EntrySelection, PayoutClose, PayoutQuery, PayoutRow, PayoutSummaryRow};
pub use report_inputs::ReportSettingsRow;
pub use reports::{NewReport, ReportRow};
pub use sessions::{NewSession, SessionRow};
pub use sign_in::SignInAttempt;
pub use store_admin::{StoreDetail, StoreDetailRow, StoreFields};
pub use store_orders::StoreOrderRow;
pub use team::{AccessRefusal, AccessUpdate, MerchantStoreRow, TeamMembershipRow};
pub use tenancy::{MembershipRow, MerchantRow, NewMerchant, NewStore, StoreRow};
pub use tokens::TokenPurpose;
pub use users::{NewUser, Preferences, UserRow};

pub type Result<T, E = DbError> = std::result::Result<T, E>;

/// Runs `$body` with `$p` bound to whichever pool `$db` holds. The body is compiled once per
/// backend, so it may use any sqlx call that both drivers support.
macro_rules! on_pool {
    ($db:expr, $p:ident => $body:expr) => {
        match &$db.pool {
            $crate::connect::Pool::Sqlite { read: $p, .. } => $body,
            $crate::connect::Pool::Postgres($p) => $body,
        }
    };
}
pub(crate) use on_pool;

/// Like [`on_pool!`], for statements that write: on SQLite they go through the one writer.
macro_rules! on_writer {
    ($db:expr, $p:ident => $body:expr) => {
        match &$db.pool {
            $crate::connect::Pool::Sqlite { write: $p, .. } => $body,
            $crate::connect::Pool::Postgres($p) => $body,
        }
    };
}
pub(crate) use on_writer;

/// Runs `$body` with `$c` bound to the connection of transaction `$tx`.
macro_rules! on_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            $crate::connect::Tx::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::connect::Tx::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}
pub(crate) use on_tx;
