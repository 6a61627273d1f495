//! The emails that tell a store's dispute handlers about their disputes (opened, deadline
//! in 3 days, outcome), in each recipient's language, with dates in their timezone.

use crate::mail::compose;
use crate::shell::i18n::{format_time, Lang};
use kassa_app::disputes::NoticeEvent;
use kassa_db::{DisputeRow, NotifyRecipient};

/// The message of one notice (sent as a notification, `crate::notify_mail`).
pub(crate) fn notice_mail(
    lang: Lang,
    to: &NotifyRecipient,
    d: &DisputeRow,
    event: NoticeEvent,
    link: String,
) -> crate::mail::Mail {
    let amount = lang.format_money(d.amount, &d.currency);
    let reason = lang.t(&format!("dispute-reason-{}", d.reason.code().replace('_', "-")));
    let deadline = d.deadline_at.map(|t| format_time(t, &to.timezone)).unwrap_or_default();
    let args = |extra: Vec<(&'static str, String)>| {
        let mut a = vec![
            ("id", d.id.clone()),
            ("amount", amount.clone()),
            ("reason", reason.clone()),
        ];
        a.extend(extra);
        a
    };
    let (subject, body) = match event {
        NoticeEvent::Opened => (
            lang.t_args("mail-dispute-opened-subject", &args(vec![])),
            if d.deadline_at.is_some() {
                lang.t_args("mail-dispute-opened-body", &args(vec![("deadline", deadline)]))
            } else {
                lang.t_args("mail-dispute-inquiry-body", &args(vec![]))
            },
        ),
        NoticeEvent::DeadlineSoon => (
            lang.t_args("mail-dispute-reminder-subject", &args(vec![])),
            lang.t_args("mail-dispute-reminder-body", &args(vec![("deadline", deadline)])),
        ),
        NoticeEvent::Closed => {
            let outcome = d.outcome.as_deref().unwrap_or("lost");
            let outcome = lang.t(&format!("mail-dispute-outcome-{outcome}"));
            (
                lang.t_args("mail-dispute-closed-subject", &args(vec![("outcome", outcome.clone())])),
                lang.t_args("mail-dispute-closed-body", &args(vec![("outcome", outcome)])),
            )
        }
    };
    compose(lang, &to.email, subject, vec![(body, Some(link))])
}
