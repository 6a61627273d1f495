//! Disputes in the back office: every merchant's disputes (filters by stage, reason,
//! deadline and merchant, most urgent first), one dispute with its whole exchange and files,
//! and — for operators who handle disputes (`ManageDisputes`: risk, ops_admin) — its forms:
//! ask a question, decide won or lost, withdraw; opening one is in `dispute_forms`. Any
//! operator who may look at merchants reads them. Times are the provider's.

use super::audit::PROVIDER_TZ;
use super::dispute_forms;
use super::shell::{Operator, OpsAccess, OpsMenuEntry, OpsRoute, OpsSection};
use crate::portal::disputes::thread::{thread, Facts, MessageView};
use crate::portal::disputes::words::{field_label, reason_label, stage_badge, REQUESTED_FIELDS};
use crate::portal::disputes::{download, RowView};
use crate::shell::extract::{Path, Query};
use crate::shell::session::urlencode;
use crate::shell::views::{render, Page};
use crate::{now_ms, AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use kassa_app::dates::day_start;
use kassa_app::disputes::{self, DisputeFilter};
use kassa_core::dispute::{Dispute, Reason, Stage};
use kassa_core::ops_access::OpsPermission;
use serde::Deserialize;

const PAGE_SIZE: i64 = 50;

pub(super) fn section() -> OpsSection {
    let view = OpsAccess::Operator(OpsPermission::ViewMerchants);
    let manage = OpsAccess::Operator(OpsPermission::ManageDisputes);
    OpsSection {
        menu: Some(OpsMenuEntry {
            href: "/ops/disputes",
            label: "ops-disputes-title",
            permission: OpsPermission::ViewMerchants,
        }),
        routes: vec![
            OpsRoute::get("/ops/disputes", view, list),
            OpsRoute::get("/ops/disputes/new", manage, dispute_forms::new),
            OpsRoute::post("/ops/disputes/new", manage, dispute_forms::create),
            OpsRoute::get("/ops/disputes/{dispute}", view, show),
            OpsRoute::get("/ops/disputes/{dispute}/attachments/{attachment}", view, attachment),
            OpsRoute::post("/ops/disputes/{dispute}/ask", manage, dispute_forms::ask),
            OpsRoute::post("/ops/disputes/{dispute}/decide", manage, dispute_forms::decide),
            OpsRoute::post("/ops/disputes/{dispute}/withdraw", manage, dispute_forms::withdraw),
        ],
    }
}

/// One option of a filter's select box.
pub(super) struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    stage: String,
    #[serde(default)]
    reason: String,
    /// YYYY-MM-DD: deadlines before the start of that day (the provider's).
    #[serde(default)]
    before: String,
    /// A merchant's number.
    #[serde(default)]
    merchant: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: String,
}

impl ListQuery {
    fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("stage", self.stage.as_str()),
            ("reason", self.reason.as_str()),
            ("before", self.before.as_str()),
            ("merchant", self.merchant.as_str()),
            ("q", self.q.as_str()),
        ]
        .into_iter()
        .map(|(k, v)| (k, v.trim()))
        .filter(|(_, v)| !v.is_empty())
        .collect()
    }

    fn link(&self, page: i64) -> String {
        let mut pairs: Vec<String> = self
            .pairs()
            .into_iter()
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect();
        if page > 1 {
            pairs.push(format!("page={page}"));
        }
        if pairs.is_empty() {
            "/ops/disputes".to_owned()
        } else {
            format!("/ops/disputes?{}", pairs.join("&"))
        }
    }
}

/// A dispute as a row of the back office's list: the portal's row, and its store.
struct Line {
    row: RowView,
    store_id: String,
    opened: String,
}

#[derive(Template)]
#[template(path = "ops/disputes.html")]
struct ListTemplate {
    page: Page,
    stages: Vec<Choice>,
    reasons: Vec<Choice>,
    before: String,
    merchant: String,
    q: String,
    /// Filters that could not be read, in words.
    problems: Vec<String>,
    lines: Vec<Line>,
    total: i64,
    previous: Option<String>,
    next: Option<String>,
    can_open: bool,
}

async fn list(
    State(state): State<AppState>,
    operator: Operator,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let number = q.page.trim().parse::<i64>().ok().filter(|p| *p >= 1).unwrap_or(1);
    let here = q.link(number);
    let page = operator.page(Some("/ops/disputes"), "ops-disputes-title", &here);
    let lang = page.lang;
    let mut problems = Vec::new();
    let stage = q.stage.parse::<Stage>().ok();
    let reason = q.reason.parse::<Reason>().ok();
    let before = match q.before.trim() {
        "" => None,
        date => day_start(date, PROVIDER_TZ).or_else(|| {
            problems.push(lang.t("ops-disputes-bad-date"));
            None
        }),
    };
    let merchant = match q.merchant.trim() {
        "" => None,
        m => m.parse::<i64>().ok().or_else(|| {
            problems.push(lang.t("ops-disputes-bad-merchant"));
            None
        }),
    };
    let filter = DisputeFilter {
        stages: stage.into_iter().collect(),
        reason,
        deadline_before: before,
        search: Some(q.q.trim().to_owned()).filter(|s| !s.is_empty()),
        merchant_id: merchant,
        ..DisputeFilter::default()
    };
    let offset = (number - 1) * PAGE_SIZE;
    let (rows, total) = if problems.is_empty() {
        disputes::disputes(&state.db, &operator.actor(), &filter, offset, PAGE_SIZE).await?
    } else {
        (Vec::new(), 0)
    };
    let now = now_ms();
    let lines: Vec<Line> = rows
        .iter()
        .map(|r| Line {
            row: RowView::of(r, &page, PROVIDER_TZ, now),
            store_id: r.dispute.store_id.clone(),
            opened: crate::shell::i18n::format_time(r.dispute.opened_at, PROVIDER_TZ),
        })
        .collect();
    let stages = Stage::ALL
        .into_iter()
        .map(|s| Choice {
            value: s.code().to_owned(),
            label: stage_badge(lang, s, None).0,
            selected: stage == Some(s),
        })
        .collect();
    let reasons = reason_options(lang, reason);
    let shown = lines.len() as i64;
    let refused = !problems.is_empty();
    let mut res = render(&ListTemplate {
        stages,
        reasons,
        before: q.before.clone(),
        merchant: q.merchant.clone(),
        q: q.q.clone(),
        problems,
        lines,
        total,
        previous: (number > 1).then(|| q.link(number - 1)),
        next: (offset + shown < total).then(|| q.link(number + 1)),
        can_open: operator.allows(OpsPermission::ManageDisputes),
        page,
    });
    if refused {
        *res.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(res)
}

/// The reasons as a select box's options, `chosen` selected.
pub(super) fn reason_options(lang: crate::shell::i18n::Lang, chosen: Option<Reason>) -> Vec<Choice> {
    Reason::ALL
        .into_iter()
        .map(|r| Choice {
            value: r.code().to_owned(),
            label: reason_label(lang, r),
            selected: chosen == Some(r),
        })
        .collect()
}

/// What the dispute page's forms show: after a refusal, what was typed and why.
#[derive(Default)]
pub(super) struct Forms {
    pub question: String,
    /// The requested fields ticked.
    pub fields: Vec<String>,
    pub ask_error: Option<String>,
    pub note: String,
    pub decide_error: Option<String>,
    pub withdraw_error: Option<String>,
}

/// A requested field as a checkbox of the question form.
struct FieldBox {
    code: &'static str,
    label: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "ops/dispute.html")]
struct DisputeTemplate {
    page: Page,
    d: Facts,
    order_href: String,
    merchant_id: i64,
    merchant_name: String,
    messages: Vec<MessageView>,
    /// The operator may change disputes (risk, ops_admin).
    can_manage: bool,
    can_ask: bool,
    can_decide: bool,
    can_withdraw: bool,
    field_boxes: Vec<FieldBox>,
    forms: Forms,
}

/// The dispute page; `forms` after a refusal, with `status`.
pub(super) async fn dispute_page(
    state: &AppState,
    operator: &Operator,
    id: &str,
    notice: Option<&str>,
    forms: Forms,
    status: StatusCode,
) -> Result<Response, WebError> {
    let actor = operator.actor();
    let view = disputes::dispute(&state.db, &actor, id).await?;
    let store = kassa_app::ops::store_detail(&state.db, &actor, &view.dispute.store_id).await?;
    let merchant = kassa_app::ops::merchant_detail(&state.db, &actor, store.store.merchant_id).await?;
    let here = format!("/ops/disputes/{id}");
    let mut page = operator
        .page(Some("/ops/disputes"), "dispute-title", &here)
        .with_notice(notice);
    page.title = format!("{} {id} · {}", page.title, merchant.legal_name);
    let lang = page.lang;
    let now = now_ms();
    let d = &view.dispute;
    let rules = Dispute {
        reason: d.reason,
        stage: d.stage,
        outcome: d.outcome(),
        amount: d.amount,
        deadline: d.deadline_at,
    };
    let field_boxes = REQUESTED_FIELDS
        .into_iter()
        .map(|code| FieldBox {
            code,
            label: field_label(lang, code),
            checked: forms.fields.iter().any(|f| f == code),
        })
        .collect();
    let mut res = render(&DisputeTemplate {
        order_href: format!("/ops/merchants/{}/orders/{}", merchant.id, d.order_id),
        merchant_id: merchant.id,
        merchant_name: merchant.legal_name.clone(),
        messages: thread(&view, lang, PROVIDER_TZ, true, &format!("{here}/attachments")),
        can_manage: operator.allows(OpsPermission::ManageDisputes),
        can_ask: rules.request(now).is_ok(),
        can_decide: rules.decide(true).is_ok(),
        can_withdraw: rules.withdraw().is_ok(),
        field_boxes,
        forms,
        d: Facts::of(&view, lang, PROVIDER_TZ, now),
        page,
    });
    *res.status_mut() = status;
    Ok(res)
}

#[derive(Deserialize, Default)]
struct NoticeQuery {
    notice: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    operator: Operator,
    Path(id): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let notice = q.notice.as_deref().map(|n| match n {
        "opened" => "ops-dispute-done-opened",
        "asked" => "ops-dispute-done-asked",
        "decided" => "ops-dispute-done-decided",
        "withdrawn" => "ops-dispute-done-withdrawn",
        _ => "dispute-done",
    });
    dispute_page(&state, &operator, &id, notice, Forms::default(), StatusCode::OK).await
}

/// A file of the dispute, for operators as for the merchant.
async fn attachment(
    State(state): State<AppState>,
    operator: Operator,
    Path((id, attachment_id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let (row, bytes) = disputes::attachment(&state.db, &state.objects, &operator.actor(), &id, &attachment_id).await?;
    Ok(download(&row, bytes))
}
