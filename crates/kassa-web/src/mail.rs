//! Outgoing email: invitations, password resets and sign-in links.
//!
//! With SMTP configured, messages go through lettre (STARTTLS, implicit TLS or plain, with
//! optional credentials). Without it, each message is written as one JSON file to an outbox
//! folder in the data directory, which `kassa mail list` shows, so a local install and the
//! tests work with no mail server at all.

use crate::shell::i18n::Lang;
use crate::WebError;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// How long one SMTP conversation may take before it is given up (and logged).
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// Where mail goes.
#[derive(Debug, Clone)]
pub enum MailConfig {
    /// One JSON file per message in this folder.
    Outbox {
        dir: PathBuf,
    },
    Smtp(SmtpConfig),
}

#[derive(Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The From address, e.g. `Kassa <no-reply@example.com>`.
    pub from: String,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("from", &self.from)
            .finish()
    }
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS (required); usually port 587.
    StartTls,
    /// TLS from the first byte; usually port 465.
    Tls,
    /// No encryption: only for a relay on the same host or network.
    None,
}

impl SmtpTls {
    pub fn default_port(self) -> u16 {
        match self {
            SmtpTls::StartTls => 587,
            SmtpTls::Tls => 465,
            SmtpTls::None => 25,
        }
    }
}

impl FromStr for SmtpTls {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "starttls" => Ok(SmtpTls::StartTls),
            "tls" => Ok(SmtpTls::Tls),
            "none" => Ok(SmtpTls::None),
            other => Err(format!("unknown SMTP TLS mode {other:?}; use starttls, tls or none")),
        }
    }
}

/// One message to send.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    /// The links in the message, so tools and tests need not parse the body.
    pub links: Vec<String>,
    /// The one-click unsubscribe address (RFC 8058): sent as `List-Unsubscribe` with
    /// `List-Unsubscribe-Post: List-Unsubscribe=One-Click`.
    pub list_unsubscribe: Option<String>,
}

/// A message as stored in the outbox.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutboxMessage {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    pub links: Vec<String>,
    /// The `List-Unsubscribe` address, for the messages that have one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_unsubscribe: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// Sends mail as configured; cheap to clone.
#[derive(Clone)]
pub struct Mailer {
    inner: Arc<Transport>,
}

// One per process, behind an Arc: the size of the SMTP variant costs nothing.
#[allow(clippy::large_enum_variant)]
enum Transport {
    Outbox(PathBuf),
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
    },
    /// Settings that cannot work, and why.
    Broken(String),
}

impl Mailer {
    /// The mailer for `config`. Settings that cannot work (run [`Mailer::check`] at startup
    /// to refuse them early) make every send fail with the reason, logged.
    pub fn new(config: &MailConfig) -> Mailer {
        let transport = build(config).unwrap_or_else(|e| Transport::Broken(e.to_string()));
        Mailer {
            inner: Arc::new(transport),
        }
    }

    /// Whether `config` can work: a valid SMTP host name for TLS and a valid From address.
    pub fn check(config: &MailConfig) -> Result<(), WebError> {
        build(config).map(|_| ())
    }
}

fn build(config: &MailConfig) -> Result<Transport, WebError> {
    let smtp = match config {
        MailConfig::Outbox { dir } => return Ok(Transport::Outbox(dir.clone())),
        MailConfig::Smtp(smtp) => smtp,
    };
    let bad_host = |e: lettre::transport::smtp::Error| WebError::Config(format!("SMTP host {}: {e}", smtp.host));
    let builder = match smtp.tls {
        SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host).map_err(bad_host)?,
        SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host).map_err(bad_host)?,
        SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host),
    };
    let mut builder = builder.port(smtp.port).timeout(Some(SMTP_TIMEOUT));
    if let (Some(user), Some(password)) = (&smtp.username, &smtp.password) {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    let from = smtp
        .from
        .parse::<Mailbox>()
        .map_err(|e| WebError::Config(format!("SMTP from address {:?} is not valid: {e}", smtp.from)))?;
    Ok(Transport::Smtp {
        transport: builder.build(),
        from,
    })
}

impl Mailer {
    /// Sends `mail`. The outbox is written before this returns; SMTP delivery runs in the
    /// background with a timeout, so a slow or broken mail server never holds up a page.
    /// Failures are logged with the recipient (never the links, which are secrets).
    pub async fn send(&self, mail: Mail) -> Result<(), WebError> {
        match &*self.inner {
            Transport::Outbox(dir) => {
                let dir = dir.clone();
                let to = mail.to.clone();
                tokio::task::spawn_blocking(move || write_outbox(&dir, &mail))
                    .await
                    .map_err(|e| WebError::Internal(e.to_string()))?
                    .map_err(|e| WebError::Internal(format!("writing mail to {to} into the outbox: {e}")))
            }
            Transport::Broken(reason) => {
                tracing::error!(to = %mail.to, %reason, "cannot send mail: the mail settings do not work");
                Err(WebError::Config(reason.clone()))
            }
            Transport::Smtp { transport, from } => {
                let message = build_message(from, &mail)?;
                let transport = transport.clone();
                let to = mail.to;
                tokio::spawn(async move {
                    match tokio::time::timeout(SMTP_TIMEOUT * 2, transport.send(message)).await {
                        Ok(Ok(_)) => tracing::info!(%to, "mail sent"),
                        Ok(Err(e)) => tracing::error!(%to, error = %e, "sending mail failed"),
                        Err(_) => tracing::error!(%to, "sending mail timed out"),
                    }
                });
                Ok(())
            }
        }
    }
}

fn build_message(from: &Mailbox, mail: &Mail) -> Result<Message, WebError> {
    let to = mail
        .to
        .parse::<Mailbox>()
        .map_err(|e| WebError::BadRequest(format!("{:?} is not a mailbox: {e}", mail.to)))?;
    let mut builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.clone());
    if let Some(url) = &mail.list_unsubscribe {
        builder = builder
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{url}>"),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".to_owned(),
            ));
    }
    let built = match &mail.html {
        Some(html) => builder.multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(mail.text.clone()),
                )
                .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(html.clone())),
        ),
        None => builder.header(ContentType::TEXT_PLAIN).body(mail.text.clone()),
    };
    built.map_err(|e| WebError::Internal(format!("building mail: {e}")))
}

/// Writes the message as `<millis>-<random>.json`, via a temporary file and a rename, so a
/// reader never sees half a message.
fn write_outbox(dir: &Path, mail: &Mail) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let now = jiff::Timestamp::now();
    let stored = OutboxMessage {
        to: mail.to.clone(),
        subject: mail.subject.clone(),
        text: mail.text.clone(),
        html: mail.html.clone(),
        links: mail.links.clone(),
        list_unsubscribe: mail.list_unsubscribe.clone(),
        created_at: now.to_string(),
    };
    let name = format!(
        "{:013}-{}",
        now.as_millisecond(),
        &crate::password::random_token()[..12]
    );
    let tmp = dir.join(format!(".{name}.tmp"));
    let json = serde_json::to_vec_pretty(&stored).map_err(std::io::Error::other)?;
    std::fs::write(&tmp, json)?;
    std::fs::rename(&tmp, dir.join(format!("{name}.json")))
}

/// Every message in the outbox, oldest first. A missing folder is an empty outbox.
pub fn read_outbox(dir: &Path) -> std::io::Result<Vec<OutboxMessage>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut names: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "json")
                && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    names.sort();
    names
        .iter()
        .map(|p| {
            let bytes = std::fs::read(p)?;
            serde_json::from_slice(&bytes)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{}: {e}", p.display())))
        })
        .collect()
}

/// Composes a message from translated paragraphs; a paragraph may be followed by a link on a
/// line of its own. The HTML part is the same text, escaped, with the link clickable.
pub(crate) fn compose(lang: Lang, to: &str, subject: String, paragraphs: Vec<(String, Option<String>)>) -> Mail {
    let mut text = String::new();
    let mut html = String::from("<!doctype html><html lang=\"");
    html.push_str(lang.code());
    html.push_str("\"><body>");
    let mut links = Vec::new();
    for (paragraph, link) in paragraphs {
        text.push_str(&paragraph);
        html.push_str("<p>");
        html.push_str(&escape(&paragraph));
        if let Some(link) = link {
            text.push('\n');
            text.push_str(&link);
            html.push_str("<br><a href=\"");
            html.push_str(&escape(&link));
            html.push_str("\">");
            html.push_str(&escape(&link));
            html.push_str("</a>");
            links.push(link);
        }
        html.push_str("</p>");
        text.push_str("\n\n");
    }
    text.push_str(&lang.t("mail-signature"));
    text.push('\n');
    html.push_str("<p>");
    html.push_str(&escape(&lang.t("mail-signature")));
    html.push_str("</p></body></html>");
    Mail {
        to: to.to_owned(),
        subject,
        text,
        html: Some(html),
        links,
        list_unsubscribe: None,
    }
}

/// The invitation email, in the invitee's language. A `new_account` chooses a password
/// through the link; an existing account only accepts.
fn invitation_mail(
    lang: Lang,
    to: &str,
    inviter: &str,
    merchant: &str,
    link: String,
    expires: String,
    new_account: bool,
) -> Mail {
    let args = |extra: &[(&'static str, String)]| {
        let mut a = vec![("inviter", inviter.to_owned()), ("merchant", merchant.to_owned())];
        a.extend_from_slice(extra);
        a
    };
    compose(
        lang,
        to,
        lang.t_args("mail-invitation-subject", &args(&[])),
        vec![
            (lang.t_args("mail-invitation-body", &args(&[])), None),
            (
                lang.t(if new_account {
                    "mail-invitation-action"
                } else {
                    "mail-invitation-existing-action"
                }),
                Some(link),
            ),
            (lang.t_args("mail-invitation-expiry", &[("expires", expires)]), None),
            (lang.t("mail-ignore"), None),
        ],
    )
}

/// Who sends an invitation, as its email names them.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Inviter<'a> {
    /// A merchant's admin, by name.
    Person(&'a str),
    /// The provider's staff (the back office): "Kassa support" in the invitee's language,
    /// as merchants see operators everywhere.
    KassaSupport,
}

/// Writes and sends the invitation email of `sent` (from `kassa_app::team`): the link to
/// `/portal/invitation/{token}`, its expiry in `timezone` (the inviter's: the invitee's is
/// theirs to know), in the invitee's language.
pub(crate) async fn send_invitation(
    state: &crate::AppState,
    sent: &kassa_app::team::InvitationMail,
    inviter: Inviter<'_>,
    merchant: &str,
    timezone: &str,
) -> Result<(), WebError> {
    let lang = Lang::from_code(&sent.language).unwrap_or(Lang::En);
    let link = state.config.link(&format!("/portal/invitation/{}", sent.token));
    let expires = crate::shell::i18n::format_time(sent.expires_at, timezone);
    let inviter = match inviter {
        Inviter::Person(name) => name.to_owned(),
        Inviter::KassaSupport => lang.t("audit-actor-kassa-support"),
    };
    let mail = invitation_mail(lang, &sent.to, &inviter, merchant, link, expires, sent.new_account);
    state.mailer.send(mail).await
}

/// Tells the owner of an account that it was just locked after too many failed sign-ins,
/// in their language: the sign-in page answers a locked account exactly as an unknown email
/// (so it reveals no account), which leaves this message as the owner's only notice.
/// `reset_link` is the password-reset form, not a reset token: the mail is sent because of
/// someone else's guesses and must not carry anything that opens the account.
pub(crate) fn account_locked_mail(lang: Lang, to: &str, unlocks_at: String, reset_link: String) -> Mail {
    compose(
        lang,
        to,
        lang.t("mail-locked-subject"),
        vec![
            (lang.t_args("mail-locked-body", &[("until", unlocks_at)]), None),
            (lang.t("mail-locked-reset"), Some(reset_link)),
            (lang.t("mail-locked-was-you"), None),
        ],
    )
}

/// An operator's back-office account was locked: there is no self-service reset for
/// operators, so the email says whom to ask.
pub(crate) fn operator_locked_mail(lang: Lang, to: &str, unlocks_at: String, sign_in_link: String) -> Mail {
    compose(
        lang,
        to,
        lang.t("mail-ops-locked-subject"),
        vec![
            (lang.t_args("mail-ops-locked-body", &[("until", unlocks_at)]), None),
            (lang.t("mail-ops-locked-not-you"), Some(sign_in_link)),
        ],
    )
}

/// Tells a merchant user, in their language, that the provider reset their two-factor (they
/// had lost their authenticator and recovery codes): they set it up again at their next
/// sign-in. The link is the sign-in page, nothing that opens the account.
pub(crate) fn two_factor_reset_mail(lang: Lang, to: &str, sign_in_link: String) -> Mail {
    compose(
        lang,
        to,
        lang.t("mail-two-factor-reset-subject"),
        vec![
            (lang.t("mail-two-factor-reset-body"), None),
            (lang.t("mail-two-factor-reset-action"), Some(sign_in_link)),
            (lang.t("mail-two-factor-reset-not-you"), None),
        ],
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outbox_round_trips_and_lists_oldest_first() {
        let dir = tempfile::tempdir().unwrap();
        for n in 0..3 {
            let mail = compose(
                Lang::En,
                &format!("n{n}@example.com"),
                format!("Subject {n}"),
                vec![(
                    "Hello <there> & welcome".into(),
                    Some(format!("https://kassa.test/x/{n}")),
                )],
            );
            write_outbox(dir.path(), &mail).unwrap();
            std::thread::sleep(Duration::from_millis(2));
        }
        let all = read_outbox(dir.path()).unwrap();
        assert_eq!(all.len(), 3);
        assert_eq!(all[0].to, "n0@example.com");
        assert_eq!(all[2].links, vec!["https://kassa.test/x/2".to_owned()]);
        assert!(all[0].text.contains("Hello <there> & welcome\nhttps://kassa.test/x/0"));
        assert!(all[0]
            .html
            .as_deref()
            .unwrap()
            .contains("Hello &lt;there&gt; &amp; welcome"));
        assert!(read_outbox(&dir.path().join("missing")).unwrap().is_empty());
    }

    #[test]
    fn smtp_messages_build_with_both_parts() {
        let mail = compose(Lang::Sv, "a@example.com", "Ämne".into(), vec![("Hej".into(), None)]);
        let from: Mailbox = "Kassa <no-reply@example.com>".parse().unwrap();
        let message = build_message(&from, &mail).unwrap();
        let raw = String::from_utf8(message.formatted()).unwrap();
        assert!(raw.contains("multipart/alternative"));
        assert!(raw.contains("To: a@example.com"));
        assert!(!raw.contains("List-Unsubscribe"));
        let mail = Mail {
            list_unsubscribe: Some("https://kassa.test/portal/unsubscribe/t".into()),
            ..mail
        };
        let raw = String::from_utf8(build_message(&from, &mail).unwrap().formatted()).unwrap();
        assert!(raw.contains("List-Unsubscribe: <https://kassa.test/portal/unsubscribe/t>"));
        assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
    }

    #[tokio::test]
    async fn unusable_settings_are_refused_at_startup_and_fail_sends() {
        let config = MailConfig::Smtp(SmtpConfig {
            host: "smtp.example.com".into(),
            port: 587,
            tls: SmtpTls::StartTls,
            username: None,
            password: Some("secret".into()),
            from: "not a mailbox".into(),
        });
        assert!(Mailer::check(&config).is_err());
        assert!(
            !format!("{config:?}").contains("secret"),
            "the password is never printed"
        );
        let mail = compose(Lang::En, "a@example.com", "S".into(), vec![]);
        assert!(Mailer::new(&config).send(mail).await.is_err());
    }

    #[test]
    fn tls_modes_parse() {
        assert_eq!("starttls".parse::<SmtpTls>(), Ok(SmtpTls::StartTls));
        assert_eq!("tls".parse::<SmtpTls>().unwrap().default_port(), 465);
        assert!("ssl3".parse::<SmtpTls>().is_err());
    }
}
