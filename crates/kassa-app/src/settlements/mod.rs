//! Settlements: the ledger postings of money events, payouts (on schedule, run now by an
//! operator or the playground test helper), operator corrections, and what a merchant may
//! read of it (balance, payouts, transactions).
//!
//! Postings are made inside the order's own transaction by the capture and refund use
//! cases ([`postings`]), so a capture without its SALE cannot exist. Payouts are closed by
//! kassa-db in one transaction per store with kassa-core's totals; see
//! [`kassa_db::PayoutClose`].

mod custom_reports;
mod payouts;
mod portal;
pub(crate) mod postings;
mod reads;
mod report_settings;

pub use custom_reports::{
    downloadable, report_file, reports, request_report, ReportRequest, FORMATS, KINDS, REPORT_JOB, REPORT_KEPT_MS,
};
pub use payouts::{payout_now, post_correction, run_scheduled_payouts, Correction};
pub use portal::{
    overview, payout_currencies, payout_list, payout_page, payouts_after, Overview, PayoutList, PayoutPage,
};
pub use reads::{
    balance, order_ledger, payout, payouts, payouts_summary, transactions, Balance, CurrencyBalance, PayoutFilter,
    Scope,
};
pub use report_settings::{report_settings, save_report_settings, ReportSettings};
