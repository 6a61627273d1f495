//! Custom reports: the form (transactions or payouts summary, a date range of at most 12
//! months, CSV or PDF), the store's reports with who made them and how far each is, and
//! the download of a ready one (for 30 days). The file is made by a background job
//! (`crate::report_maker`); the list refreshes without JavaScript through its "Refresh"
//! link, and app.js refreshes it in place while a report is being made.

use super::downloads::attachment;
use crate::shell::extract::{Form, Path, Query};
use crate::shell::i18n::{format_time, Lang};
use crate::shell::session::Member;
use crate::shell::views::{render, Page};
use crate::{now_ms, AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kassa_app::settlements::{self, ReportRequest};
use kassa_app::AppError;
use kassa_core::access::Section;
use kassa_db::ReportRow;
use serde::Deserialize;

/// One report of the list.
struct ReportLine {
    id: i64,
    kind: String,
    format: String,
    range: String,
    by: String,
    created: String,
    status: &'static str,
    status_label: String,
    badge: &'static str,
    progress: i64,
    size: String,
    download: bool,
    /// Until when it can be downloaded, or that it has expired.
    availability: String,
}

/// A size as people read it: `84 kB`, `3,2 MB` (the language's decimal sign).
fn size_text(lang: Lang, bytes: Option<i64>) -> String {
    let Some(bytes) = bytes else {
        return String::new();
    };
    if bytes < 1_000_000 {
        return format!("{} kB", (bytes + 999) / 1000);
    }
    let tenths = (bytes + 50_000) / 100_000;
    let decimal = if lang == Lang::En { "." } else { "," };
    format!("{}{decimal}{} MB", tenths / 10, tenths % 10)
}

fn line(lang: Lang, r: &ReportRow, tz: &str, now: i64) -> ReportLine {
    let download = settlements::downloadable(r, now);
    let expired = r.status == "ready" && !download;
    let (status, badge) = match r.status.as_str() {
        "ready" if expired => ("expired", "badge-neutral"),
        "ready" => ("ready", "badge-success"),
        "failed" => ("failed", "badge-danger"),
        "running" => ("running", "badge-info"),
        _ => ("queued", "badge-warning"),
    };
    ReportLine {
        id: r.id,
        kind: lang.t(&format!("settlements-report-kind-{}", r.kind.replace('_', "-"))),
        format: r.format.to_uppercase(),
        range: format!("{} – {}", super::day(r.date_from, tz), super::day(r.date_to - 1, tz)),
        by: r.created_by_name.clone(),
        created: format_time(r.created_at, tz),
        status,
        status_label: lang.t(&format!("settlements-report-status-{status}")),
        badge,
        progress: r.progress,
        size: size_text(lang, r.size_bytes),
        availability: if download {
            lang.t_args("settlements-report-until", &[("time", format_time(r.expires_at, tz))])
        } else if expired {
            lang.t("settlements-report-expired")
        } else {
            String::new()
        },
        download,
    }
}

/// What the form shows: what was typed, or the defaults (the last 30 days).
#[derive(Debug, Deserialize, Default, Clone)]
pub(crate) struct ReportForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    format: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ReportsTemplate {
    page: Page,
    tab: &'static str,
    can_manage_reports: bool,
    form: ReportForm,
    errors: Vec<(String, String)>,
    reports: Vec<ReportLine>,
    /// A report is still being made: the list refreshes.
    busy: bool,
}

impl ReportsTemplate {
    fn has_error(&self, field: &str) -> bool {
        self.errors.iter().any(|(f, _)| f == field)
    }
}

async fn reports_page(
    state: &AppState,
    member: &Member,
    form: ReportForm,
    errors: Vec<(String, String)>,
    notice: Option<&str>,
) -> Result<Response, WebError> {
    let rows = settlements::reports(&state.db, &member.actor()).await?;
    let page = Page::member(
        member,
        Some(Section::Settlements),
        "settlements-reports-title",
        "/portal/settlements/reports",
    )
    .with_notice(notice);
    let (lang, tz, now) = (page.lang, member.user.timezone.as_str(), now_ms());
    let refused = !errors.is_empty();
    let mut res = render(&ReportsTemplate {
        tab: "reports",
        can_manage_reports: true,
        busy: rows.iter().any(|r| matches!(r.status.as_str(), "queued" | "running")),
        reports: rows.iter().map(|r| line(lang, r, tz, now)).collect(),
        form,
        errors,
        page,
    });
    if refused {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

#[derive(Deserialize, Default)]
pub(crate) struct DoneQuery {
    done: Option<String>,
}

pub(crate) async fn list(
    State(state): State<AppState>,
    member: Member,
    Query(q): Query<DoneQuery>,
) -> Result<Response, WebError> {
    let tz = member.user.timezone.clone();
    let today = kassa_app::dates::format_date(now_ms(), &tz);
    let month_ago = kassa_app::dates::format_date(now_ms() - 29 * 24 * 3600 * 1000, &tz);
    let form = ReportForm {
        kind: "transactions".into(),
        format: "csv".into(),
        from: month_ago,
        to: today,
    };
    let notice = q.done.as_deref().map(|_| "settlements-report-queued");
    reports_page(&state, &member, form, Vec::new(), notice).await
}

/// A refused field in words: `(field, sentence)`.
fn error_words(lang: Lang, field: &str, code: &str) -> String {
    let key = match (field, code) {
        ("kind", _) => "settlements-report-error-kind",
        ("format", _) => "settlements-report-error-format",
        (_, "required") => "settlements-report-error-required",
        (_, "order") => "settlements-report-error-order",
        (_, "too_long") => "settlements-report-error-too-long",
        _ => "settlements-report-error-date",
    };
    let label = lang.t(if field == "to" {
        "settlements-report-to"
    } else {
        "settlements-report-from"
    });
    lang.t_args(key, &[("field", label)])
}

pub(crate) async fn create(
    State(state): State<AppState>,
    member: Member,
    Form(form): Form<ReportForm>,
) -> Result<Response, WebError> {
    let request = ReportRequest {
        kind: form.kind.trim().to_owned(),
        format: form.format.trim().to_owned(),
        from: form.from.trim().to_owned(),
        to: form.to.trim().to_owned(),
        timezone: member.user.timezone.clone(),
        language: member.user.language.clone(),
    };
    match settlements::request_report(&state.db, &member.actor(), &request).await {
        Ok(_) => Ok(Redirect::to("/portal/settlements/reports?done=queued").into_response()),
        Err(AppError::Invalid(problems)) => {
            let lang = Lang::from_code(&member.user.language).unwrap_or(Lang::En);
            let errors = problems
                .iter()
                .map(|p| (p.field.clone(), error_words(lang, &p.field, &p.message)))
                .collect();
            reports_page(&state, &member, form, errors, None).await
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) async fn download(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let report = match settlements::report_file(&state.db, &member.actor(), id).await {
        Ok(r) => r,
        // Not made yet, or past its 30 days: there is no file to give.
        Err(AppError::Conflict(_)) => return Err(WebError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let key = report.object_key.clone().unwrap_or_default();
    let body = state.objects.body(&key).await?;
    let (from, to) = (
        kassa_app::dates::format_date(report.date_from, &member.user.timezone),
        kassa_app::dates::format_date(report.date_to - 1, &member.user.timezone),
    );
    let name = format!(
        "{}-{}-{from}-{to}.{}",
        report.kind.replace('_', "-"),
        report.store_id,
        report.format
    );
    let content_type = if report.format == "pdf" {
        "application/pdf"
    } else {
        "text/csv; charset=utf-8"
    };
    Ok(attachment(content_type, &name, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size_text(Lang::En, Some(84_200)), "85 kB");
        assert_eq!(size_text(Lang::En, Some(3_240_000)), "3.2 MB");
        assert_eq!(size_text(Lang::Sv, Some(3_260_000)), "3,3 MB");
        assert_eq!(size_text(Lang::En, None), "");
    }

    #[test]
    fn built_message_ids_exist() {
        let english = crate::shell::i18n::english_ids();
        for kind in kassa_app::settlements::KINDS {
            assert!(english.contains(&format!("settlements-report-kind-{}", kind.replace('_', "-"))));
        }
        for status in ["queued", "running", "ready", "failed", "expired"] {
            assert!(
                english.contains(&format!("settlements-report-status-{status}")),
                "{status}"
            );
        }
    }
}
