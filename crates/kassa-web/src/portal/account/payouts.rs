//! Account settings → Payouts: the store's payout schedule, cut-off, next payout and what
//! it is expected to pay, the bank account it goes to, and (Super Admins) changing that
//! account: password and a current code again, then a confirmation link to every Super
//! Admin; the page behind that link confirms it.

use crate::bank_mail;
use crate::shell::extract::{Form, Path, Query};
use crate::shell::i18n::{format_time, Lang};
use crate::shell::session::Member;
use crate::shell::views::{render, NavItem, Page};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kassa_app::auth::AuthRefusal;
use kassa_app::settlements::{self, BankChangeRequest, ConfirmLink, PayoutOverview};
use kassa_app::AppError;
use kassa_core::bank_account::{masked_iban, ChangeStatus, HOLDER_TOO_LONG};
use kassa_core::identity::iban_printed;
use kassa_core::settlement::settlement_zone;
use kassa_core::store_settings::PayoutSchedule;
use kassa_db::BankChangeRow;
use serde::Deserialize;

pub(crate) const PAYOUTS: &str = "/portal/account/payouts";

/// A schedule in words, as the back office says it.
fn schedule_words(lang: Lang, schedule: PayoutSchedule) -> String {
    match schedule {
        PayoutSchedule::Daily => lang.t("ops-payout-daily"),
        PayoutSchedule::Weekly(d) => lang.t_args(
            "ops-payout-weekly-on",
            &[("day", lang.t(&format!("ops-weekday-{}", d.number())))],
        ),
        PayoutSchedule::Monthly(d) => lang.t_args("ops-payout-monthly-on", &[("day", d.to_string())]),
    }
}

/// A change as a row of the page's table.
struct ChangeLine {
    requested: String,
    account: String,
    holder: String,
    status: String,
    badge: &'static str,
}

fn status_words(lang: Lang, change: &BankChangeRow, now: i64) -> (String, &'static str) {
    match change.status {
        ChangeStatus::Pending if change.expires_at <= now => (lang.t("bank-status-expired"), "badge-neutral"),
        ChangeStatus::Pending => (lang.t("bank-status-pending"), "badge-warning"),
        ChangeStatus::Confirmed => (lang.t("bank-status-confirmed"), "badge-success"),
        ChangeStatus::Blocked => (lang.t("bank-status-blocked"), "badge-danger"),
        ChangeStatus::Replaced => (lang.t("bank-status-replaced"), "badge-neutral"),
    }
}

/// The form as typed (never the password or code), to show again after a refusal.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ChangeForm {
    iban: String,
    bic: String,
    account_holder: String,
    current_password: String,
    code: String,
}

#[derive(Template)]
#[template(path = "account_payouts.html")]
struct PayoutsTemplate {
    page: Page,
    tabs: Vec<NavItem>,
    store: String,
    schedule: String,
    cutoff: String,
    next_payout: String,
    held_until: Option<String>,
    expected: Vec<String>,
    iban: String,
    bic: String,
    holder: String,
    pending: Option<String>,
    changes: Vec<ChangeLine>,
    may_change: bool,
    two_factor_on: bool,
    form: ChangeForm,
    error: Option<String>,
    invalid_iban: bool,
    invalid_bic: bool,
    invalid_holder: bool,
}

async fn payouts_page(
    state: &AppState,
    member: &Member,
    notice: Option<&str>,
    form: ChangeForm,
    error: Option<(String, StatusCode, Vec<String>)>,
) -> Result<Response, WebError> {
    let overview: PayoutOverview = settlements::payout_overview(&state.db, &member.actor()).await?;
    let page = Page::member(member, None, "bank-title", PAYOUTS).with_notice(notice);
    let lang = page.lang;
    let tz = &member.user.timezone;
    let now = crate::now_ms();
    let pending = overview.pending.as_ref().map(|p| {
        lang.t_args(
            "bank-pending",
            &[
                ("account", masked_iban(&p.iban)),
                ("holder", p.account_holder.clone()),
                ("until", format_time(p.expires_at, tz)),
            ],
        )
    });
    let changes = overview
        .recent
        .iter()
        .map(|c| {
            let (status, badge) = status_words(lang, c, now);
            ChangeLine {
                requested: format_time(c.requested_at, tz),
                account: masked_iban(&c.iban),
                holder: c.account_holder.clone(),
                status,
                badge,
            }
        })
        .collect();
    let (error, status, fields) = match error {
        Some((e, s, f)) => (Some(e), s, f),
        None => (None, StatusCode::OK, Vec::new()),
    };
    let zone = settlement_zone().iana_name().unwrap_or_default().to_owned();
    let mut res = render(&PayoutsTemplate {
        tabs: super::account_tabs(member, &page, PAYOUTS),
        store: format!("{} ({})", overview.store_name, overview.store_id),
        schedule: schedule_words(lang, overview.schedule),
        cutoff: lang.t_args("bank-cutoff-value", &[("zone", zone.clone())]),
        // The cut-off is stated in the settlement zone: a member elsewhere sees the next
        // payout in that zone too, so nobody has to convert.
        next_payout: if *tz == zone {
            format_time(overview.next_payout_at, tz)
        } else {
            format!(
                "{} ({})",
                format_time(overview.next_payout_at, tz),
                format_time(overview.next_payout_at, &zone)
            )
        },
        held_until: overview.hold_until.map(|h| format_time(h, tz)),
        expected: overview
            .expected
            .iter()
            .map(|e| lang.format_money(e.amount, &e.currency))
            .collect(),
        iban: masked_iban(&overview.iban),
        bic: overview.bic.clone(),
        holder: overview.holder.clone(),
        pending,
        changes,
        may_change: overview.may_change,
        two_factor_on: overview.two_factor_on,
        form: ChangeForm {
            current_password: String::new(),
            code: String::new(),
            ..form
        },
        error,
        invalid_iban: fields.iter().any(|f| f == "iban"),
        invalid_bic: fields.iter().any(|f| f == "bic"),
        invalid_holder: fields.iter().any(|f| f == "account_holder"),
        page,
    });
    *res.status_mut() = status;
    Ok(res)
}

#[derive(Deserialize, Default)]
pub(crate) struct PayoutsQuery {
    done: Option<String>,
}

pub(crate) async fn show(
    State(state): State<AppState>,
    member: Member,
    Query(q): Query<PayoutsQuery>,
) -> Result<Response, WebError> {
    let notice = match q.done.as_deref() {
        Some("requested") => Some("bank-notice-requested"),
        Some("confirmed") => Some("bank-notice-confirmed"),
        _ => None,
    };
    payouts_page(&state, &member, notice, ChangeForm::default(), None).await
}

/// The words of a refused request, its status and the fields it concerns.
fn refusal(lang: Lang, e: AppError) -> Result<(String, StatusCode, Vec<String>), WebError> {
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(match e {
        AppError::Invalid(fields) => {
            let words = fields
                .iter()
                .map(|f| {
                    let label = lang.t(&format!("bank-field-{}", f.field.replace('_', "-")));
                    let reason = if f.message == HOLDER_TOO_LONG {
                        lang.t("bank-error-holder-too-long")
                    } else {
                        lang.t(&format!("ops-error-{}", f.message))
                    };
                    format!("{label}: {reason}")
                })
                .collect::<Vec<_>>()
                .join(" ");
            (words, unprocessable, fields.into_iter().map(|f| f.field).collect())
        }
        AppError::Auth(AuthRefusal::WrongPassword) => (lang.t("account-error-current-password"), unprocessable, vec![]),
        AppError::Auth(AuthRefusal::WrongCode) => (lang.t("two-factor-error-code"), unprocessable, vec![]),
        AppError::Auth(AuthRefusal::TwoFactorOff) => {
            (lang.t("bank-error-two-factor-off"), StatusCode::FORBIDDEN, vec![])
        }
        AppError::Auth(AuthRefusal::Locked) => (lang.t("bank-error-locked"), StatusCode::TOO_MANY_REQUESTS, vec![]),
        AppError::Conflict(_) => (lang.t("bank-error-busy"), StatusCode::CONFLICT, vec![]),
        e => return Err(e.into()),
    })
}

/// Asks for a change: re-authenticated here, then every Super Admin is emailed a link.
pub(crate) async fn request_change(
    State(state): State<AppState>,
    member: Member,
    Form(form): Form<ChangeForm>,
) -> Result<Response, WebError> {
    let cmd = BankChangeRequest {
        iban: &form.iban,
        bic: &form.bic,
        holder: &form.account_holder,
        password: &form.current_password,
        code: &form.code,
    };
    match settlements::request_bank_change(&state.db, &member.actor(), &cmd).await {
        Ok(mails) => {
            for m in &mails {
                let link = state.config.link(&format!("{PAYOUTS}/confirm/{}", m.token));
                bank_mail::send_confirmation(&state, m, link).await;
            }
            Ok(Redirect::to(&format!("{PAYOUTS}?done=requested")).into_response())
        }
        Err(e) => {
            let lang = Lang::from_code(&member.user.language).unwrap_or(Lang::En);
            let error = refusal(lang, e)?;
            payouts_page(&state, &member, None, form, Some(error)).await
        }
    }
}

#[derive(Template)]
#[template(path = "account_bank_confirm.html")]
struct ConfirmTemplate {
    page: Page,
    tabs: Vec<NavItem>,
    /// `None`: the link cannot be used.
    change: Option<ConfirmView>,
    action: String,
}

struct ConfirmView {
    store_id: String,
    old_account: String,
    old_holder: String,
    iban: String,
    bic: String,
    holder: String,
    requested: String,
}

fn confirm_page(member: &Member, token: &str, change: Option<&BankChangeRow>) -> Response {
    let page = Page::member(member, None, "bank-confirm-title", PAYOUTS);
    let tz = &member.user.timezone;
    let change = change.map(|c| ConfirmView {
        store_id: c.store_id.clone(),
        old_account: if c.old_iban.is_empty() {
            String::new()
        } else {
            format!("{} · {}", masked_iban(&c.old_iban), c.old_bic)
        },
        old_holder: c.old_account_holder.clone(),
        iban: iban_printed(&c.iban),
        bic: c.bic.clone(),
        holder: c.account_holder.clone(),
        requested: format_time(c.requested_at, tz),
    });
    let usable = change.is_some();
    let mut res = render(&ConfirmTemplate {
        tabs: super::account_tabs(member, &page, PAYOUTS),
        page,
        change,
        action: format!("{PAYOUTS}/confirm/{token}"),
    });
    if !usable {
        *res.status_mut() = StatusCode::GONE;
    }
    res
}

/// The page behind a confirmation link: the change in full, and the button that makes it.
pub(crate) async fn confirm_show(
    State(state): State<AppState>,
    member: Member,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    Ok(
        match settlements::confirm_link(&state.db, &member.actor(), &token).await? {
            ConfirmLink::Open(change) => confirm_page(&member, &token, Some(&*change)),
            ConfirmLink::Spent => confirm_page(&member, &token, None),
        },
    )
}

pub(crate) async fn confirm(
    State(state): State<AppState>,
    member: Member,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    match settlements::confirm_bank_change(&state.db, &member.actor(), &token).await {
        Ok((_, mails)) => {
            for m in &mails {
                bank_mail::send_changed(&state, m).await;
            }
            Ok(Redirect::to(&format!("{PAYOUTS}?done=confirmed")).into_response())
        }
        Err(AppError::Conflict(_)) => Ok(confirm_page(&member, &token, None)),
        Err(e) => Err(e.into()),
    }
}
