//! The operator audit log: every operator action across merchants, filterable by operator,
//! merchant, action and dates, paged by id. Audit events are never purged, so it reaches
//! back as far as the installation (at least the 12 months the provider must keep).

use super::shell::{Operator, OpsAccess, OpsRoute, OpsSection};
use crate::shell::extract::Query;
use crate::shell::i18n::{format_time, Lang};
use crate::shell::views::{render, Page};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use kassa_app::dates::{day_end, day_start};
use kassa_app::operators as ops;
use kassa_core::audit::AuditAction;
use kassa_core::ops_access::OpsPermission;
use kassa_db::{AuditRow, OperatorAuditFilter};
use serde::Deserialize;

/// The provider's own timezone: operator pages show times in it.
pub(super) const PROVIDER_TZ: &str = "Europe/Stockholm";
const PAGE_SIZE: i64 = 50;

pub(super) fn section() -> OpsSection {
    OpsSection {
        menu: Some(super::shell::OpsMenuEntry {
            href: "/ops/audit",
            label: "ops-audit-title",
            permission: OpsPermission::ViewOperatorAudit,
        }),
        routes: vec![OpsRoute::get(
            "/ops/audit",
            OpsAccess::Operator(OpsPermission::ViewOperatorAudit),
            audit_log,
        )],
    }
}

/// One audit event as a row of the back office's tables.
pub(super) struct EventLine {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub merchant: String,
    pub ip: String,
    pub before: String,
    pub after: String,
}

/// `{"role":"finance","status":"active"}` as `role: finance · status: active`.
fn words(json: Option<&str>) -> String {
    let Some(value) = json.and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok()) else {
        return json.unwrap_or_default().to_owned();
    };
    match value {
        serde_json::Value::Object(map) => map
            .iter()
            .map(|(k, v)| format!("{k}: {}", value_words(v)))
            .collect::<Vec<_>>()
            .join(" · "),
        other => value_words(&other),
    }
}

/// A value inside an audit event in words: nested objects and lists (a payout run's
/// payouts) as `key value, …` and `…; …`, so a long one wraps instead of being one token.
fn value_words(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) => items.iter().map(value_words).collect::<Vec<_>>().join("; "),
        serde_json::Value::Object(map) => map
            .iter()
            .map(|(k, v)| format!("{k} {}", value_words(v)))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

/// What operators do, in the order the filter offers it.
const OPS_ACTIONS: &[AuditAction] = &[
    AuditAction::OperatorSignIn,
    AuditAction::OperatorSignOut,
    AuditAction::OperatorSignInFailed,
    AuditAction::OperatorLocked,
    AuditAction::OperatorTwoFactorEnabled,
    AuditAction::OperatorCreated,
    AuditAction::OperatorUpdated,
    AuditAction::MerchantCreated,
    AuditAction::MerchantUpdated,
    AuditAction::MerchantSuspended,
    AuditAction::MerchantReinstated,
    AuditAction::StoreCreated,
    AuditAction::StoreUpdated,
    AuditAction::UserInvited,
    AuditAction::InvitationResent,
    AuditAction::UserDeactivated,
    AuditAction::UserReactivated,
    AuditAction::TwoFactorReset,
    AuditAction::DisputeOpened,
    AuditAction::DisputeQuestionAsked,
    AuditAction::DisputeDecided,
    AuditAction::DisputeWithdrawn,
];

/// An action in words (`audit-action-<code>`); one without words shows its code.
pub(super) fn action_words(lang: Lang, action: AuditAction) -> String {
    if action.listed() || OPS_ACTIONS.contains(&action) {
        lang.t(&format!("audit-action-{}", action.code().replace('_', "-")))
    } else {
        action.code().to_owned()
    }
}

pub(super) fn event_lines(lang: Lang, rows: &[AuditRow]) -> Vec<EventLine> {
    rows.iter()
        .map(|r| EventLine {
            at: format_time(r.at, PROVIDER_TZ),
            actor: r.actor.clone(),
            action: action_words(lang, r.action),
            subject: r.subject.clone(),
            merchant: r.merchant_id.map(|m| m.to_string()).unwrap_or_default(),
            ip: r.ip.clone(),
            before: words(r.before_json.as_deref()),
            after: words(r.after_json.as_deref()),
        })
        .collect()
}

#[derive(Deserialize, Default)]
struct AuditQuery {
    operator: Option<String>,
    merchant: Option<String>,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<i64>,
}

struct Choice {
    value: String,
    label: String,
}

#[derive(Template)]
#[template(path = "ops/audit.html")]
struct AuditTemplate {
    page: Page,
    events: Vec<EventLine>,
    operators: Vec<Choice>,
    actions: Vec<Choice>,
    operator: String,
    merchant: String,
    action: String,
    from: String,
    to: String,
    error: Option<String>,
    older: Option<String>,
}

fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

async fn audit_log(
    State(state): State<AppState>,
    operator: Operator,
    Query(q): Query<AuditQuery>,
) -> Result<Response, WebError> {
    let actor = operator.actor();
    let page = operator.page(Some("/ops/audit"), "ops-audit-title", "/ops/audit");
    let lang = page.lang;
    let mut error = None;
    let mut bad = |key: &str| error = Some(lang.t(key));
    let operator_id = non_empty(&q.operator).and_then(|v| v.parse().map_err(|_| bad("ops-audit-error-filter")).ok());
    let merchant_id = non_empty(&q.merchant).and_then(|v| v.parse().map_err(|_| bad("ops-audit-error-filter")).ok());
    let action =
        non_empty(&q.action).and_then(|v| v.parse::<AuditAction>().map_err(|_| bad("ops-audit-error-filter")).ok());
    let from_ms = non_empty(&q.from).and_then(|d| {
        day_start(d, PROVIDER_TZ).or_else(|| {
            bad("ops-audit-error-date");
            None
        })
    });
    let until_ms = non_empty(&q.to).and_then(|d| {
        day_end(d, PROVIDER_TZ).or_else(|| {
            bad("ops-audit-error-date");
            None
        })
    });
    let filter = OperatorAuditFilter {
        operator_id,
        merchant_id,
        action,
        from_ms,
        until_ms,
        before_id: q.before,
    };
    let rows = ops::operator_audit(&state.db, &actor, &filter, PAGE_SIZE + 1).await?;
    let older = (rows.len() as i64 > PAGE_SIZE).then(|| {
        let last = rows[PAGE_SIZE as usize - 1].id;
        let mut query = vec![("before", last.to_string())];
        for (k, v) in [
            ("operator", &q.operator),
            ("merchant", &q.merchant),
            ("action", &q.action),
            ("from", &q.from),
            ("to", &q.to),
        ] {
            if let Some(v) = non_empty(v) {
                query.push((k, v.to_owned()));
            }
        }
        format!("/ops/audit?{}", serde_urlencoded::to_string(&query).unwrap_or_default())
    });
    let rows = &rows[..rows.len().min(PAGE_SIZE as usize)];
    let operators = ops::operators(&state.db, &actor)
        .await?
        .into_iter()
        .map(|o| Choice {
            value: o.id.to_string(),
            label: format!("{} ({})", o.name, o.email),
        })
        .collect();
    let actions = OPS_ACTIONS
        .iter()
        .map(|a| Choice {
            value: a.code().to_owned(),
            label: action_words(lang, *a),
        })
        .collect();
    Ok(render(&AuditTemplate {
        events: event_lines(lang, rows),
        page,
        operators,
        actions,
        operator: q.operator.unwrap_or_default(),
        merchant: q.merchant.unwrap_or_default(),
        action: q.action.unwrap_or_default(),
        from: q.from.unwrap_or_default(),
        to: q.to.unwrap_or_default(),
        error,
        older,
    }))
}

#[cfg(test)]
mod tests {
    use super::words;

    #[test]
    fn nested_audit_values_read_as_words() {
        assert_eq!(
            words(Some(r#"{"role":"finance","status":"active"}"#)),
            "role: finance · status: active"
        );
        assert_eq!(
            words(Some(
                r#"{"payouts":[{"currency":"SEK","payment_reference":"ABC"},{"currency":"EUR","payment_reference":"DEF"}],"store_id":"M1"}"#
            )),
            "payouts: currency SEK, payment_reference ABC; currency EUR, payment_reference DEF · store_id: M1"
        );
        assert_eq!(words(Some("not json")), "not json");
    }
}
