//! Disputes: opened on a captured order by the provider (or the playground test helper),
//! answered by the merchant before a deadline, decided by the provider. The rules are
//! kassa-core's [`kassa_core::dispute`]; the money each step moves is posted to the ledger
//! in the same transaction as the step.

mod lifecycle;
mod notices;
mod reads;
mod respond;

pub use lifecycle::{
    accept_loss, ask, decide, expire_disputes, open_dispute, refund_dispute, withdraw, OpenDispute, StoredAttachment,
};
pub use notices::{queue_reminders, NoticeEvent, DISPUTE_NOTICE, REMIND_BEFORE_MS};
pub use reads::{attachment, dispute, disputes, stage_counts, DisputeFilter, DisputeView};
pub use respond::{respond, Upload};
