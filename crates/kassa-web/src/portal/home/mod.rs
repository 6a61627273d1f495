//! Home: who and where you are, what needs attention (uncaptured orders, authorizations
//! about to expire, disputes awaiting a response) and the last 30 days of sales. Every figure links to the matching
//! filtered order list. Figures come from maintained aggregates and indexed queries.

mod section;
pub(crate) use section::section;

use crate::portal::disputes::{awaiting_response, RowView};
use crate::shell::extract::Query;
use crate::shell::session::Member;
use crate::shell::views::{render, Page};
use crate::{now_ms, AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use kassa_core::access::{Onboarding, Permission, Section};

const DAY_MS: i64 = 24 * 3600 * 1000;
const CHART_DAYS: i64 = 30;
/// Unread notifications shown on Home.
const HOME_NOTIFICATIONS: i64 = 5;

pub struct Uncaptured {
    pub amount: String,
    pub count: i64,
}

/// One day of the sales chart: its bar in SVG user units (600 × 160 drawing area) and its
/// row in the table behind the chart.
pub struct Bar {
    pub x: i64,
    pub y: i64,
    pub height: i64,
    pub date: String,
    pub label: String,
    pub count: i64,
}

/// Disputes awaiting the store's response: how many, and the one due first.
pub struct DisputesCard {
    pub count: i64,
    pub first: Option<RowView>,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomeTemplate {
    page: Page,
    greeting: String,
    role: String,
    store_id: String,
    store_name: String,
    merchant_name: String,
    playground: bool,
    show_orders: bool,
    migrated: bool,
    uncaptured: Vec<Uncaptured>,
    expiring_count: i64,
    expiring_amount: String,
    bars: Vec<Bar>,
    sales_count: i64,
    sales_total: String,
    chart_max: String,
    first_day: String,
    last_day: String,
    /// For members who handle disputes: how many await a response, and the most urgent.
    disputes: Option<DisputesCard>,
    /// The member's unread notifications on Home (the newest few).
    notifications: Vec<crate::portal::notifications::ItemView>,
    /// How many are unread, as shown ("99+" past the cap).
    unread: String,
}

fn date_of_day(day: i64) -> String {
    jiff::Timestamp::from_millisecond(day * DAY_MS)
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// `?notice=activated`: the welcome after accepting an invitation, which signs in.
#[derive(serde::Deserialize, Default)]
pub(crate) struct HomeQuery {
    notice: Option<String>,
}

pub(crate) async fn show(
    State(state): State<AppState>,
    member: Member,
    Query(q): Query<HomeQuery>,
) -> Result<Response, WebError> {
    let notice = (q.notice.as_deref() == Some("activated")).then_some("home-notice-activated");
    let page = Page::member(&member, Some(Section::Home), "home-title", "/portal").with_notice(notice);
    let lang = page.lang;
    let first_name = member
        .user
        .name
        .split_whitespace()
        .next()
        .unwrap_or(&member.user.name)
        .to_owned();
    let greeting = lang.t_args(
        "home-greeting",
        &[
            ("name", first_name),
            ("merchant", member.store.merchant_name.clone()),
            ("store", member.store.store_name.clone()),
        ],
    );
    let store_id = member.store.store_id.clone();
    let show_orders = member.allows(Permission::ViewOrders);
    let store = state.db.store(&store_id).await?.ok_or(WebError::NotFound)?;
    let now = now_ms();
    let uncaptured = state
        .db
        .uncaptured(&store_id)
        .await?
        .into_iter()
        .map(|(currency, amount, count)| Uncaptured {
            amount: lang.format_money(amount, &currency),
            count,
        })
        .collect();
    let (expiring_count, expiring_minor) = state.db.expiring(&store_id, now, now + 3 * DAY_MS).await?;
    let today = now / DAY_MS;
    let first = today - CHART_DAYS + 1;
    let sales: Vec<(i64, i64, i64)> = state
        .db
        .daily_sales(&store_id, first)
        .await?
        .into_iter()
        .filter(|(day, currency, _, _)| *currency == store.currency && *day <= today)
        .map(|(day, _, amount, count)| (day, amount, count))
        .collect();
    let max = sales.iter().map(|(_, a, _)| *a).max().unwrap_or(0).max(1);
    let bars = (0..CHART_DAYS)
        .map(|i| {
            let day = first + i;
            let (amount, count) = sales
                .iter()
                .find(|(d, _, _)| *d == day)
                .map(|(_, a, c)| (*a, *c))
                .unwrap_or((0, 0));
            let height = amount * 150 / max;
            Bar {
                x: i * 20 + 2,
                y: 155 - height,
                height: height.max(1),
                date: date_of_day(day),
                label: lang.format_money(amount, &store.currency),
                count,
            }
        })
        .collect();
    let disputes = if member.allows(Permission::Disputes) {
        let awaiting = awaiting_response(&state, &member).await?;
        let first = awaiting
            .first
            .map(|r| RowView::of(&r, &page, &member.user.timezone, now));
        Some(DisputesCard {
            count: awaiting.count,
            first,
        })
    } else {
        None
    };
    let unread_rows = kassa_app::notifications::recent(&state.db, &member.actor(), true, HOME_NOTIFICATIONS).await?;
    let notifications = crate::portal::notifications::home_items(lang, &member.user.timezone, &unread_rows);
    let total: i64 = sales.iter().map(|(_, a, _)| *a).sum();
    let sales_count: i64 = sales.iter().map(|(_, _, c)| *c).sum();
    Ok(render(&HomeTemplate {
        greeting,
        role: page.t(&format!("role-{}", member.role.code().replace('_', "-"))),
        store_id,
        store_name: member.store.store_name.clone(),
        merchant_name: member.store.merchant_name.clone(),
        playground: member.store.environment == "playground",
        show_orders,
        migrated: member.onboarding == Onboarding::Migrated,
        uncaptured,
        expiring_count,
        expiring_amount: lang.format_money(expiring_minor, &store.currency),
        bars,
        sales_count,
        sales_total: lang.format_money(total, &store.currency),
        chart_max: lang.format_money(max, &store.currency),
        first_day: date_of_day(first),
        last_day: date_of_day(today),
        disputes,
        notifications,
        unread: kassa_app::notifications::unread_text(member.unread),
        page,
    }))
}
