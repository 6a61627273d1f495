//! The hosted checkout's orders (Kustom's Checkout API v3): create, update while incomplete,
//! abort, and completion by the shopper, which makes the order an authorized Order
//! Management order. The checkout order is the merchant's JSON document; Kassa stores it
//! whole and keeps the facts it searches and counts (amounts, country, customer) in columns.

use super::line::OrderLine;
use super::lock::{lock_checkout, store_of, Locked};
use super::validate::*;
use super::{customer_of, new_id, short_reference, DAY_MS};
use crate::jobs::PUSH;
use crate::{now_ms, Actor, AppError, AppResult};
use kassa_core::access::Permission;
use kassa_core::lines::BadValue;
use kassa_core::money;
use kassa_core::order::{Order, Refusal};
use kassa_core::store_settings::MerchantStatus;
use kassa_core::timeline::EventKind;
use kassa_db::{Db, OrderRow};
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// Why a suspended merchant's checkout is not completed.
pub const MERCHANT_SUSPENDED: &str = "The merchant's account is suspended: it takes no payments.";

/// Checkout orders can be completed for this long after their last change.
pub const CHECKOUT_LIFETIME_MS: i64 = 48 * 3600 * 1000;

/// The part of a checkout order Kassa needs typed; the rest stays JSON.
#[derive(Debug, Deserialize)]
pub struct CheckoutFields {
    pub purchase_country: Option<String>,
    pub purchase_currency: Option<String>,
    pub locale: Option<String>,
    pub order_amount: Option<i64>,
    pub order_tax_amount: Option<i64>,
    pub order_lines: Option<Vec<OrderLine>>,
    pub merchant_urls: Option<Map<String, Value>>,
    pub merchant_reference1: Option<String>,
    pub merchant_reference2: Option<String>,
    pub merchant_data: Option<String>,
    pub billing_address: Option<Value>,
    pub shipping_address: Option<Value>,
    pub customer: Option<Map<String, Value>>,
    pub options: Option<Map<String, Value>>,
    pub shipping_info: Option<Vec<Value>>,
}

/// Fields a client may send back that only Kassa sets; they are ignored on input.
pub const READ_ONLY: &[&str] = &[
    "order_id",
    "status",
    "html_snippet",
    "started_at",
    "completed_at",
    "last_modified_at",
    "name",
    "recurring_token",
    "recurring_description",
    "expires_at",
    "klarna_reference",
];

/// A whole checkout order, checked: every problem at once, as Kustom lists them.
pub fn check_checkout(order: &Map<String, Value>) -> AppResult<CheckoutFields> {
    let f: CheckoutFields = parse_json(Value::Object(order.clone())).map_err(|e| AppError::Invalid(vec![e]))?;
    let mut out = Vec::new();
    let country = f.purchase_country.clone().unwrap_or_default();
    match &f.purchase_country {
        None => out.push(BadValue::new("purchase_country", "required")),
        Some(c) if !money::is_market(c) => out.push(BadValue::new("purchase_country", "not a country Kassa sells in")),
        Some(_) => {}
    }
    match &f.purchase_currency {
        None => out.push(BadValue::new("purchase_currency", "required")),
        Some(c) if !money::is_currency(c) => {
            out.push(BadValue::new("purchase_currency", "not a supported ISO 4217 currency"))
        }
        Some(c) if money::is_market(&country) && !money::currency_allowed(&country, c) => out.push(BadValue::new(
            "purchase_currency",
            format!("not accepted for purchase_country {country}"),
        )),
        Some(_) => {}
    }
    match &f.locale {
        None => out.push(BadValue::new("locale", "required")),
        Some(l) if !money::is_locale(l) => out.push(BadValue::new("locale", "an RFC 1766 locale such as sv-SE")),
        Some(_) => {}
    }
    match (&f.order_lines, f.order_amount, f.order_tax_amount) {
        (Some(lines), Some(amount), Some(tax)) => check_lines(lines, amount, tax, &mut out),
        _ => {
            for (name, present) in [
                ("order_amount", f.order_amount.is_some()),
                ("order_tax_amount", f.order_tax_amount.is_some()),
                ("order_lines", f.order_lines.is_some()),
            ] {
                if !present {
                    out.push(BadValue::new(name, "required"));
                }
            }
        }
    }
    match &f.merchant_urls {
        None => out.push(BadValue::new("merchant_urls", "required")),
        Some(urls) => {
            for name in ["terms", "checkout", "confirmation", "push"] {
                check_url(urls.get(name), &format!("merchant_urls.{name}"), true, &mut out);
            }
            for name in [
                "validation",
                "notification",
                "cancellation_terms",
                "shipping_option_update",
                "address_update",
                "country_change",
            ] {
                check_url(urls.get(name), &format!("merchant_urls.{name}"), false, &mut out);
            }
        }
    }
    check_text(f.merchant_reference1.as_deref(), "merchant_reference1", 255, &mut out);
    check_text(f.merchant_reference2.as_deref(), "merchant_reference2", 255, &mut out);
    check_text(f.merchant_data.as_deref(), "merchant_data", 6000, &mut out);
    if let Some(entries) = &f.shipping_info {
        check_shipping_info(entries, &mut out);
    }
    for (name, addr) in [
        ("billing_address", &f.billing_address),
        ("shipping_address", &f.shipping_address),
    ] {
        if let Some(a) = addr.as_ref().filter(|a| !a.is_null()) {
            check_address(a, name, &mut out);
        }
    }
    AppError::check(out)?;
    Ok(f)
}

/// Stores a new checkout order: `order` is the merchant's order document.
pub async fn create_checkout(db: &Db, actor: &Actor, mut order: Map<String, Value>) -> AppResult<OrderRow> {
    let store_id = store_of(actor, Permission::ManageOrders)?.to_owned();
    for key in READ_ONLY {
        order.remove(*key);
    }
    let f = check_checkout(&order)?;
    normalize_checkout(&mut order, &f);
    let now = now_ms();
    let mut row = OrderRow {
        order_id: new_id(),
        store_id,
        short_reference: short_reference(),
        checkout_status: "checkout_incomplete".into(),
        status: None,
        fraud_status: None,
        purchase_country: String::new(),
        purchase_currency: String::new(),
        locale: String::new(),
        order_amount: 0,
        order_tax_amount: 0,
        original_order_amount: 0,
        captured_amount: 0,
        refunded_amount: 0,
        released: false,
        merchant_reference1: None,
        merchant_reference2: None,
        customer_name: String::new(),
        customer_email: String::new(),
        payment_method: None,
        acknowledged: false,
        body: String::new(),
        created_at: now,
        completed_at: None,
        last_modified_at: now,
        checkout_expires_at: now + CHECKOUT_LIFETIME_MS,
        expires_at: None,
    };
    copy_checkout_facts(&mut row, &order, &f);
    row.original_order_amount = row.order_amount;
    let mut tx = db.begin().await?;
    tx.insert_order(&row).await?;
    let mut locked = Locked::new(tx, row);
    let amount = locked.row.order_amount;
    locked
        .event(actor, EventKind::CheckoutCreated, Some(amount), None)
        .await?;
    locked.tx.commit().await?;
    Ok(locked.row)
}

fn normalize_checkout(body: &mut Map<String, Value>, f: &CheckoutFields) {
    if let Some(c) = &f.purchase_country {
        body.insert("purchase_country".into(), json!(c.to_uppercase()));
    }
    if let Some(c) = &f.purchase_currency {
        body.insert("purchase_currency".into(), json!(c.to_uppercase()));
    }
    if let Some(lines) = &f.order_lines {
        let lines: Vec<OrderLine> = lines.iter().cloned().map(OrderLine::normalized).collect();
        body.insert("order_lines".into(), json!(lines));
    }
}

fn copy_checkout_facts(row: &mut OrderRow, body: &Map<String, Value>, f: &CheckoutFields) {
    row.purchase_country = f.purchase_country.clone().unwrap_or_default().to_uppercase();
    row.purchase_currency = f.purchase_currency.clone().unwrap_or_default().to_uppercase();
    row.locale = f.locale.clone().unwrap_or_default();
    row.order_amount = f.order_amount.unwrap_or(0);
    row.order_tax_amount = f.order_tax_amount.unwrap_or(0);
    row.merchant_reference1 = f.merchant_reference1.clone();
    row.merchant_reference2 = f.merchant_reference2.clone();
    let (name, email) = customer_of(body);
    row.customer_name = name;
    row.customer_email = email;
    row.body = Value::Object(body.clone()).to_string();
}

/// Whether the checkout can still change or be completed.
pub fn checkout_open(row: &OrderRow, now: i64) -> Result<(), Refusal> {
    let refused = |m: &str| Err(Refusal::ReadOnly(m.to_owned()));
    match row.checkout_status.as_str() {
        "checkout_incomplete" if now >= row.checkout_expires_at => {
            refused("The checkout has expired (48 hours without changes). Create a new order.")
        }
        "checkout_incomplete" => Ok(()),
        "checkout_complete" => refused("You tried to modify a read only resource: the order is complete."),
        _ => refused("You tried to modify a read only resource: the order was aborted."),
    }
}

/// A partial update of a checkout order.
#[derive(Debug, Clone)]
pub struct UpdateCheckout {
    pub order_id: String,
    /// Fields that replace the stored ones; the result is checked whole.
    pub patch: Map<String, Value>,
}

pub async fn update_checkout(db: &Db, actor: &Actor, cmd: UpdateCheckout) -> AppResult<OrderRow> {
    let mut locked = lock_checkout(db, actor, &cmd.order_id).await?;
    let now = now_ms();
    checkout_open(&locked.row, now)?;
    let mut body = locked.body();
    for (k, v) in cmd.patch {
        if !READ_ONLY.contains(&k.as_str()) {
            body.insert(k, v);
        }
    }
    let f = check_checkout(&body)?;
    normalize_checkout(&mut body, &f);
    copy_checkout_facts(&mut locked.row, &body, &f);
    locked.row.original_order_amount = locked.row.order_amount;
    locked.row.last_modified_at = now;
    locked.row.checkout_expires_at = now + CHECKOUT_LIFETIME_MS;
    locked.save().await?;
    let amount = locked.row.order_amount;
    locked
        .event(actor, EventKind::CheckoutUpdated, Some(amount), None)
        .await?;
    locked.tx.commit().await?;
    Ok(locked.row)
}

/// Aborts a checkout that is not complete (again: no change).
pub async fn abort_checkout(db: &Db, actor: &Actor, order_id: &str) -> AppResult<OrderRow> {
    let mut locked = lock_checkout(db, actor, order_id).await?;
    if locked.row.checkout_status == "checkout_complete" {
        return Err(
            Refusal::ReadOnly("You tried to modify a read only resource: the order is complete.".into()).into(),
        );
    }
    if locked.row.checkout_status != "checkout_aborted" {
        locked.row.checkout_status = "checkout_aborted".into();
        locked.row.last_modified_at = now_ms();
        locked.save().await?;
        locked.event(actor, EventKind::CheckoutAborted, None, None).await?;
    }
    locked.tx.commit().await?;
    Ok(locked.row)
}

/// What the shopper (or the playground's test helper) supplies to complete a checkout.
#[derive(Debug, Clone)]
pub struct CompleteCheckout {
    pub order_id: String,
    pub billing_address: Map<String, Value>,
    pub shipping_address: Option<Map<String, Value>>,
    /// INVOICE, CARD or PAY_IN_X (Kustom's `initial_payment_method.type`).
    pub payment_method: String,
    /// How long the authorization holds (the store's setting).
    pub reservation_days: i64,
}

/// How a payment method is described to the merchant.
pub fn payment_description(method: &str) -> &'static str {
    match method {
        "CARD" => "Card",
        "PAY_IN_X" => "Pay in parts",
        _ => "Pay later by invoice",
    }
}

/// Completes a checkout: the order becomes an authorized Order Management order, and the
/// merchant's push notification is queued (a persistent job).
pub async fn complete_checkout(db: &Db, actor: &Actor, cmd: CompleteCheckout) -> AppResult<OrderRow> {
    // A suspended merchant takes no payments, whichever surface the shopper pays through.
    if let Some(store) = &actor.store_id {
        if db.merchant_status_of_store(store).await? == Some(MerchantStatus::Suspended) {
            return Err(Refusal::NotAllowed(MERCHANT_SUSPENDED.into()).into());
        }
    }
    let mut locked = lock_checkout(db, actor, &cmd.order_id).await?;
    let now = now_ms();
    checkout_open(&locked.row, now)?;
    let mut body = locked.body();
    let mut problems = Vec::new();
    check_address(
        &Value::Object(cmd.billing_address.clone()),
        "billing_address",
        &mut problems,
    );
    let email = cmd.billing_address.get("email").and_then(Value::as_str).unwrap_or("");
    if email.is_empty() {
        problems.push(BadValue::new("billing_address.email", "required"));
    }
    AppError::check(problems)?;
    let method = cmd.payment_method;
    let shipping = cmd.shipping_address.unwrap_or_else(|| cmd.billing_address.clone());
    body.insert("billing_address".into(), Value::Object(cmd.billing_address));
    body.insert("shipping_address".into(), Value::Object(shipping));
    body.insert(
        "initial_payment_method".into(),
        json!({"type": method, "description": payment_description(&method),
               "number_of_installments": if method == "PAY_IN_X" { json!(3) } else { Value::Null }}),
    );
    let authorized = Order::authorized(locked.row.order_amount, now, cmd.reservation_days * DAY_MS);
    locked.row.checkout_status = "checkout_complete".into();
    locked.row.fraud_status = Some("ACCEPTED".into());
    locked.row.payment_method = Some(method.clone());
    locked.row.completed_at = Some(now);
    locked.apply(&authorized, now);
    let (name, email) = customer_of(&body);
    locked.row.customer_name = name;
    locked.row.customer_email = email;
    locked.set_body(&body);
    locked.save().await?;
    // Home's "Sales" chart counts each completed purchase on its UTC day, in the same
    // transaction, so the chart and the order list never disagree.
    let (store_id, currency) = (locked.row.store_id.clone(), locked.row.purchase_currency.clone());
    let sale = locked.row.original_order_amount;
    locked
        .tx
        .add_daily_sale(&store_id, &currency, now / DAY_MS, sale)
        .await?;
    let amount = locked.row.order_amount;
    locked
        .event(
            actor,
            EventKind::Authorized,
            Some(amount),
            Some(json!({"payment_method": method})),
        )
        .await?;
    locked.tx.schedule_job(PUSH, &cmd.order_id, &store_id, now, now).await?;
    locked.tx.commit().await?;
    Ok(locked.row)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn messages(e: AppError) -> Vec<String> {
        match e {
            AppError::Invalid(fields) => fields.iter().map(ToString::to_string).collect(),
            other => panic!("{other:?}"),
        }
    }

    fn order() -> Map<String, Value> {
        json!({
            "purchase_country": "SE", "purchase_currency": "SEK", "locale": "sv-SE",
            "order_amount": 50000, "order_tax_amount": 10000,
            "order_lines": [{"type": "physical", "reference": "19-402", "name": "Shoes", "quantity": 2,
                             "unit_price": 25000, "tax_rate": 2500, "total_amount": 50000, "total_tax_amount": 10000,
                             "product_identifiers": {"brand": "Acme"}}],
            "merchant_urls": {"terms": "https://shop.test/terms", "checkout": "https://shop.test/checkout",
                              "confirmation": "https://shop.test/thanks?id={checkout.order.id}", "push": "https://shop.test/push?id={checkout.order.id}"}
        })
        .as_object()
        .unwrap()
        .clone()
    }

    #[test]
    fn a_valid_order_passes_and_keeps_unknown_line_fields() {
        let f = check_checkout(&order()).unwrap();
        assert_eq!(f.order_lines.unwrap()[0].extra["product_identifiers"]["brand"], "Acme");
    }

    #[test]
    fn every_problem_is_listed_with_its_field() {
        let mut o = order();
        o.insert("purchase_currency".into(), json!("EUR"));
        o.insert("locale".into(), json!("klingon"));
        o["order_lines"][0]["total_tax_amount"] = json!(9000);
        o["merchant_urls"].as_object_mut().unwrap().remove("push");
        let text = messages(check_checkout(&o).unwrap_err()).join("\n");
        for field in [
            "purchase_currency",
            "locale",
            "order_lines[0].total_tax_amount",
            "merchant_urls.push",
        ] {
            assert!(text.contains(field), "{field} missing in {text}");
        }
    }

    #[test]
    fn wrong_types_name_the_field() {
        let mut o = order();
        o["order_lines"][0]["quantity"] = json!("two");
        let messages = messages(check_checkout(&o).unwrap_err());
        assert!(messages[0].contains("order_lines[0].quantity"), "{messages:?}");
    }
}
