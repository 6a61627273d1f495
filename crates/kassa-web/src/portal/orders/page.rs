//! The order page: amounts, lines, customer, captures, refunds and the timeline.

use super::*;

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
    lines: Vec<LineView>,
    customer: Vec<(String, String)>,
    billing: Vec<String>,
    shipping: Vec<String>,
    shipping_info: Vec<String>,
    captures: Vec<MoneyRecord>,
    refunds: Vec<MoneyRecord>,
    events: Vec<EventView>,
    can_capture: bool,
    can_refund: bool,
    can_cancel: bool,
    can_extend: bool,
    can_release: bool,
    can_edit: bool,
    can_change_amount: bool,
    can_edit_lines: bool,
    lines_version: String,
    new_tax_rate: String,
    edit_given: String,
    edit_family: String,
    edit_email: String,
    edit_street: String,
    edit_postal: String,
    edit_city: String,
    edit_phone: String,
    shipping_methods: &'static [&'static str],
    form_key: String,
    error: Option<String>,
}

pub(super) fn address_lines(v: Option<&Value>) -> Vec<String> {
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
        f("country"),
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

pub(super) fn event_key(action: &str) -> String {
    format!("order-event-{}", action.replace('_', "-"))
}

pub(super) async fn order_page(
    state: &AppState,
    member: &Member,
    order_id: &str,
    notice: Option<&str>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let row = state
        .db
        .order(&member.store.store_id, order_id)
        .await?
        .filter(|r| r.status.is_some())
        .ok_or(WebError::NotFound)?;
    let here = format!("/portal/orders/{order_id}");
    let page = Page::member(member, Some(Section::Orders), "order-title", &here).with_notice(notice);
    let lang = page.lang;
    let tz = &member.user.timezone;
    let money = |v: i64| lang.format_money(v, &row.purchase_currency);
    let body: serde_json::Map<String, Value> = serde_json::from_str(&row.body).unwrap_or_default();
    let lines: Vec<WireLine> = body
        .get("order_lines")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    let captures = state.db.captures_of(order_id).await?;
    let refunds = state.db.refunds_of(order_id).await?;
    let counted = |bodies: Vec<&str>, line: &WireLine| -> i64 {
        bodies
            .iter()
            .filter_map(|b| serde_json::from_str::<Value>(b).ok())
            .filter_map(|b| {
                b.get("order_lines")
                    .and_then(|l| serde_json::from_value::<Vec<WireLine>>(l.clone()).ok())
            })
            .flatten()
            .filter(|l| match (&l.reference, &line.reference) {
                (Some(a), Some(b)) if !a.is_empty() || !b.is_empty() => a == b,
                _ => l.name == line.name,
            })
            .map(|l| l.quantity)
            .sum()
    };
    let state_now = orders::core_state(&row).map_err(api_to_web)?;
    let now = now_ms();
    let open = matches!(state_now.status, Status::Authorized | Status::PartCaptured)
        && !state_now.released
        && now < state_now.expires_at;
    let manage = member.allows(Permission::ManageOrders);
    let line_views = lines
        .iter()
        .enumerate()
        .map(|(index, l)| {
            let captured = counted(captures.iter().map(|c| c.body.as_str()).collect(), l);
            let refunded = counted(refunds.iter().map(|r| r.body.as_str()).collect(), l);
            LineView {
                capturable: if open { (l.quantity - captured).max(0) } else { 0 },
                refundable: (captured - refunded).max(0),
                ..line_view(index, l, lang, &row.purchase_currency)
            }
        })
        .collect();
    let events = state
        .db
        .events_of(order_id)
        .await?
        .into_iter()
        .rev()
        .map(|e| EventView {
            at: format_time(e.at, tz),
            action: lang.t(&event_key(&e.action)),
            actor: match e.actor_kind.as_str() {
                "api_key" => lang.t_args("order-actor-api", &[("name", e.actor.clone())]),
                "portal_user" => lang.t_args("order-actor-portal", &[("name", e.actor.clone())]),
                "shopper" => lang.t_args("order-actor-shopper", &[("name", e.actor.clone())]),
                _ => lang.t("order-actor-system"),
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
    let shipping_info = body
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
                        f("shipping_method")
                    )
                    .trim()
                    .to_owned()
                })
                .collect()
        })
        .unwrap_or_default();
    let template = OrderTemplate {
        id: row.order_id.clone(),
        short_reference: row.short_reference.clone(),
        reference1: row.merchant_reference1.clone().unwrap_or_default(),
        reference2: row.merchant_reference2.clone().unwrap_or_default(),
        status_label: lang.t(&status_key(row.status.as_deref().unwrap_or(""))),
        status_class: status_class(row.status.as_deref().unwrap_or("")),
        created: format_time(row.completed_at.unwrap_or(row.created_at), tz),
        expires: row
            .expires_at
            .filter(|_| open)
            .map(|t| format_time(t, tz))
            .unwrap_or_default(),
        method: lang.t(method_key(row.payment_method.as_deref())),
        amount: money(row.order_amount),
        captured: money(row.captured_amount),
        refunded: money(row.refunded_amount),
        remaining: money(state_now.remaining_authorized()),
        lines: line_views,
        customer: vec![
            (lang.t("order-customer-name"), row.customer_name.clone()),
            (lang.t("field-email"), row.customer_email.clone()),
        ],
        billing: address_lines(body.get("billing_address")),
        shipping: address_lines(body.get("shipping_address")),
        shipping_info,
        captures: captures
            .iter()
            .map(|c| record(c.captured_at, c.captured_amount, &c.body))
            .collect(),
        refunds: refunds
            .iter()
            .map(|r| record(r.refunded_at, r.refunded_amount, &r.body))
            .collect(),
        events,
        can_capture: manage && open,
        can_refund: manage && row.captured_amount > row.refunded_amount,
        can_cancel: manage && state_now.cancel().is_ok(),
        can_extend: manage && state_now.extend_authorization(now, 24 * 3600 * 1000).is_ok(),
        can_release: manage && state_now.release_remaining().is_ok(),
        can_edit: manage && state_now.may_edit_details().is_ok(),
        can_change_amount: manage && open,
        // Lines change only while nothing is captured (the portal's "edit lines while
        // uncaptured"); the amount alone may change later too.
        can_edit_lines: manage && open && state_now.status == Status::Authorized,
        lines_version: lines_version(&body),
        new_tax_rate: lines
            .first()
            .and_then(|l| l.tax_rate)
            .map(|r| percent_input(r, lang))
            .unwrap_or_default(),
        edit_given: billing_field(&body, "given_name"),
        edit_family: billing_field(&body, "family_name"),
        edit_email: billing_field(&body, "email"),
        edit_street: billing_field(&body, "street_address"),
        edit_postal: billing_field(&body, "postal_code"),
        edit_city: billing_field(&body, "city"),
        edit_phone: billing_field(&body, "phone"),
        shipping_methods: crate::api::model::SHIPPING_METHODS,
        form_key: crate::password::random_token(),
        error,
        page,
    };
    let mut res = render(&template);
    if template.error.is_some() {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
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
    order_page(&state, &member, &order_id, notice, None).await
}

#[derive(Deserialize, Default)]
pub(crate) struct NoticeQuery {
    done: Option<String>,
}
