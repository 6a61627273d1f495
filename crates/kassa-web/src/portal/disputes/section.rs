//! The Disputes section's menu entry and routes. Each action has its form on a page of its
//! own (GET, also where a refused form comes back) and its target (POST) at the same
//! address; the dispute page shows the same forms inline.

use super::{attachment, confirm_page, confirmed, list, respond, respond_page, show, Step, UPLOAD_LIMIT};
use crate::shell::routes::{Access, MenuEntry, RouteRow, Section};
use kassa_core::access::{self, Permission};

pub(crate) fn section() -> Section {
    let disputes = Access::Member(Permission::Disputes);
    Section {
        menu: Some(MenuEntry {
            section: access::Section::Disputes,
            href: "/portal/disputes",
            label: "nav-disputes",
        }),
        routes: vec![
            RouteRow::get("/portal/disputes", disputes, list),
            RouteRow::get("/portal/disputes/{dispute_id}", disputes, show),
            RouteRow::get("/portal/disputes/{dispute_id}/respond", disputes, respond_page),
            // Text and up to ten files: the one portal route that takes a file upload.
            RouteRow::post("/portal/disputes/{dispute_id}/respond", disputes, respond).multipart(UPLOAD_LIMIT),
            RouteRow::get(
                "/portal/disputes/{dispute_id}/accept-loss",
                disputes,
                confirm_page(Step::AcceptLoss),
            ),
            RouteRow::post(
                "/portal/disputes/{dispute_id}/accept-loss",
                disputes,
                confirmed(Step::AcceptLoss),
            ),
            RouteRow::get(
                "/portal/disputes/{dispute_id}/refund",
                disputes,
                confirm_page(Step::Refund),
            ),
            RouteRow::post(
                "/portal/disputes/{dispute_id}/refund",
                disputes,
                confirmed(Step::Refund),
            ),
            RouteRow::get(
                "/portal/disputes/{dispute_id}/attachments/{attachment_id}",
                disputes,
                attachment,
            ),
        ],
    }
}
