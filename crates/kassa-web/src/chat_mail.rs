//! The support chat's emails: a conversation's transcript, and an agent's reply to a
//! message left outside opening hours, in the user's language with times in their timezone.

use crate::mail::{compose, Mail, Mailer};
use crate::shell::i18n::{format_time, Lang};
use kassa_app::support_chat::ChatMailer;
use kassa_db::{ChatMessageRow, ConversationListRow};
use std::future::Future;
use std::pin::Pin;

pub struct MailChat {
    pub mailer: Mailer,
    pub config: std::sync::Arc<crate::WebConfig>,
}

/// How a message reads in a transcript or an email: a system message's code in words, a
/// file by its name.
pub(crate) fn message_text(lang: Lang, m: &ChatMessageRow) -> String {
    if m.sender_kind == "system" {
        lang.t_args(
            &format!("livechat-event-{}", m.body),
            &[("name", m.sender_name.clone())],
        )
    } else {
        match &m.attachment_name {
            Some(name) if m.body.is_empty() => format!("[{name}]"),
            Some(name) => format!("{}\n[{name}]", m.body),
            None => m.body.clone(),
        }
    }
}

pub(crate) fn transcript_mail(lang: Lang, c: &ConversationListRow, messages: &[ChatMessageRow], link: String) -> Mail {
    let tz = &c.user_timezone;
    let mut paragraphs = vec![(
        lang.t_args(
            "livechat-transcript-intro",
            &[
                ("store", c.store_name.clone()),
                ("date", format_time(c.conversation.created_at, tz)),
            ],
        ),
        None,
    )];
    for m in messages {
        let who = if m.sender_kind == "system" {
            String::new()
        } else {
            format!("{}: ", m.sender_name)
        };
        paragraphs.push((
            format!("[{}] {who}{}", format_time(m.created_at, tz), message_text(lang, m)),
            None,
        ));
    }
    paragraphs.push((lang.t("livechat-transcript-outro"), Some(link)));
    compose(lang, &c.user_email, lang.t("livechat-transcript-subject"), paragraphs)
}

pub(crate) fn reply_mail(lang: Lang, c: &ConversationListRow, m: &ChatMessageRow, link: String) -> Mail {
    compose(
        lang,
        &c.user_email,
        lang.t("livechat-reply-subject"),
        vec![
            (
                lang.t_args("livechat-reply-intro", &[("name", m.sender_name.clone())]),
                None,
            ),
            (message_text(lang, m), None),
            (lang.t("livechat-reply-outro"), Some(link)),
        ],
    )
}

impl ChatMailer for MailChat {
    fn transcript<'a>(
        &'a self,
        c: &'a ConversationListRow,
        messages: &'a [ChatMessageRow],
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(async move {
            let lang = Lang::from_code(&c.user_language).unwrap_or(Lang::En);
            let link = self
                .config
                .link(&format!("/portal/support/chat?conversation={}", c.conversation.id));
            let mail = transcript_mail(lang, c, messages, link);
            self.mailer.send(mail).await.map_err(|e| e.to_string())
        })
    }

    fn reply<'a>(
        &'a self,
        c: &'a ConversationListRow,
        m: &'a ChatMessageRow,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(async move {
            let lang = Lang::from_code(&c.user_language).unwrap_or(Lang::En);
            let link = self
                .config
                .link(&format!("/portal/support/chat?conversation={}", c.conversation.id));
            let mail = reply_mail(lang, c, m, link);
            self.mailer.send(mail).await.map_err(|e| e.to_string())
        })
    }
}
