//! The support chat's routes. No menu entry: the chat is reached from the support panel
//! ("Chat with us") on every page. Any signed-in member may chat, also before setting up a
//! required second factor and while their merchant is suspended: both are reasons to ask
//! support.

use super::{attach, attachment, close, page, send, transcript, ws};
use crate::chat_files::UPLOAD_LIMIT;
use crate::shell::routes::{Access, RouteRow, Section};
use kassa_core::access::Permission;

pub(crate) fn section() -> Section {
    let member = Access::Member(Permission::SignedIn);
    Section {
        menu: None,
        routes: vec![
            RouteRow::get("/portal/support/chat", member, page).before_two_factor(),
            RouteRow::post("/portal/support/chat/messages", member, send).before_two_factor(),
            RouteRow::get("/portal/support/chat/ws", member, ws).before_two_factor(),
            RouteRow::post("/portal/support/chat/{id}/transcript", member, transcript).before_two_factor(),
            RouteRow::post("/portal/support/chat/{id}/close", member, close).before_two_factor(),
            // One file with an optional text (multipart/form-data).
            RouteRow::post("/portal/support/chat/{id}/attachments", member, attach)
                .multipart(UPLOAD_LIMIT)
                .before_two_factor(),
            RouteRow::get("/portal/support/chat/{id}/attachments/{attachment}", member, attachment).before_two_factor(),
        ],
    }
}
