//! The Disputes section: the store's disputes by stage (tabs with counts, search, most
//! urgent first), one dispute with its order and everything said in it, and the merchant's
//! answers — respond with text and files, accept the loss, refund. Every handler parses,
//! calls one `kassa_app::disputes` use case and renders; the rules are kassa-core's.

mod actions;
mod list;
mod page;
mod section;
pub mod thread;
pub mod words;

pub(crate) use actions::{confirm_page, confirmed, Step};
pub(crate) use list::list;
pub(crate) use page::{respond_page, show};
pub(crate) use section::section;
