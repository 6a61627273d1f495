//! The order page: the state and the facts first (amounts, lines, customer, captures,
//! refunds, timeline), then one button per action. Each action's form opens in a `<dialog>`
//! (app.js) or, without JavaScript, on a page of its own (`forms`).

mod forms;

use super::*;
pub(crate) use forms::{action_page, RetryQuery};
pub(super) use forms::{ActionForms, OrderContext, ACTIONS};
use kassa_core::timeline::{ActorKind, EventKind};

pub struct LineView {
    pub index: usize,
    pub reference: String,
    pub name: String,
    pub quantity: i64,
    pub unit_price: String,
    pub total: String,
    pub capturable: i64,
    pub refundable: i64,
    /// The unit price as the "Edit lines" form shows and reads it back (`1234,50`).
    pub price_input: String,
    /// The tax rate as a percentage (`25 %`).
    pub tax: String,
    /// Minor units, for app.js to add up what the chosen quantities come to.
    pub unit_price_minor: i64,
    pub discount_minor: i64,
    /// What the forms show in this line's fields: what the user typed before an error, or
    /// the defaults.
    pub capture_qty: String,
    pub refund_qty: String,
    pub edit_quantity: String,
    pub edit_price: String,
    pub edit_remove: bool,
}

pub struct EventView {
    pub at: String,
    pub action: String,
    pub actor: String,
    pub amount: String,
}

pub struct MoneyRecord {
    pub at: String,
    pub amount: String,
    pub description: String,
}

/// One ledger entry of the order, and the payout that paid it (or that it is still open).
pub struct TraceLine {
    pub date: String,
    pub kind: String,
    pub amount: String,
    pub payment_reference: Option<String>,
}

/// The order's money trace, for members who may see settlements.
async fn money_trace(state: &AppState, member: &Member, order_id: &str) -> Result<Option<Vec<TraceLine>>, WebError> {
    if !member.allows(Permission::ViewSettlements) {
        return Ok(None);
    }
    let lang = Lang::from_code(&member.user.language).unwrap_or(Lang::En);
    let tz = &member.user.timezone;
    let entries = kassa_app::settlements::order_ledger(&state.db, &member.actor(), order_id).await?;
    Ok(Some(
        entries
            .iter()
            .map(|e| TraceLine {
                date: format_time(e.created_at, tz),
                kind: crate::portal::settlements::type_label(lang, e.kind),
                amount: lang.format_money(e.net, &e.currency),
                payment_reference: e.payment_reference.clone(),
            })
            .collect(),
    ))
}

/// A button that opens one action's form.
pub struct ActionButton {
    /// A String, not a &str: the templates compare it with literals.
    pub action: String,
    pub label: String,
    pub danger: bool,
    pub primary: bool,
}

#[derive(Template)]
#[template(path = "order.html")]
pub(super) struct OrderTemplate {
    page: Page,
    id: String,
    short_reference: String,
    reference1: String,
    reference2: String,
    status_label: String,
    status_class: &'static str,
    created: String,
    expires: String,
    method: String,
    amount: String,
    captured: String,
    refunded: String,
    remaining: String,
    customer: Vec<(String, String)>,
    billing: Vec<String>,
    shipping: Vec<String>,
    shipping_info: Vec<String>,
    captures: Vec<MoneyRecord>,
    refunds: Vec<MoneyRecord>,
    /// What the empty captures and refunds lists say: true for the order's state.
    no_captures: String,
    no_refunds: String,
    events: Vec<EventView>,
    /// The order's ledger entries and the payout of each; `None` for roles that may not
    /// see settlements (they see nothing of it).
    money_trace: Option<Vec<TraceLine>>,
    /// The order's calls in Developer Logs, for roles that may view them.
    logs_href: Option<String>,
    buttons: Vec<ActionButton>,
    forms: ActionForms,
}

/// An address as lines to read, its country in words.
pub(super) fn address_lines(v: Option<&Value>, lang: Lang) -> Vec<String> {
    let Some(a) = v.and_then(Value::as_object) else {
        return Vec::new();
    };
    let f = |k: &str| a.get(k).and_then(Value::as_str).unwrap_or("").trim().to_owned();
    [
        format!("{} {}", f("given_name"), f("family_name")).trim().to_owned(),
        f("organization_name"),
        f("street_address"),
        f("street_address2"),
        format!("{} {}", f("postal_code"), f("city")).trim().to_owned(),
        crate::names::country_name(lang, &f("country")),
        f("email"),
        f("phone"),
    ]
    .into_iter()
    .filter(|l| !l.is_empty())
    .collect()
}

pub(super) fn billing_field(body: &serde_json::Map<String, Value>, key: &str) -> String {
    body.get("billing_address")
        .and_then(|a| a.get(key))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}

pub(super) fn event_key(action: EventKind) -> String {
    format!("order-event-{}", action.code().replace('_', "-"))
}

/// What the captures list says when it is empty, true for the order's state: a cancelled or
/// expired order will never have captures, so "None yet" would promise something.
fn no_captures_key(status: Status) -> &'static str {
    match status {
        Status::Cancelled => "order-no-captures-cancelled",
        Status::Expired => "order-no-captures-expired",
        _ => "order-none-yet",
    }
}

fn no_refunds_key(status: Status, captured: i64) -> &'static str {
    match status {
        _ if captured > 0 => "order-none-yet",
        Status::Cancelled | Status::Expired => "order-no-refunds-nothing-captured",
        _ => "order-none-yet",
    }
}

/// The title of an order's pages, with its reference, so each browser tab says which order
/// it shows.
pub(super) fn order_title(lang: Lang, key: &str, short_reference: &str) -> String {
    format!("{} {short_reference}", lang.t(key))
}

pub(super) async fn order_page(
    state: &AppState,
    member: &Member,
    order_id: &str,
    notice: Option<&str>,
) -> Result<Response, WebError> {
    let here = format!("/portal/orders/{order_id}");
    let mut page = Page::member(member, Some(Section::Orders), "order-title", &here).with_notice(notice);
    let lang = page.lang;
    let tz = &member.user.timezone;
    let ctx = OrderContext::load(state, member, order_id).await?;
    let row = &ctx.row;
    page.title = order_title(lang, "order-title", &row.short_reference);
    let money = |v: i64| lang.format_money(v, &row.purchase_currency);
    let events = orders::events(&state.db, &actor_of(member), order_id)
        .await
        .map_err(WebError::from)?
        .into_iter()
        .rev()
        .map(|e| EventView {
            at: format_time(e.at, tz),
            action: lang.t(&event_key(e.action)),
            actor: match e.actor_kind {
                ActorKind::ApiKey => lang.t_args("order-actor-api", &[("name", e.actor.clone())]),
                ActorKind::PortalUser => lang.t_args("order-actor-portal", &[("name", e.actor.clone())]),
                ActorKind::Shopper => lang.t_args("order-actor-shopper", &[("name", e.actor.clone())]),
                ActorKind::Operator | ActorKind::System => lang.t("order-actor-system"),
            },
            amount: e.amount.map(money).unwrap_or_default(),
        })
        .collect();
    let record = |at: i64, amount: i64, body: &str| MoneyRecord {
        at: format_time(at, tz),
        amount: money(amount),
        description: serde_json::from_str::<Value>(body)
            .ok()
            .and_then(|b| b.get("description").and_then(Value::as_str).map(str::to_owned))
            .unwrap_or_default(),
    };
    let shipping_info = ctx
        .body
        .get("shipping_info")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|s| {
                    let f = |k: &str| s.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
                    format!(
                        "{} {} {}",
                        f("shipping_company"),
                        f("tracking_number"),
                        crate::names::shipping_method_name(lang, &f("shipping_method"))
                    )
                    .trim()
                    .to_owned()
                })
                .collect()
        })
        .unwrap_or_default();
    let forms = ActionForms::new(&ctx, member, lang, None);
    let buttons = forms
        .available()
        .into_iter()
        .map(|action| ActionButton {
            action: action.to_owned(),
            label: lang.t(forms::action_title_key(action)),
            danger: matches!(action, "cancel" | "release"),
            primary: action == "capture",
        })
        .collect();
    let status = ctx.state.status;
    let template = OrderTemplate {
        id: row.order_id.clone(),
        short_reference: row.short_reference.clone(),
        reference1: row.merchant_reference1.clone().unwrap_or_default(),
        reference2: row.merchant_reference2.clone().unwrap_or_default(),
        status_label: lang.t(&status_key(status.code())),
        status_class: status_class(status.code()),
        created: format_time(row.completed_at.unwrap_or(row.created_at), tz),
        expires: row
            .expires_at
            .filter(|_| ctx.open)
            .map(|t| format_time(t, tz))
            .unwrap_or_default(),
        method: lang.t(method_key(row.payment_method.as_deref())),
        amount: money(row.order_amount),
        captured: money(row.captured_amount),
        refunded: money(row.refunded_amount),
        remaining: money(ctx.state.remaining_authorized()),
        customer: vec![
            (lang.t("order-customer-name"), row.customer_name.clone()),
            (lang.t("field-email"), row.customer_email.clone()),
        ],
        billing: address_lines(ctx.body.get("billing_address"), lang),
        shipping: address_lines(ctx.body.get("shipping_address"), lang),
        shipping_info,
        captures: ctx
            .captures
            .iter()
            .map(|c| record(c.captured_at, c.captured_amount, &c.body))
            .collect(),
        refunds: ctx
            .refunds
            .iter()
            .map(|r| record(r.refunded_at, r.refunded_amount, &r.body))
            .collect(),
        no_captures: lang.t(no_captures_key(status)),
        no_refunds: lang.t(no_refunds_key(status, row.captured_amount)),
        events,
        money_trace: money_trace(state, member, order_id).await?,
        logs_href: member
            .allows(Permission::ViewDeveloperLogs)
            .then(|| format!("/portal/logs?order_id={}", crate::shell::session::urlencode(order_id))),
        buttons,
        forms,
        page,
    };
    Ok(render(&template))
}

pub(crate) async fn show(
    State(state): State<AppState>,
    member: Member,
    Path(order_id): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let notice = q.done.as_deref().map(|d| match d {
        "captured" => "order-done-captured",
        "refunded" => "order-done-refunded",
        "cancelled" => "order-done-cancelled",
        "extended" => "order-done-extended",
        "released" => "order-done-released",
        "references" => "order-done-references",
        "amount" => "order-done-amount",
        "customer" => "order-done-customer",
        "shipping" => "order-done-shipping",
        "lines" => "order-done-lines",
        _ => "order-done-repeated",
    });
    order_page(&state, &member, &order_id, notice).await
}

#[derive(Deserialize, Default)]
pub(crate) struct NoticeQuery {
    done: Option<String>,
}
