//! What a notification says, on Home, under the bell and by email: its title and link in
//! the reader's language, and the email (with its unsubscribe link and `List-Unsubscribe`
//! header) that `kassa_app::notifications` sends through [`MailNotifications`].

use crate::mail::{compose, Mail, Mailer};
use crate::shell::i18n::{format_time, Lang};
use kassa_app::disputes::NoticeEvent;
use kassa_app::notifications::NotificationMailer;
use kassa_core::notification::{unsubscribe_token, Kind};
use kassa_db::{Db, NotificationRow, NotifyRecipient};
use serde_json::Value;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// Where a notification leads (a path in the portal).
pub(crate) fn link(n: &NotificationRow) -> String {
    match n.kind {
        Kind::AuthorizationsExpiring => "/portal/orders?expiring=3".to_owned(),
        Kind::DisputeOpened | Kind::DisputeDeadline | Kind::DisputeOutcome => {
            format!("/portal/disputes/{}", n.subject)
        }
        Kind::PayoutPaid => format!("/portal/settlements/payouts/{}", n.subject),
        Kind::ReportReady => "/portal/settlements/reports".to_owned(),
        Kind::ApiKeyDisabled => "/portal/integrations".to_owned(),
        Kind::WebhookDisabled => format!("/portal/integrations/webhooks/{}", n.subject),
        Kind::NewSignIn => "/portal/account/security".to_owned(),
    }
}

fn params(n: &NotificationRow) -> Value {
    serde_json::from_str(&n.params).unwrap_or(Value::Null)
}

fn text(v: &Value, key: &str) -> String {
    match &v[key] {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn money(lang: Lang, v: &Value) -> String {
    lang.format_money(v["amount"].as_i64().unwrap_or(0), v["currency"].as_str().unwrap_or(""))
}

/// The arguments a notification's messages take.
fn args(lang: Lang, n: &NotificationRow, timezone: &str) -> Vec<(&'static str, String)> {
    let v = params(n);
    let at = v["at"].as_i64().unwrap_or(n.created_at);
    vec![
        ("subject", n.subject.clone()),
        ("store", n.store_id.clone()),
        ("count", text(&v, "count")),
        ("amount", money(lang, &v)),
        ("name", text(&v, "name")),
        ("url", text(&v, "url")),
        ("browser", text(&v, "browser")),
        ("os", text(&v, "os")),
        ("ip", text(&v, "ip")),
        ("time", format_time(at, timezone)),
    ]
}

/// The one-line title of a notification (Home, the bell, most email subjects).
pub(crate) fn title(lang: Lang, n: &NotificationRow, timezone: &str) -> String {
    lang.t_args(
        &format!("notify-title-{}", n.kind.code().replace('_', "-")),
        &args(lang, n, timezone),
    )
}

/// Sends notification emails, in each recipient's language, with times in their timezone.
pub struct MailNotifications {
    pub mailer: Mailer,
    pub config: Arc<crate::WebConfig>,
}

impl MailNotifications {
    async fn mail(&self, db: &Db, to: &NotifyRecipient, n: &NotificationRow) -> Result<Mail, String> {
        let lang = Lang::from_code(&to.language).unwrap_or(Lang::En);
        let link = self.config.link(&link(n));
        let mut mail = match n.kind {
            Kind::DisputeOpened | Kind::DisputeDeadline | Kind::DisputeOutcome => {
                let dispute = db
                    .dispute(None, &n.subject)
                    .await
                    .map_err(|e| e.to_string())?
                    .ok_or_else(|| format!("dispute {} is gone", n.subject))?;
                let event = match n.kind {
                    Kind::DisputeOpened => NoticeEvent::Opened,
                    Kind::DisputeDeadline => NoticeEvent::DeadlineSoon,
                    _ => NoticeEvent::Closed,
                };
                crate::dispute_mail::notice_mail(lang, to, &dispute, event, link)
            }
            Kind::WebhookDisabled => {
                let v = params(n);
                let a = [("url", text(&v, "url")), ("store", n.store_id.clone())];
                compose(
                    lang,
                    &to.email,
                    lang.t_args("mail-webhook-disabled-subject", &a),
                    vec![(lang.t_args("mail-webhook-disabled-body", &a), Some(link))],
                )
            }
            _ => {
                let a = args(lang, n, &to.timezone);
                let body = format!("notify-body-{}", n.kind.code().replace('_', "-"));
                compose(
                    lang,
                    &to.email,
                    title(lang, n, &to.timezone),
                    vec![(lang.t_args(&body, &a), Some(link))],
                )
            }
        };
        let token = unsubscribe_token(&self.config.secret_key, to.user_id, &n.store_id, n.kind);
        let unsubscribe = self.config.link(&format!("/unsubscribe/{token}"));
        add_unsubscribe(lang, &mut mail, unsubscribe);
        Ok(mail)
    }
}

/// Ends the message with the unsubscribe paragraph and sets its `List-Unsubscribe`.
fn add_unsubscribe(lang: Lang, mail: &mut Mail, url: String) {
    let line = lang.t("notify-mail-unsubscribe");
    let signature = lang.t("mail-signature");
    // Before the signature, in both parts.
    if let Some(at) = mail.text.rfind(&signature) {
        mail.text.insert_str(at, &format!("{line}\n{url}\n\n"));
    }
    if let Some(html) = &mut mail.html {
        let escaped = |s: &str| {
            s.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
        };
        let paragraph = format!(
            "<p class=\"unsubscribe\">{}<br><a href=\"{}\">{}</a></p>",
            escaped(&line),
            escaped(&url),
            escaped(&url)
        );
        if let Some(at) = html.rfind("<p>") {
            html.insert_str(at, &paragraph);
        }
    }
    mail.links.push(url.clone());
    mail.list_unsubscribe = Some(url);
}

impl NotificationMailer for MailNotifications {
    fn send<'a>(
        &'a self,
        db: &'a Db,
        to: &'a NotifyRecipient,
        notification: &'a NotificationRow,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(async move {
            let mail = self.mail(db, to, notification).await?;
            self.mailer.send(mail).await.map_err(|e| e.to_string())
        })
    }
}
