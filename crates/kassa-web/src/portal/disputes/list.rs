//! The list of the store's disputes: a tab per stage with its count, a search by order id,
//! merchant reference or dispute id, the most urgent first with how long is left to answer,
//! and numbered pages.

use super::words::{countdown, reason_label, stage_badge, Countdown};
use crate::shell::extract::Query;
use crate::shell::session::{urlencode, Member};
use crate::shell::views::{render, Page};
use crate::{now_ms, AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use kassa_app::disputes::{self, DisputeFilter};
use kassa_core::access::Section;
use kassa_core::dispute::Stage;
use kassa_db::DisputeListRow;
use serde::Deserialize;

const PAGE_SIZE: i64 = 25;

/// The tabs in their order: code in the address, and the stages each shows (none: all).
const TABS: [(&str, &[Stage]); 5] = [
    ("response_required", &[Stage::ResponseRequired]),
    ("under_review", &[Stage::UnderReview]),
    ("inquiry", &[Stage::Inquiry]),
    ("closed", &[Stage::Closed]),
    ("all", &[]),
];

#[derive(Debug, Deserialize, Default)]
pub(crate) struct ListQuery {
    #[serde(default)]
    tab: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: String,
}

impl ListQuery {
    /// The open tab: the one asked for, else "Response required", what needs doing first.
    fn tab(&self) -> (&'static str, &'static [Stage]) {
        TABS.iter()
            .copied()
            .find(|(code, _)| *code == self.tab)
            .unwrap_or(TABS[0])
    }

    /// The page asked for, from 1.
    fn page(&self) -> i64 {
        self.page
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|p| (1..=100_000).contains(p))
            .unwrap_or(1)
    }

    /// The address of `tab`'s page `page`, with the search kept.
    fn link(&self, tab: &str, page: i64) -> String {
        let mut link = format!("/portal/disputes?tab={tab}");
        if !self.q.trim().is_empty() {
            link.push_str(&format!("&q={}", urlencode(self.q.trim())));
        }
        if page > 1 {
            link.push_str(&format!("&page={page}"));
        }
        link
    }
}

pub(crate) struct TabView {
    pub code: &'static str,
    pub href: String,
    pub label: String,
    pub count: i64,
    pub current: bool,
}

/// A dispute as a row of the list (and Home's card).
pub(crate) struct RowView {
    pub id: String,
    pub order_id: String,
    pub short_reference: String,
    pub merchant_reference: String,
    pub reason: String,
    pub amount: String,
    pub stage: &'static str,
    pub badge: String,
    pub badge_class: &'static str,
    pub deadline: Option<Countdown>,
}

impl RowView {
    pub(crate) fn of(r: &DisputeListRow, page: &Page, timezone: &str, now: i64) -> RowView {
        let d = &r.dispute;
        let lang = page.lang;
        let (badge, badge_class) = stage_badge(lang, d.stage, d.outcome());
        RowView {
            id: d.id.clone(),
            order_id: d.order_id.clone(),
            short_reference: r.short_reference.clone(),
            merchant_reference: r.merchant_reference1.clone().unwrap_or_default(),
            reason: reason_label(lang, d.reason),
            amount: lang.format_money(d.amount, &d.currency),
            stage: d.stage.code(),
            badge,
            badge_class,
            deadline: d
                .deadline_at
                .filter(|_| d.stage == Stage::ResponseRequired)
                .map(|t| countdown(lang, t, now, timezone)),
        }
    }
}

#[derive(Template)]
#[template(path = "disputes.html")]
struct ListTemplate {
    page: Page,
    tabs: Vec<TabView>,
    tab: &'static str,
    q: String,
    rows: Vec<RowView>,
    /// Why the list is empty, for the open tab (or the search).
    empty: String,
    count: String,
    previous: Option<String>,
    next: Option<String>,
}

pub(crate) async fn list(
    State(state): State<AppState>,
    member: Member,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let (tab, stages) = q.tab();
    let number = q.page();
    let here = q.link(tab, number);
    let page = Page::member(&member, Some(Section::Disputes), "disputes-title", &here);
    let lang = page.lang;
    let actor = member.actor();
    let counts = disputes::stage_counts(&state.db, &actor).await?;
    let count_of = |stages: &[Stage]| -> i64 {
        counts
            .iter()
            .filter(|(s, _)| stages.is_empty() || stages.contains(s))
            .map(|(_, n)| n)
            .sum()
    };
    let tabs = TABS
        .iter()
        .map(|(code, stages)| TabView {
            code,
            href: q.link(code, 1),
            label: lang.t(&format!("disputes-tab-{}", code.replace('_', "-"))),
            count: count_of(stages),
            current: *code == tab,
        })
        .collect();
    let search = Some(q.q.trim().to_owned()).filter(|s| !s.is_empty());
    let filter = DisputeFilter {
        stages: stages.to_vec(),
        search: search.clone(),
        ..DisputeFilter::default()
    };
    let offset = (number - 1) * PAGE_SIZE;
    let (rows, total) = disputes::disputes(&state.db, &actor, &filter, offset, PAGE_SIZE).await?;
    let now = now_ms();
    let rows: Vec<RowView> = rows
        .iter()
        .map(|r| RowView::of(r, &page, &member.user.timezone, now))
        .collect();
    let shown = rows.len() as i64;
    let count = lang.t_args(
        "disputes-count",
        &[
            ("first", (offset + 1).to_string()),
            ("last", (offset + shown).to_string()),
            ("total", total.to_string()),
        ],
    );
    let empty = match &search {
        Some(s) => lang.t_args("disputes-empty-search", &[("query", s.clone())]),
        None => lang.t(&format!("disputes-empty-{}", tab.replace('_', "-"))),
    };
    Ok(render(&ListTemplate {
        tabs,
        tab,
        q: q.q.clone(),
        rows,
        empty,
        count,
        previous: (number > 1).then(|| q.link(tab, number - 1)),
        next: (offset + shown < total).then(|| q.link(tab, number + 1)),
        page,
    }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_tab_has_words() {
        let english = crate::shell::i18n::english_ids();
        for (code, _) in super::TABS {
            for part in ["tab", "empty"] {
                let key = format!("disputes-{part}-{}", code.replace('_', "-"));
                assert!(english.contains(&key), "{key} is missing in en/main.ftl");
            }
        }
    }
}
