//! The emails of a bank account change: the confirmation link to each Super Admin of the
//! merchant, the notice to each of them once it took effect, and the notice to whoever asked
//! when the provider blocked it. Each in its recipient's language; a failed send is logged,
//! as the change is stored already.

use crate::mail::{compose, Mail};
use crate::shell::i18n::{format_time, Lang};
use crate::AppState;
use kassa_app::settlements::{BlockedMail, ChangedMail, ConfirmMail};

pub(crate) fn confirmation_mail(lang: Lang, m: &ConfirmMail, link: String) -> Mail {
    let args = vec![
        ("store", format!("{} ({})", m.store_name, m.store_id)),
        ("requester", m.requested_by.clone()),
        ("account", m.masked_iban.clone()),
        ("holder", m.holder.clone()),
    ];
    compose(
        lang,
        &m.to,
        lang.t_args("mail-bank-confirm-subject", &args),
        vec![
            (lang.t_args("mail-bank-confirm-body", &args), None),
            (lang.t("mail-bank-confirm-action"), Some(link)),
            (
                lang.t_args(
                    "mail-bank-confirm-expiry",
                    &[("expires", format_time(m.expires_at, &m.timezone))],
                ),
                None,
            ),
            (lang.t("mail-bank-confirm-not-you"), None),
        ],
    )
}

pub(crate) async fn send_confirmation(state: &AppState, m: &ConfirmMail, link: String) {
    let lang = Lang::from_code(&m.language).unwrap_or(Lang::En);
    if let Err(e) = state.mailer.send(confirmation_mail(lang, m, link)).await {
        tracing::error!(error = %e, to = %m.to, "the bank account confirmation email was not sent");
    }
}

pub(crate) fn changed_mail(lang: Lang, m: &ChangedMail, link: String) -> Mail {
    let args = vec![
        ("store", m.store_id.clone()),
        ("account", m.masked_iban.clone()),
        ("holder", m.holder.clone()),
        ("confirmer", m.confirmed_by.clone()),
        ("until", format_time(m.held_until, &m.timezone)),
    ];
    compose(
        lang,
        &m.to,
        lang.t_args("mail-bank-changed-subject", &args),
        vec![
            (lang.t_args("mail-bank-changed-body", &args), None),
            (lang.t("mail-bank-blocked-action"), Some(link)),
        ],
    )
}

pub(crate) async fn send_changed(state: &AppState, m: &ChangedMail) {
    let lang = Lang::from_code(&m.language).unwrap_or(Lang::En);
    let link = state.config.link("/portal/account/payouts");
    if let Err(e) = state.mailer.send(changed_mail(lang, m, link)).await {
        tracing::error!(error = %e, to = %m.to, "the bank account changed email was not sent");
    }
}

pub(crate) fn blocked_mail(lang: Lang, m: &BlockedMail, link: String) -> Mail {
    let args = vec![("store", m.store_id.clone()), ("account", m.masked_iban.clone())];
    compose(
        lang,
        &m.to,
        lang.t_args("mail-bank-blocked-subject", &args),
        vec![
            (lang.t_args("mail-bank-blocked-body", &args), None),
            (lang.t("mail-bank-blocked-action"), Some(link)),
        ],
    )
}

pub(crate) async fn send_blocked(state: &AppState, m: &BlockedMail) {
    let lang = Lang::from_code(&m.language).unwrap_or(Lang::En);
    let link = state.config.link("/portal/account/payouts");
    if let Err(e) = state.mailer.send(blocked_mail(lang, m, link)).await {
        tracing::error!(error = %e, to = %m.to, "the blocked bank account change email was not sent");
    }
}
