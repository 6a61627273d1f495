//! Bank account changes in the back office (finance): every pending change across merchants
//! and the last days' others, and blocking a pending one — nothing about the store changes,
//! and the Super Admin who asked is told by email.

use super::audit::PROVIDER_TZ;
use super::shell::{Operator, OpsAccess, OpsMenuEntry, OpsRoute, OpsSection};
use crate::bank_mail;
use crate::shell::extract::{Path, Query};
use crate::shell::i18n::{format_time, Lang};
use crate::shell::views::{render, Page};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use kassa_app::settlements::{self, REVIEW_DAYS};
use kassa_app::AppError;
use kassa_core::bank_account::{masked_iban, ChangeStatus};
use kassa_core::ops_access::OpsPermission;
use kassa_db::BankChangeListRow;
use serde::Deserialize;

const LIST: &str = "/ops/bank-changes";

pub(super) fn section() -> OpsSection {
    let finance = OpsAccess::Operator(OpsPermission::ManageFinance);
    OpsSection {
        menu: Some(OpsMenuEntry {
            href: LIST,
            label: "ops-bank-changes-title",
            permission: OpsPermission::ManageFinance,
        }),
        routes: vec![
            OpsRoute::get(LIST, finance, list),
            OpsRoute::post("/ops/bank-changes/{id}/block", finance, block),
        ],
    }
}

/// A change as a row of the list.
struct ChangeLine {
    id: i64,
    requested: String,
    merchant_id: i64,
    merchant: String,
    store_id: String,
    store: String,
    requested_by: String,
    old_account: String,
    new_account: String,
    holder: String,
    status: String,
    badge: &'static str,
    /// Who decided and when, in words.
    decided: String,
    blockable: bool,
}

fn line(lang: Lang, r: &BankChangeListRow, now: i64) -> ChangeLine {
    let c = &r.change;
    let when = |t: Option<i64>| t.map(|t| format_time(t, PROVIDER_TZ)).unwrap_or_default();
    let (status, badge, decided) = match c.status {
        ChangeStatus::Pending if c.expires_at <= now => (
            lang.t("bank-status-expired"),
            "badge-neutral",
            format_time(c.expires_at, PROVIDER_TZ),
        ),
        ChangeStatus::Pending => (
            lang.t("bank-status-pending"),
            "badge-warning",
            lang.t_args(
                "ops-bank-changes-link-until",
                &[("until", format_time(c.expires_at, PROVIDER_TZ))],
            ),
        ),
        ChangeStatus::Confirmed => (
            lang.t("bank-status-confirmed"),
            "badge-success",
            lang.t_args(
                "ops-bank-changes-confirmed-by",
                &[
                    ("who", r.confirmed_by_email.clone().unwrap_or_default()),
                    ("when", when(c.decided_at)),
                    ("until", when(c.hold_until)),
                ],
            ),
        ),
        ChangeStatus::Blocked => (
            lang.t("bank-status-blocked"),
            "badge-danger",
            lang.t_args(
                "ops-bank-changes-blocked-by",
                &[
                    ("who", r.blocked_by_email.clone().unwrap_or_default()),
                    ("when", when(c.decided_at)),
                ],
            ),
        ),
        ChangeStatus::Replaced => (lang.t("bank-status-replaced"), "badge-neutral", when(c.decided_at)),
    };
    ChangeLine {
        id: c.id,
        requested: format_time(c.requested_at, PROVIDER_TZ),
        merchant_id: c.merchant_id,
        merchant: r.merchant_name.clone(),
        store_id: c.store_id.clone(),
        store: r.store_name.clone(),
        requested_by: r.requested_by_email.clone(),
        old_account: if c.old_iban.is_empty() {
            String::new()
        } else {
            format!(
                "{} · {} · {}",
                masked_iban(&c.old_iban),
                c.old_bic,
                c.old_account_holder
            )
        },
        new_account: format!("{} · {}", kassa_core::identity::iban_printed(&c.iban), c.bic),
        holder: c.account_holder.clone(),
        status,
        badge,
        decided,
        blockable: c.status == ChangeStatus::Pending,
    }
}

#[derive(Template)]
#[template(path = "ops/bank_changes.html")]
struct ListTemplate {
    page: Page,
    intro: String,
    changes: Vec<ChangeLine>,
}

#[derive(Deserialize, Default)]
struct ListQuery {
    done: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    operator: Operator,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let notice = match q.done.as_deref() {
        Some("blocked") => Some("ops-bank-changes-blocked"),
        Some("gone") => Some("ops-bank-changes-gone"),
        _ => None,
    };
    let page = operator
        .page(Some(LIST), "ops-bank-changes-title", LIST)
        .with_notice(notice);
    let rows = settlements::bank_changes_for_review(&state.db, &operator.actor()).await?;
    let now = crate::now_ms();
    Ok(render(&ListTemplate {
        intro: page.t_args("ops-bank-changes-intro", &[("days", REVIEW_DAYS.to_string())]),
        changes: rows.iter().map(|r| line(page.lang, r, now)).collect(),
        page,
    }))
}

/// Blocks a pending change; one decided meanwhile (or unknown) is said so on the list.
async fn block(State(state): State<AppState>, operator: Operator, Path(id): Path<i64>) -> Result<Response, WebError> {
    match settlements::block_bank_change(&state.db, &operator.actor(), id).await {
        Ok((_, mail)) => {
            bank_mail::send_blocked(&state, &mail).await;
            Ok(Redirect::to(&format!("{LIST}?done=blocked")).into_response())
        }
        Err(AppError::Conflict(_) | AppError::NotFound(_)) => {
            Ok(Redirect::to(&format!("{LIST}?done=gone")).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
