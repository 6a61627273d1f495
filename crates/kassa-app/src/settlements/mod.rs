//! Settlements: the ledger postings of money events, payouts (on schedule, run now by an
//! operator or the playground test helper), operator corrections, and what a merchant may
//! read of it (balance, payouts, transactions).
//!
//! Postings are made inside the order's own transaction by the capture and refund use
//! cases ([`postings`]), so a capture without its SALE cannot exist. Payouts are closed by
//! kassa-db in one transaction per store with kassa-core's totals; see
//! [`kassa_db::PayoutClose`].

mod bank_account;
mod bank_review;
mod custom_reports;
mod payouts;
mod portal;
pub(crate) mod postings;
mod reads;
mod report_settings;
mod runs;

pub use bank_account::{
    confirm_bank_change, confirm_link, payout_overview, request_bank_change, BankChangeRequest, ChangedMail,
    ConfirmLink, ConfirmMail, Expected, PayoutOverview,
};
pub use bank_review::{bank_changes_for_review, block_bank_change, BlockedMail, REVIEW_DAYS};
pub use custom_reports::{
    downloadable, report_file, reports, request_report, ReportRequest, FORMATS, KINDS, REPORT_JOB, REPORT_KEPT_MS,
};
pub use payouts::{close_past_periods, payout_now, post_correction, run_scheduled_payouts, Correction, MAX_COMMENT};
pub use portal::{
    overview, payout_currencies, payout_list, payout_page, payouts_after, Overview, PayoutList, PayoutPage,
};
pub use reads::{
    balance, order_ledger, payout, payouts, payouts_query, payouts_summary, transactions, Balance, CurrencyBalance,
    PayoutFilter, Scope,
};
pub use report_settings::{report_settings, save_report_settings, ReportSettings};
pub use runs::{payout_run, payout_run_entries, payout_runs, store_corrections};
