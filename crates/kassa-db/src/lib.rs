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
pub mod backup;
mod bank_changes;
mod call_log;
mod checkpoint;
mod company;
mod connect;
mod deferred;
mod demo_seed;
mod disputes;
mod email_changes;
mod error;
mod group_commit;
mod help_feedback;
mod idempotency;
mod invitations;
mod jobs;
mod key_usage;
mod ledger;
mod ledger_export;
mod merchant_admin;
mod notifications;
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
mod support_chat;
mod team;
mod tenancy;
mod tokens;
mod users;
mod webhooks;

pub use api_calls::ApiCall;
pub use api_keys::{ApiKeyRow, NewApiKey, KEY_CACHE_TTL};
pub use audit::{AuditEvent, AuditFilter, AuditRow, OperatorAuditFilter};
pub use bank_changes::{BankChangeListRow, BankChangeRow, NewBankChange, Requested, SuperAdminRow};
pub use call_log::{CallPage, CallQuery, LoggedCall, LoggedCallDetail};
pub use company::{
    CompanyFields, CompanyRow, IdentityDecision, IdentityRequestRow, IdentityRequestStatus, NewIdentityRequest,
};
pub use connect::{redact_url, Backend, Db, DbConfig, PoolStats, PoolUse, Tx};
pub use demo_seed::DemoTenancy;
pub use disputes::{
    DisputeAttachmentRow, DisputeListRow, DisputeMessageRow, DisputeQuery, DisputeRecipient, DisputeRow,
};
pub use email_changes::{EmailChangeApplied, EmailChangeRow, NewEmailChange};
pub use error::{sqlx_outage, DbError, Outage};
pub use group_commit::SqliteUnit;
pub use help_feedback::HelpFeedbackRow;
pub use idempotency::{Claim, SavedResponse, ABANDONED_AFTER_MS, IDEMPOTENCY_TTL_MS};
pub use invitations::{Invitation, InvitationLink, Invited};
pub use jobs::{JobQueueRow, JobRow};
pub use key_usage::{KeyPlatformRow, KeyUsage};
pub use ledger::{LedgerEntryRow, NewEntry, OpenTotal, PostingTerms};
pub use ledger_export::{CellChunks, EntryCells, EntryChunks, EntryField, EntrySource, WriteEntry};
pub use merchant_admin::{MerchantCursor, MerchantDetailRow, MerchantListRow, MerchantOrder, MerchantQuery};
pub use notifications::{NewNotification, NotificationPrefRow, NotificationRow, NotifyRecipient};
pub use operators::{NewOperator, OperatorRow, OperatorSessionRow, OperatorStage, OPERATOR_TWO_FACTOR};
pub use order_export::OrderPages;
pub use order_search::{Cursor, Narrow, OrderFilter, OrderListRow, SearchPlan, SortOrder};
pub use orders::{CaptureRow, OrderEvent, OrderRow, RefundRow};
pub use payout_runs::{PayoutRunFilter, PayoutRunRow};
pub use payouts::{EntrySelection, PayoutClose, PayoutQuery, PayoutRow, PayoutSummaryRow};
pub use report_inputs::ReportSettingsRow;
pub use reports::{NewReport, ReportRow};
pub use sessions::{NewSession, SessionRow, UserSessionRow};
pub use sign_in::SignInAttempt;
pub use store_admin::{StoreDetail, StoreDetailRow, StoreFields};
pub use store_orders::StoreOrderRow;
pub use support_chat::{
    CannedReplyRow, ChatAttachmentRow, ChatMessageRow, ChatSide, ConversationHit, ConversationListRow, ConversationRow,
    NewChatMessage, NewConversation, SupportListener,
};
pub use team::{AccessRefusal, AccessUpdate, MerchantStoreRow, TeamMembershipRow};
pub use tenancy::{MembershipRow, MerchantRow, NewMerchant, NewStore, StoreRow};
pub use tokens::TokenPurpose;
pub use users::{NewUser, Preferences, UserRow};
pub use webhooks::{NewWebhookEvent, WebhookAttempt, WebhookDeliveryRow, WebhookEndpointRow};

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
            $crate::connect::Pool::Sqlite { write: $p, .. } => {
                let _queued = $crate::connect::write_queued();
                $body
            }
            $crate::connect::Pool::Postgres($p) => $body,
        }
    };
}
pub(crate) use on_writer;

/// Binds a built query's text parameters, then its integer ones, in the order their
/// placeholders were numbered (the list filters of payouts and disputes build them so).
macro_rules! bind_all {
    ($q:expr, $texts:expr, $ints:expr) => {{
        let mut q = $q;
        for t in $texts {
            q = q.bind(t);
        }
        for i in $ints {
            q = q.bind(i);
        }
        q
    }};
}
pub(crate) use bind_all;

/// Runs `$body` with `$c` bound to the connection of transaction `$tx`.
macro_rules! on_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            // Writes the unit deferred run first (see crate::deferred).
            $crate::connect::Tx::Sqlite(t) => match t.flushed().await {
                Ok($c) => $body,
                Err(e) => Err(e),
            },
            $crate::connect::Tx::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}
pub(crate) use on_tx;
