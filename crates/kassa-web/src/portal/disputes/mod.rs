//! The Disputes section: the store's disputes by stage (tabs with counts, search, most
//! urgent first), one dispute with its order and everything said in it, and the merchant's
//! answers — respond with text and files, accept the loss, refund. Every handler parses,
//! calls one `kassa_app::disputes` use case and renders; the rules are kassa-core's.

mod actions;
mod files;
mod list;
mod page;
mod section;
pub mod thread;
pub mod words;

pub(crate) use actions::{confirm_page, confirmed, Step};
pub(crate) use files::{attachment, download, file_download, respond};
pub(crate) use list::{list, RowView};
pub(crate) use page::{respond_page, show};
pub(crate) use section::section;

use crate::shell::session::Member;
use crate::{AppState, WebError};
use kassa_app::disputes::{self, DisputeFilter};
use kassa_core::dispute::{Stage, MAX_ATTACHMENTS, MAX_ATTACHMENT_BYTES};
use kassa_db::DisputeListRow;

/// The largest response form: ten files of 7 MB, and a megabyte for the text and the
/// form's own framing.
pub(crate) const UPLOAD_LIMIT: usize = MAX_ATTACHMENTS * MAX_ATTACHMENT_BYTES + 1024 * 1024;

/// The disputes awaiting the store's response, most urgent first: how many, and the first.
pub(crate) struct Awaiting {
    pub count: i64,
    pub first: Option<DisputeListRow>,
}

/// What Home shows of disputes, for members who handle them.
pub(crate) async fn awaiting_response(state: &AppState, member: &Member) -> Result<Awaiting, WebError> {
    let filter = DisputeFilter {
        stages: vec![Stage::ResponseRequired],
        ..DisputeFilter::default()
    };
    let (rows, count) = disputes::disputes(&state.db, &member.actor(), &filter, 0, 1).await?;
    Ok(Awaiting {
        count,
        first: rows.into_iter().next(),
    })
}
