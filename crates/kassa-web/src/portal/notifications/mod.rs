//! Notifications in the portal (issue 15 item 4): the list behind the header's bell, marking
//! read, the member's choices per kind and channel (an Account settings tab), and the
//! unsubscribe link of an email, which needs no sign-in.

mod section;
pub(crate) use section::section;

use crate::notify_mail::{link, title};
use crate::shell::extract::{Form, Path, Query};
use crate::shell::i18n::{format_time, Lang};
use crate::shell::session::{safe_next, Member};
use crate::shell::views::{render, NavItem, Page};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use kassa_app::notifications::{self as notify, PrefView};
use kassa_core::notification::{Channel, Kind};
use serde::Deserialize;

/// The Account settings tab of notification choices.
pub(crate) const SETTINGS: &str = "/portal/account/notifications";
const LIST_LIMIT: i64 = 100;

fn kind_label(lang: Lang, kind: Kind) -> String {
    lang.t(&format!("notify-kind-{}", kind.code().replace('_', "-")))
}

pub struct ItemView {
    pub id: i64,
    pub title: String,
    pub href: String,
    pub time: String,
    pub unread: bool,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct ListTemplate {
    page: Page,
    items: Vec<ItemView>,
    unread: i64,
}

#[derive(Deserialize, Default)]
pub(crate) struct ListQuery {
    done: Option<String>,
}

/// Every notification of the member on Home in this store (and about their account),
/// newest first.
pub(crate) async fn list(
    State(state): State<AppState>,
    member: Member,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let notice = (q.done.as_deref() == Some("read")).then_some("notifications-notice-read");
    let page = Page::member(&member, None, "notifications-title", "/portal/notifications").with_notice(notice);
    let rows = notify::recent(&state.db, &member.actor(), false, LIST_LIMIT).await?;
    let tz = &member.user.timezone;
    let items = rows
        .iter()
        .map(|n| ItemView {
            id: n.id,
            title: title(page.lang, n, tz),
            href: link(n),
            time: format_time(n.created_at, tz),
            unread: n.read_at.is_none(),
        })
        .collect();
    Ok(render(&ListTemplate {
        unread: member.unread,
        items,
        page,
    }))
}

/// The unread notifications Home shows, each leading (and marking it read) to what it is about.
pub(crate) fn home_items(lang: Lang, timezone: &str, rows: &[kassa_db::NotificationRow]) -> Vec<ItemView> {
    rows.iter()
        .map(|n| ItemView {
            id: n.id,
            title: title(lang, n, timezone),
            href: link(n),
            time: format_time(n.created_at, timezone),
            unread: n.read_at.is_none(),
        })
        .collect()
}

#[derive(Deserialize, Default)]
pub(crate) struct NextForm {
    next: Option<String>,
}

pub(crate) async fn read_one(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<i64>,
    Form(form): Form<NextForm>,
) -> Result<Response, WebError> {
    notify::mark_read(&state.db, &member.actor(), id).await?;
    let next = form.next.as_deref().map(|n| safe_next(Some(n)));
    Ok(Redirect::to(next.unwrap_or("/portal/notifications?done=read")).into_response())
}

pub(crate) async fn read_all(
    State(state): State<AppState>,
    member: Member,
    Form(form): Form<NextForm>,
) -> Result<Response, WebError> {
    notify::mark_all_read(&state.db, &member.actor()).await?;
    let next = form.next.as_deref().map(|n| safe_next(Some(n)));
    Ok(Redirect::to(next.unwrap_or("/portal/notifications?done=read")).into_response())
}

pub struct PrefRow {
    pub code: &'static str,
    pub label: String,
    pub home: bool,
    pub email: bool,
    /// "On by default for your role: Home, Email" (or nothing).
    pub default_text: String,
}

#[derive(Template)]
#[template(path = "notification_settings.html")]
struct SettingsTemplate {
    page: Page,
    tabs: Vec<NavItem>,
    rows: Vec<PrefRow>,
    store_heading: String,
}

fn pref_rows(lang: Lang, prefs: &[PrefView]) -> Vec<PrefRow> {
    prefs
        .iter()
        .map(|p| {
            let defaults: Vec<String> = [
                (p.home_default, "notify-channel-home"),
                (p.email_default, "notify-channel-email"),
            ]
            .into_iter()
            .filter(|(on, _)| *on)
            .map(|(_, key)| lang.t(key))
            .collect();
            let default_text = if defaults.is_empty() {
                lang.t("notify-default-none")
            } else {
                lang.t_args("notify-default", &[("channels", defaults.join(", "))])
            };
            PrefRow {
                code: p.kind.code(),
                label: kind_label(lang, p.kind),
                home: p.home,
                email: p.email,
                default_text,
            }
        })
        .collect()
}

#[derive(Deserialize, Default)]
pub(crate) struct SettingsQuery {
    done: Option<String>,
}

pub(crate) async fn settings(
    State(state): State<AppState>,
    member: Member,
    Query(q): Query<SettingsQuery>,
) -> Result<Response, WebError> {
    let notice = (q.done.as_deref() == Some("saved")).then_some("notify-settings-saved");
    let page = Page::member(&member, None, "notify-settings-title", SETTINGS).with_notice(notice);
    let prefs = notify::preferences(&state.db, &member.actor()).await?;
    Ok(render(&SettingsTemplate {
        tabs: crate::portal::account::account_tabs(&member, &page, SETTINGS),
        rows: pref_rows(page.lang, &prefs),
        store_heading: page.t_args("notify-settings-store", &[("store", member.store.store_id.clone())]),
        page,
    }))
}

/// Saves the ticked boxes: a field `<kind>` with the value `home` or `email` per box.
pub(crate) async fn save_settings(
    State(state): State<AppState>,
    member: Member,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let on: Vec<(Kind, Channel)> = fields
        .iter()
        .filter_map(|(k, v)| Some((k.parse().ok()?, v.parse().ok()?)))
        .collect();
    notify::set_preferences(&state.db, &member.actor(), &on).await?;
    Ok(Redirect::to(&format!("{SETTINGS}?done=saved")).into_response())
}

#[derive(Template)]
#[template(path = "unsubscribe.html")]
struct UnsubscribeTemplate {
    page: Page,
    question: String,
    done: bool,
    action: String,
}

/// The page in the recipient's language, asking to confirm or saying it is done.
async fn unsubscribe_view(state: &AppState, token: &str, done: bool) -> Result<Response, WebError> {
    let u = notify::check_unsubscribe(&state.config.secret_key, token).ok_or(WebError::NotFound)?;
    let user = state.db.user_by_id(u.user_id).await?.ok_or(WebError::NotFound)?;
    let lang = Lang::from_code(&user.language).unwrap_or(Lang::En);
    let page = Page::visitor(lang, "", "unsubscribe-title", "/unsubscribe");
    let args = [
        ("kind", kind_label(lang, u.kind)),
        ("email", user.email.clone()),
        ("store", u.store_id.clone()),
    ];
    let key = match (done, u.store_id.is_empty()) {
        (false, false) => "unsubscribe-question",
        (false, true) => "unsubscribe-question-account",
        (true, false) => "unsubscribe-done",
        (true, true) => "unsubscribe-done-account",
    };
    Ok(render(&UnsubscribeTemplate {
        question: lang.t_args(key, &args),
        done,
        action: format!("/unsubscribe/{token}"),
        page,
    }))
}

pub(crate) async fn unsubscribe_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    unsubscribe_view(&state, &token, false).await
}

pub(crate) async fn unsubscribe_now(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    notify::unsubscribe(&state.db, &state.config.secret_key, &token).await?;
    unsubscribe_view(&state, &token, true).await
}
