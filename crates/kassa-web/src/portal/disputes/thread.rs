//! A dispute as its pages show it, in the portal and the back office alike: its facts and
//! order, the exchange in the order it happened, and which of the merchant's steps it still
//! allows. (Which steps: kassa-core's state machine answers, asked here with the dispute as
//! it is now.)

use super::words::Countdown;
use super::words::{author_label, body_text, countdown, field_label, file_size, kind_label, reason_label, stage_badge};
use crate::shell::i18n::{format_time, Lang};
use kassa_app::disputes::DisputeView;
use kassa_core::dispute::{Dispute, Stage};

pub struct AttachmentView {
    pub href: String,
    pub name: String,
    pub size: String,
    /// PDF, JPEG or PNG.
    pub kind: &'static str,
}

pub struct MessageView {
    /// `claim`, `request`, `response`, `decision` or `note`: a String, the templates compare.
    pub kind: String,
    pub heading: String,
    pub author: String,
    pub at: String,
    pub body: String,
    /// What a request asks for, in words.
    pub fields: Vec<String>,
    /// When a request must be answered.
    pub deadline: Option<String>,
    pub attachments: Vec<AttachmentView>,
}

/// The facts every page of one dispute shows.
pub struct Facts {
    pub id: String,
    pub stage: &'static str,
    pub badge: String,
    pub badge_class: &'static str,
    pub reason: String,
    pub amount: String,
    pub opened: String,
    pub closed: String,
    /// While a response is required: how long is left.
    pub deadline: Option<Countdown>,
    pub store_id: String,
    pub order_id: String,
    pub short_reference: String,
    pub reference: String,
    pub customer: String,
    pub order_amount: String,
    pub captured: String,
    pub refunded: String,
    /// The open request: what it asks, and for which fields.
    pub question: String,
    pub requested: Vec<String>,
    /// The merchant's steps the dispute allows now.
    pub can_respond: bool,
    pub can_accept: bool,
    pub can_refund: bool,
}

fn attachment_kind(content_type: &str) -> &'static str {
    match content_type {
        "application/pdf" => "PDF",
        "image/jpeg" => "JPEG",
        "image/png" => "PNG",
        _ => "",
    }
}

impl Facts {
    pub fn of(view: &DisputeView, lang: Lang, timezone: &str, now: i64) -> Facts {
        let d = &view.dispute;
        let o = &view.order;
        let money = |v: i64| lang.format_money(v, &o.purchase_currency);
        let (badge, badge_class) = stage_badge(lang, d.stage, d.outcome());
        let rules = Dispute {
            reason: d.reason,
            stage: d.stage,
            outcome: d.outcome(),
            amount: d.amount,
            deadline: d.deadline_at,
        };
        let open_request = view
            .messages
            .iter()
            .rev()
            .find(|m| m.kind == "request")
            .filter(|_| d.stage == Stage::ResponseRequired);
        Facts {
            id: d.id.clone(),
            stage: d.stage.code(),
            badge,
            badge_class,
            reason: reason_label(lang, d.reason),
            amount: lang.format_money(d.amount, &d.currency),
            opened: format_time(d.opened_at, timezone),
            closed: d.closed_at.map(|t| format_time(t, timezone)).unwrap_or_default(),
            deadline: d
                .deadline_at
                .filter(|_| d.stage == Stage::ResponseRequired)
                .map(|t| countdown(lang, t, now, timezone)),
            store_id: d.store_id.clone(),
            order_id: o.order_id.clone(),
            short_reference: o.short_reference.clone(),
            reference: o.merchant_reference1.clone().unwrap_or_default(),
            customer: o.customer_name.clone(),
            order_amount: money(o.order_amount),
            captured: money(o.captured_amount),
            refunded: money(o.refunded_amount),
            question: open_request.map(|m| m.body.clone()).unwrap_or_default(),
            requested: open_request
                .map(|m| fields_of(lang, &m.requested_fields))
                .unwrap_or_default(),
            can_respond: rules.respond(now).is_ok(),
            can_accept: rules.accept_loss().is_ok(),
            // The refund takes the disputed amount from what is captured and not refunded.
            can_refund: rules.refunded().is_ok() && o.captured_amount - o.refunded_amount >= d.amount,
        }
    }
}

fn fields_of(lang: Lang, list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(|f| field_label(lang, f))
        .collect()
}

/// Every message of the dispute, oldest first, with the files sent with it; a file links to
/// `attachments_base/<attachment id>`. `named_operators`: the back office names its staff.
pub fn thread(
    view: &DisputeView,
    lang: Lang,
    timezone: &str,
    named_operators: bool,
    attachments_base: &str,
) -> Vec<MessageView> {
    let reason = view.dispute.reason;
    view.messages
        .iter()
        .map(|m| MessageView {
            kind: m.kind.clone(),
            heading: kind_label(lang, &m.kind),
            author: author_label(lang, &m.author_kind, &m.author, named_operators),
            at: format_time(m.created_at, timezone),
            body: body_text(lang, &m.kind, &m.body, reason),
            fields: fields_of(lang, &m.requested_fields),
            deadline: m.deadline_at.map(|t| format_time(t, timezone)),
            attachments: view
                .attachments
                .iter()
                .filter(|a| a.message_id == m.id)
                .map(|a| AttachmentView {
                    href: format!("{attachments_base}/{}", a.id),
                    name: a.filename.clone(),
                    size: file_size(lang, a.size_bytes),
                    kind: attachment_kind(&a.content_type),
                })
                .collect(),
        })
        .collect()
}
