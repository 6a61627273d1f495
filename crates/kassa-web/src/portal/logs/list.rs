//! The list: the store's calls newest first, 50 a page, with "newer" and "older" pages by
//! keyset; a search by correlation id or order id; filters by status class, method,
//! direction, key or endpoint and days (in the user's timezone).

use super::{action_words, class_label, duration_text, status_badge, status_text, time_text};
use crate::shell::extract::Query;
use crate::shell::i18n::Lang;
use crate::shell::session::Member;
use crate::shell::views::{render, Page};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use kassa_app::dates::{day_end, day_start};
use kassa_app::logs::{self, CallFilter, Cursor, Position, StatusClass, PAGE_SIZE};
use kassa_core::access::Section;
use kassa_db::LoggedCall;
use serde::Deserialize;

const METHODS: [&str; 4] = ["GET", "POST", "PATCH", "DELETE"];
const DIRECTIONS: [&str; 2] = ["incoming", "outgoing"];
/// What a recorded call was: a merchant API call, a push notification, a webhook delivery.
const KINDS: [&str; 3] = ["api", "push", "webhook"];

/// The list's query string, as text: parsed (and any bad value explained) below.
#[derive(Debug, Deserialize, Default, Clone)]
pub(crate) struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    direction: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    order_id: String,
    /// `<at>.<id>`: the page of calls older than this one.
    #[serde(default)]
    older: String,
    /// `<at>.<id>`: the page of calls newer than this one.
    #[serde(default)]
    newer: String,
}

fn some(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

impl ListQuery {
    /// The filter, or the sentences that say which value cannot be used.
    fn filter(&self, lang: Lang, tz: &str) -> Result<CallFilter, Vec<String>> {
        let mut problems = Vec::new();
        let mut date = |value: &str, key: &str, end: bool| {
            let value = value.trim();
            if value.is_empty() {
                return None;
            }
            let parsed = if end { day_end(value, tz) } else { day_start(value, tz) };
            if parsed.is_none() {
                let args = [("field", lang.t(key)), ("value", value.to_owned())];
                problems.push(lang.t_args("orders-invalid-date", &args));
            }
            parsed
        };
        let from = date(&self.from, "orders-from", false);
        let to = date(&self.to, "orders-to", true);
        if let (Some(f), Some(t)) = (from, to) {
            if f >= t {
                problems.push(lang.t("orders-invalid-date-order"));
            }
        }
        let status = some(&self.status).and_then(|s| {
            let class = StatusClass::parse(&s);
            if class.is_none() {
                problems.push(lang.t("log-invalid-filter"));
            }
            class
        });
        let method = some(&self.method).map(|m| m.to_ascii_uppercase());
        let direction = some(&self.direction);
        let kind = some(&self.kind).map(|k| k.to_ascii_lowercase());
        if method.as_deref().is_some_and(|m| !METHODS.contains(&m))
            || direction.as_deref().is_some_and(|d| !DIRECTIONS.contains(&d))
            || kind.as_deref().is_some_and(|k| !KINDS.contains(&k))
        {
            problems.push(lang.t("log-invalid-filter"));
        }
        if !problems.is_empty() {
            problems.dedup();
            return Err(problems);
        }
        Ok(CallFilter {
            status,
            method,
            direction,
            kind,
            key: some(&self.key),
            from,
            to,
            search: some(&self.q),
            order_id: some(&self.order_id),
        })
    }

    fn position(&self) -> Position {
        if let Some(c) = Cursor::parse(&self.older) {
            Position::OlderThan(c)
        } else if let Some(c) = Cursor::parse(&self.newer) {
            Position::NewerThan(c)
        } else {
            Position::Newest
        }
    }

    /// The query string without page cursors.
    fn base(&self) -> Vec<(&'static str, String)> {
        [
            ("q", &self.q),
            ("status", &self.status),
            ("method", &self.method),
            ("direction", &self.direction),
            ("kind", &self.kind),
            ("key", &self.key),
            ("from", &self.from),
            ("to", &self.to),
            ("order_id", &self.order_id),
        ]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| (k, v.trim().to_owned()))
        .collect()
    }

    fn link(&self, page: Option<(&'static str, Cursor)>) -> String {
        let mut pairs = self.base();
        if let Some((name, cursor)) = page {
            pairs.push((name, cursor.token()));
        }
        let query = serde_urlencoded::to_string(pairs).unwrap_or_default();
        if query.is_empty() {
            "/portal/logs".into()
        } else {
            format!("/portal/logs?{query}")
        }
    }

    fn filtered(&self) -> bool {
        !self.base().is_empty()
    }
}

/// A call as a row of the list.
pub(crate) struct RowView {
    pub id: i64,
    pub time: String,
    pub action: String,
    pub method: String,
    pub path: String,
    pub status: String,
    pub badge: &'static str,
    pub duration: String,
    pub order_id: Option<String>,
    pub order_href: Option<String>,
    pub key: String,
    pub outgoing: bool,
}

impl RowView {
    fn of(c: &LoggedCall, lang: Lang, tz: &str) -> RowView {
        RowView {
            id: c.id,
            time: time_text(c.at, tz),
            action: action_words(lang, c),
            method: c.method.clone(),
            path: c.path.clone(),
            status: status_text(lang, c.status),
            badge: status_badge(c.status),
            duration: duration_text(c.duration_us),
            order_href: c.order_id.as_ref().map(|o| {
                format!(
                    "/portal/logs?{}",
                    serde_urlencoded::to_string([("order_id", o)]).unwrap_or_default()
                )
            }),
            order_id: c.order_id.clone(),
            key: c.api_key.clone(),
            outgoing: c.direction == "outgoing",
        }
    }
}

/// An option of a filter's select.
pub(crate) struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "logs.html")]
struct ListTemplate {
    page: Page,
    filters: ListQuery,
    problems: Vec<String>,
    classes: Vec<Choice>,
    methods: Vec<Choice>,
    directions: Vec<Choice>,
    kinds: Vec<Choice>,
    keys: Vec<String>,
    rows: Vec<RowView>,
    filtered: bool,
    newer: Option<String>,
    older: Option<String>,
    /// Only one order's calls: what says so, and the address of every order's.
    clear_order: Option<(String, String)>,
}

pub(crate) async fn list(
    State(state): State<AppState>,
    member: Member,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let here = q.link(match q.position() {
        Position::OlderThan(c) => Some(("older", c)),
        Position::NewerThan(c) => Some(("newer", c)),
        Position::Newest => None,
    });
    let page = Page::member(&member, Some(Section::DeveloperLogs), "logs-title", &here);
    let lang = page.lang;
    let tz = member.user.timezone.clone();
    let actor = member.actor();
    let choice = |value: &str, label: String, current: &str| Choice {
        value: value.to_owned(),
        label,
        selected: value.eq_ignore_ascii_case(current.trim()),
    };
    let classes = StatusClass::ALL
        .into_iter()
        .map(|c| choice(c.code(), class_label(lang, c), &q.status))
        .collect();
    let methods = METHODS.iter().map(|m| choice(m, (*m).to_owned(), &q.method)).collect();
    let directions = DIRECTIONS
        .iter()
        .map(|d| choice(d, lang.t(&format!("log-direction-{d}")), &q.direction))
        .collect();
    let kinds = KINDS
        .iter()
        .map(|k| choice(k, lang.t(&format!("log-kind-{k}")), &q.kind))
        .collect();
    let keys = logs::key_names(&state.db, &actor).await?;
    let (rows, problems, older, newer) = match q.filter(lang, &tz) {
        Ok(filter) => {
            let found = logs::calls(&state.db, &actor, &filter, q.position(), PAGE_SIZE).await?;
            let rows: Vec<RowView> = found.calls.iter().map(|c| RowView::of(c, lang, &tz)).collect();
            (
                rows,
                Vec::new(),
                found.older.map(|c| q.link(Some(("older", c)))),
                found.newer.map(|c| q.link(Some(("newer", c)))),
            )
        }
        Err(problems) => (Vec::new(), problems, None, None),
    };
    let clear_order = some(&q.order_id).map(|order| {
        let mut without = q.clone();
        without.order_id.clear();
        (lang.t_args("logs-of-order", &[("order", order)]), without.link(None))
    });
    Ok(render(&ListTemplate {
        filtered: q.filtered(),
        filters: q,
        problems,
        classes,
        methods,
        directions,
        kinds,
        keys,
        rows,
        newer,
        older,
        clear_order,
        page,
    }))
}
