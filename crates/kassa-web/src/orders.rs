//! Order operations shared by the merchant API, the hosted checkout and (later) the portal:
//! lock the order, let kassa-core decide, persist the change with its timeline event in the
//! same transaction. Callers finish the transaction, so the API can save its idempotent
//! response in it.

use crate::api::error::ApiError;
use crate::api::model::{self, iso_time, CaptureRequest, Object, RefundRequest, WireLine};
use crate::now_ms;
use axum::http::StatusCode;
use kassa_core::lines::{exceeds_quantities, Line};
use kassa_core::order::{Order, Refusal, Status};
use kassa_db::{CaptureRow, Db, OrderEvent, OrderRow, RefundRow, Tx};
use serde_json::{json, Value};

/// Checkout orders can be completed for this long after their last change.
pub const CHECKOUT_LIFETIME_MS: i64 = 48 * 3600 * 1000;
const DAY_MS: i64 = 24 * 3600 * 1000;

/// Who made a change, for the order timeline.
#[derive(Debug, Clone)]
pub struct Actor {
    /// `api_key`, `portal_user`, `system` or `shopper`.
    pub kind: &'static str,
    pub name: String,
}

impl Actor {
    pub fn system() -> Actor {
        Actor {
            kind: "system",
            name: "kassa".into(),
        }
    }
}

/// An order locked for change in an open transaction.
pub struct Locked {
    pub tx: Tx,
    pub row: OrderRow,
    /// The uncaptured amount when locked, to keep the store's total in step on save.
    uncaptured_before: i64,
}

/// What an order adds to its store's uncaptured total.
fn uncaptured(row: &OrderRow) -> i64 {
    match row.status.as_deref() {
        Some("AUTHORIZED") | Some("PART_CAPTURED") if !row.released => row.order_amount - row.captured_amount,
        _ => 0,
    }
}

fn locked(tx: Tx, row: OrderRow) -> Locked {
    Locked {
        uncaptured_before: uncaptured(&row),
        tx,
        row,
    }
}

impl Locked {
    pub fn state(&self) -> Result<Order, ApiError> {
        core_state(&self.row)
    }

    fn apply(&mut self, o: &Order, now: i64) {
        self.row.status = Some(o.status.code().to_owned());
        self.row.order_amount = o.order_amount;
        self.row.captured_amount = o.captured_amount;
        self.row.refunded_amount = o.refunded_amount;
        self.row.released = o.released;
        self.row.expires_at = Some(o.expires_at);
        self.row.last_modified_at = now;
    }

    pub fn body(&self) -> Object {
        serde_json::from_str(&self.row.body).unwrap_or_default()
    }

    pub fn set_body(&mut self, body: &Object) {
        self.row.body = Value::Object(body.clone()).to_string();
    }

    pub async fn event(
        &mut self,
        actor: &Actor,
        action: &str,
        amount: Option<i64>,
        details: Option<Value>,
    ) -> Result<(), ApiError> {
        let event = OrderEvent {
            order_id: self.row.order_id.clone(),
            at: now_ms(),
            actor_kind: actor.kind.to_owned(),
            actor: actor.name.clone(),
            action: action.to_owned(),
            amount,
            details: details.map(|d| d.to_string()),
        };
        Ok(self.tx.insert_event(&event).await?)
    }

    /// Writes the order back, and its change to the store's uncaptured total. The caller
    /// commits.
    pub async fn save(&mut self) -> Result<(), ApiError> {
        self.tx.update_order(&self.row).await?;
        let after = uncaptured(&self.row);
        let before = std::mem::replace(&mut self.uncaptured_before, after);
        if after != before {
            let count = (after > 0) as i64 - (before > 0) as i64;
            let shard = (now_ms() % 16 + self.row.order_id.len() as i64) % 16;
            self.tx
                .add_uncaptured(
                    &self.row.store_id,
                    &self.row.purchase_currency,
                    after - before,
                    count,
                    shard,
                )
                .await?;
        }
        Ok(())
    }
}

pub fn core_state(row: &OrderRow) -> Result<Order, ApiError> {
    let status: Status = row
        .status
        .as_deref()
        .ok_or_else(|| ApiError::no_such_order(&row.order_id))?
        .parse()
        .map_err(|_| ApiError::internal())?;
    Ok(Order {
        status,
        order_amount: row.order_amount,
        captured_amount: row.captured_amount,
        refunded_amount: row.refunded_amount,
        released: row.released,
        created_at: row.completed_at.unwrap_or(row.created_at),
        expires_at: row.expires_at.unwrap_or(row.created_at),
    })
}

/// Locks an Order Management order (a completed checkout) of `store_id`.
pub async fn lock(db: &Db, store_id: &str, order_id: &str) -> Result<Locked, ApiError> {
    let mut tx = db.begin().await?;
    match tx.lock_order(store_id, order_id).await? {
        Some(row) if row.status.is_some() => Ok(locked(tx, row)),
        _ => Err(ApiError::no_such_order(order_id)),
    }
}

/// Locks a checkout order of `store_id` in any state.
pub async fn lock_checkout(db: &Db, store_id: &str, order_id: &str) -> Result<Locked, ApiError> {
    let mut tx = db.begin().await?;
    match tx.lock_order(store_id, order_id).await? {
        Some(row) => Ok(locked(tx, row)),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("We did not find any order with ID {order_id}. You need to create a new order."),
        )),
    }
}

/// The lines in a stored capture or refund body.
fn stored_lines(body: &str) -> Vec<WireLine> {
    lines_of(
        serde_json::from_str::<Value>(body)
            .ok()
            .as_ref()
            .and_then(|b| b.get("order_lines")),
    )
}

fn lines_of(value: Option<&Value>) -> Vec<WireLine> {
    value
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default()
}

fn core_lines(lines: &[WireLine]) -> Vec<Line> {
    lines.iter().map(WireLine::to_line).collect()
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Kustom's short customer-facing reference, e.g. `K4MADNY`: no look-alike characters.
pub fn short_reference() -> String {
    crate::password::random_password(7)
        .to_uppercase()
        .replace(['0', 'O', '1', 'I', 'L'], "X")
}

// ---- Checkout ------------------------------------------------------------------------------

/// Stores a new checkout order from a validated body.
pub async fn create_checkout(db: &Db, store_id: &str, mut body: Object, actor: &Actor) -> Result<OrderRow, ApiError> {
    for key in model::READ_ONLY {
        body.remove(*key);
    }
    let f = model::check_checkout(&body)?;
    normalize_checkout(&mut body, &f);
    let now = now_ms();
    let mut row = OrderRow {
        order_id: new_id(),
        store_id: store_id.to_owned(),
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
    copy_checkout_facts(&mut row, &body, &f);
    row.original_order_amount = row.order_amount;
    let mut tx = db.begin().await?;
    tx.insert_order(&row).await?;
    let mut locked = locked(tx, row);
    locked
        .event(actor, "checkout_created", Some(locked.row.order_amount), None)
        .await?;
    locked.tx.commit().await?;
    Ok(locked.row)
}

fn normalize_checkout(body: &mut Object, f: &model::CheckoutFields) {
    if let Some(c) = &f.purchase_country {
        body.insert("purchase_country".into(), json!(c.to_uppercase()));
    }
    if let Some(c) = &f.purchase_currency {
        body.insert("purchase_currency".into(), json!(c.to_uppercase()));
    }
    if let Some(lines) = &f.order_lines {
        let lines: Vec<WireLine> = lines.iter().cloned().map(WireLine::normalized).collect();
        body.insert("order_lines".into(), json!(lines));
    }
}

fn copy_checkout_facts(row: &mut OrderRow, body: &Object, f: &model::CheckoutFields) {
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

/// Name and email from the billing address, for search and lists.
pub fn customer_of(body: &Object) -> (String, String) {
    let addr = body.get("billing_address").and_then(Value::as_object);
    let field = |k: &str| {
        addr.and_then(|a| a.get(k))
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim()
            .to_owned()
    };
    let name = format!("{} {}", field("given_name"), field("family_name"))
        .trim()
        .to_owned();
    (name, field("email").to_lowercase())
}

/// Whether the checkout can still change or be completed.
pub fn checkout_open(row: &OrderRow, now: i64) -> Result<(), ApiError> {
    let refused = |m: &str| Err(ApiError::new(StatusCode::FORBIDDEN, "READ_ONLY_ORDER", m.to_owned()));
    match row.checkout_status.as_str() {
        "checkout_incomplete" if now >= row.checkout_expires_at => {
            refused("The checkout has expired (48 hours without changes). Create a new order.")
        }
        "checkout_incomplete" => Ok(()),
        "checkout_complete" => refused("You tried to modify a read only resource: the order is complete."),
        _ => refused("You tried to modify a read only resource: the order was aborted."),
    }
}

/// Partial update: fields in `patch` replace the stored ones; the result is checked whole.
pub async fn update_checkout(
    db: &Db,
    store_id: &str,
    order_id: &str,
    patch: Object,
    actor: &Actor,
) -> Result<OrderRow, ApiError> {
    let mut locked = lock_checkout(db, store_id, order_id).await?;
    let now = now_ms();
    checkout_open(&locked.row, now)?;
    let mut body = locked.body();
    for (k, v) in patch {
        if !model::READ_ONLY.contains(&k.as_str()) {
            body.insert(k, v);
        }
    }
    let f = model::check_checkout(&body)?;
    normalize_checkout(&mut body, &f);
    copy_checkout_facts(&mut locked.row, &body, &f);
    locked.row.original_order_amount = locked.row.order_amount;
    locked.row.last_modified_at = now;
    locked.row.checkout_expires_at = now + CHECKOUT_LIFETIME_MS;
    locked.save().await?;
    locked
        .event(actor, "checkout_updated", Some(locked.row.order_amount), None)
        .await?;
    locked.tx.commit().await?;
    Ok(locked.row)
}

pub async fn abort_checkout(db: &Db, store_id: &str, order_id: &str, actor: &Actor) -> Result<OrderRow, ApiError> {
    let mut locked = lock_checkout(db, store_id, order_id).await?;
    if locked.row.checkout_status == "checkout_complete" {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "READ_ONLY_ORDER",
            "You tried to modify a read only resource: the order is complete.",
        ));
    }
    if locked.row.checkout_status != "checkout_aborted" {
        locked.row.checkout_status = "checkout_aborted".into();
        locked.row.last_modified_at = now_ms();
        locked.save().await?;
        locked.event(actor, "checkout_aborted", None, None).await?;
    }
    locked.tx.commit().await?;
    Ok(locked.row)
}

/// What the shopper (or the test helper) supplies to complete a checkout.
#[derive(Debug, Clone)]
pub struct Purchase {
    pub billing_address: Object,
    pub shipping_address: Option<Object>,
    /// INVOICE, CARD or PAY_IN_X (Kustom's `initial_payment_method.type`).
    pub payment_method: String,
}

pub fn payment_description(method: &str) -> &'static str {
    match method {
        "CARD" => "Card",
        "PAY_IN_X" => "Pay in parts",
        _ => "Pay later by invoice",
    }
}

/// Completes a checkout: the order becomes an authorized Order Management order, and the
/// merchant's push notification is queued (a persistent job).
pub async fn complete_checkout(
    db: &Db,
    store_id: &str,
    order_id: &str,
    purchase: Purchase,
    reservation_days: i64,
    actor: &Actor,
) -> Result<OrderRow, ApiError> {
    let mut locked = lock_checkout(db, store_id, order_id).await?;
    let now = now_ms();
    checkout_open(&locked.row, now)?;
    let mut body = locked.body();
    let mut problems = Vec::new();
    model::check_address(
        &Value::Object(purchase.billing_address.clone()),
        "billing_address",
        &mut problems,
    );
    let email = purchase
        .billing_address
        .get("email")
        .and_then(Value::as_str)
        .unwrap_or("");
    if email.is_empty() {
        problems.push(kassa_core::lines::BadValue::new("billing_address.email", "required"));
    }
    if !problems.is_empty() {
        return Err(ApiError::bad_values(problems));
    }
    body.insert(
        "billing_address".into(),
        Value::Object(purchase.billing_address.clone()),
    );
    body.insert(
        "shipping_address".into(),
        Value::Object(
            purchase
                .shipping_address
                .clone()
                .unwrap_or_else(|| purchase.billing_address.clone()),
        ),
    );
    body.insert(
        "initial_payment_method".into(),
        json!({"type": purchase.payment_method, "description": payment_description(&purchase.payment_method),
               "number_of_installments": if purchase.payment_method == "PAY_IN_X" { json!(3) } else { Value::Null }}),
    );
    let authorized = Order::authorized(locked.row.order_amount, now, reservation_days * DAY_MS);
    locked.row.checkout_status = "checkout_complete".into();
    locked.row.fraud_status = Some("ACCEPTED".into());
    locked.row.payment_method = Some(purchase.payment_method.clone());
    locked.row.completed_at = Some(now);
    locked.apply(&authorized, now);
    let (name, email) = customer_of(&body);
    locked.row.customer_name = name;
    locked.row.customer_email = email;
    locked.set_body(&body);
    locked.save().await?;
    // Home's "Sales" chart counts each completed purchase on its UTC day, in the same
    // transaction, so the chart and the order list never disagree.
    locked
        .tx
        .add_daily_sale(
            store_id,
            &locked.row.purchase_currency,
            now / DAY_MS,
            locked.row.original_order_amount,
        )
        .await?;
    locked
        .event(
            actor,
            "authorized",
            Some(locked.row.order_amount),
            Some(json!({"payment_method": purchase.payment_method})),
        )
        .await?;
    locked
        .tx
        .schedule_job(crate::jobs::PUSH, order_id, store_id, now, now)
        .await?;
    locked.tx.commit().await?;
    Ok(locked.row)
}

// ---- Order Management ----------------------------------------------------------------------

/// The merchant has the order: push notifications stop.
pub async fn acknowledge(locked: &mut Locked, actor: &Actor) -> Result<(), ApiError> {
    if locked.row.acknowledged {
        return Ok(());
    }
    locked.row.acknowledged = true;
    locked.save().await?;
    locked
        .tx
        .finish_jobs(crate::jobs::PUSH, &locked.row.order_id, now_ms())
        .await?;
    locked.event(actor, "acknowledged", None, None).await
}

/// Captures `req` on a locked order; returns the new capture.
pub async fn capture(locked: &mut Locked, req: &CaptureRequest, actor: &Actor) -> Result<CaptureRow, ApiError> {
    let now = now_ms();
    let lines = req.order_lines.clone().unwrap_or_default();
    let mut problems = model::check_partial_lines(&lines, req.captured_amount, "captured_amount");
    model::check_text(req.description.as_deref(), "description", 255, &mut problems);
    model::check_text(req.reference.as_deref(), "reference", 255, &mut problems);
    model::check_shipping_info(req.shipping_info.as_deref().unwrap_or_default(), &mut problems);
    if req.shipping_delay.is_some_and(|d| d < 0) {
        problems.push(kassa_core::lines::BadValue::new(
            "shipping_delay",
            "must not be negative",
        ));
    }
    if !problems.is_empty() {
        return Err(ApiError::bad_values(problems));
    }
    let next = locked.state()?.capture(req.captured_amount, now)?;
    let body = locked.body();
    if !lines.is_empty() {
        // Only a capture by lines needs the earlier captures' lines.
        let captures = locked.tx.captures_of(&locked.row.order_id).await?;
        let ordered = core_lines(&lines_of(body.get("order_lines")));
        let earlier: Vec<Vec<Line>> = captures.iter().map(|c| core_lines(&stored_lines(&c.body))).collect();
        let earlier: Vec<&[Line]> = earlier.iter().map(Vec::as_slice).collect();
        if let Some(name) = exceeds_quantities(&ordered, &earlier, &core_lines(&lines)) {
            return Err(Refusal::CaptureNotAllowed(format!(
                "Capture not allowed: more of {name:?} than ordered and not yet captured."
            ))
            .into());
        }
    }
    let seq = locked.tx.next_capture_seq(&locked.row.order_id).await?;
    let capture_id = new_id();
    let capture_body = json!({
        "capture_id": capture_id,
        "klarna_reference": format!("{}-{seq}", locked.row.short_reference),
        "description": req.description,
        "reference": req.reference,
        "order_lines": lines.into_iter().map(WireLine::normalized).collect::<Vec<_>>(),
        "shipping_info": req.shipping_info.clone().unwrap_or_default(),
        "billing_address": body.get("billing_address"),
        "shipping_address": body.get("shipping_address"),
    });
    let cap = CaptureRow {
        capture_id,
        order_id: locked.row.order_id.clone(),
        seq,
        captured_amount: req.captured_amount,
        refunded_amount: 0,
        body: capture_body.to_string(),
        captured_at: now,
    };
    locked.tx.insert_capture(&cap).await?;
    // A capture counts as acknowledgement: push notifications stop.
    locked
        .tx
        .finish_jobs(crate::jobs::PUSH, &locked.row.order_id, now)
        .await?;
    locked.apply(&next, now);
    locked.save().await?;
    locked
        .event(
            actor,
            "captured",
            Some(req.captured_amount),
            Some(json!({"capture_id": cap.capture_id})),
        )
        .await?;
    Ok(cap)
}

/// Refunds on a locked order, spreading the amount over captures oldest first.
pub async fn refund(locked: &mut Locked, req: &RefundRequest, actor: &Actor) -> Result<RefundRow, ApiError> {
    let now = now_ms();
    let lines = req.order_lines.clone().unwrap_or_default();
    let mut problems = model::check_partial_lines(&lines, req.refunded_amount, "refunded_amount");
    model::check_text(req.description.as_deref(), "description", 255, &mut problems);
    model::check_text(req.reference.as_deref(), "reference", 255, &mut problems);
    if !problems.is_empty() {
        return Err(ApiError::bad_values(problems));
    }
    let next = locked.state()?.refund(req.refunded_amount)?;
    let mut captures = locked.tx.captures_of(&locked.row.order_id).await?;
    if !lines.is_empty() {
        let captured: Vec<Line> = captures
            .iter()
            .flat_map(|c| core_lines(&stored_lines(&c.body)))
            .collect();
        let refunds = locked.tx.refunds_of(&locked.row.order_id).await?;
        let earlier: Vec<Vec<Line>> = refunds.iter().map(|r| core_lines(&stored_lines(&r.body))).collect();
        let earlier: Vec<&[Line]> = earlier.iter().map(Vec::as_slice).collect();
        if !captured.is_empty() {
            if let Some(name) = exceeds_quantities(&captured, &earlier, &core_lines(&lines)) {
                return Err(Refusal::RefundNotAllowed(format!(
                    "Refund not allowed: more of {name:?} than captured and not yet refunded."
                ))
                .into());
            }
        }
    }
    let mut left = req.refunded_amount;
    for cap in captures.iter_mut() {
        let room = cap.captured_amount - cap.refunded_amount;
        let take = room.min(left);
        if take > 0 {
            cap.refunded_amount += take;
            left -= take;
            locked.tx.update_capture(cap).await?;
        }
    }
    let refund_id = new_id();
    let body = json!({
        "refund_id": refund_id,
        "description": req.description,
        "reference": req.reference,
        "order_lines": lines.into_iter().map(WireLine::normalized).collect::<Vec<_>>(),
    });
    let r = RefundRow {
        refund_id,
        order_id: locked.row.order_id.clone(),
        refunded_amount: req.refunded_amount,
        body: body.to_string(),
        refunded_at: now,
    };
    locked.tx.insert_refund(&r).await?;
    locked.apply(&next, now);
    locked.save().await?;
    locked
        .event(
            actor,
            "refunded",
            Some(req.refunded_amount),
            Some(json!({"refund_id": r.refund_id, "description": req.description})),
        )
        .await?;
    Ok(r)
}

/// A state change without new rows: cancel, release, extend.
pub async fn transition(locked: &mut Locked, actor: &Actor, action: &str, next: Order) -> Result<(), ApiError> {
    let before = locked.state()?;
    locked.apply(&next, now_ms());
    locked.save().await?;
    let amount = match action {
        "released" => Some(before.remaining_authorized()),
        _ => None,
    };
    let details = (before.expires_at != next.expires_at).then(|| json!({"expires_at": iso_time(next.expires_at)}));
    locked.event(actor, action, amount, details).await
}

/// Changes the order amount (and optionally its lines) of a locked order.
pub async fn update_authorization(
    locked: &mut Locked,
    req: &model::UpdateAuthorization,
    actor: &Actor,
) -> Result<(), ApiError> {
    let mut problems = Vec::new();
    model::check_text(req.description.as_deref(), "description", 255, &mut problems);
    if let Some(lines) = &req.order_lines {
        // Summed wide: the lines are only checked below, and huge values must not overflow.
        let tax = lines
            .iter()
            .map(|l| l.total_tax_amount.unwrap_or(0) as i128)
            .sum::<i128>();
        let tax = i64::try_from(tax).unwrap_or(i64::MAX);
        model::check_lines(lines, req.order_amount, tax, &mut problems);
    }
    if !problems.is_empty() {
        return Err(ApiError::bad_values(problems));
    }
    let before = locked.row.order_amount;
    let ceiling = approval_ceiling(locked).await?;
    let next = locked
        .state()?
        .update_authorization(req.order_amount, now_ms(), ceiling)?;
    if let Some(lines) = &req.order_lines {
        let mut body = locked.body();
        body.insert(
            "order_lines".into(),
            json!(lines.iter().cloned().map(WireLine::normalized).collect::<Vec<_>>()),
        );
        locked.row.order_tax_amount = lines.iter().map(|l| l.total_tax_amount.unwrap_or(0)).sum::<i64>();
        locked.set_body(&body);
    }
    locked.apply(&next, now_ms());
    locked.save().await?;
    locked
        .event(
            actor,
            "authorization_updated",
            Some(req.order_amount),
            Some(json!({"before": before, "description": req.description})),
        )
        .await
}

/// The highest amount the payment method approves for this order: the store's
/// `max_authorization_increase_percent` above the amount first authorized.
pub async fn approval_ceiling(locked: &mut Locked) -> Result<i64, ApiError> {
    let store_id = locked.row.store_id.clone();
    let percent = locked.tx.authorization_increase_limit(&store_id).await?.unwrap_or(0);
    Ok(kassa_core::order::increase_ceiling(
        locked.row.original_order_amount,
        percent,
    ))
}

/// Edits to the record that do not touch money (references, addresses, shipping info).
pub async fn edit_details(
    locked: &mut Locked,
    actor: &Actor,
    action: &str,
    edit: impl FnOnce(&mut Object, &mut OrderRow),
) -> Result<(), ApiError> {
    locked.state()?.may_edit_details()?;
    let mut body = locked.body();
    edit(&mut body, &mut locked.row);
    let (name, email) = customer_of(&body);
    locked.row.customer_name = name;
    locked.row.customer_email = email;
    locked.set_body(&body);
    locked.row.last_modified_at = now_ms();
    locked.save().await?;
    locked.event(actor, action, None, None).await
}

// ---- Representations -----------------------------------------------------------------------

/// The Order Management `Order` object.
pub async fn om_order_json(db: &Db, row: &OrderRow) -> Result<Value, ApiError> {
    let captures = db.captures_of(&row.order_id).await?;
    let refunds = db.refunds_of(&row.order_id).await?;
    let body: Object = serde_json::from_str(&row.body).unwrap_or_default();
    let state = core_state(row)?;
    let mut o = json!({
        "order_id": row.order_id,
        "status": row.status,
        "fraud_status": row.fraud_status,
        "order_amount": row.order_amount,
        "original_order_amount": row.original_order_amount,
        "captured_amount": row.captured_amount,
        "refunded_amount": row.refunded_amount,
        "remaining_authorized_amount": state.remaining_authorized(),
        "purchase_currency": row.purchase_currency,
        "purchase_country": row.purchase_country,
        "locale": row.locale,
        "order_lines": body.get("order_lines").cloned().unwrap_or(json!([])),
        "merchant_reference1": row.merchant_reference1,
        "merchant_reference2": row.merchant_reference2,
        "klarna_reference": row.short_reference,
        "customer": body.get("customer").cloned().unwrap_or(json!({})),
        "billing_address": body.get("billing_address").cloned().unwrap_or(json!({})),
        "shipping_address": body.get("shipping_address").cloned().unwrap_or(json!({})),
        "created_at": iso_time(row.completed_at.unwrap_or(row.created_at)),
        "expires_at": row.expires_at.map(iso_time),
        "captures": captures.iter().map(capture_json).collect::<Vec<_>>(),
        "refunds": refunds.iter().map(refund_json).collect::<Vec<_>>(),
        "merchant_data": body.get("merchant_data"),
        "shipping_info": body.get("shipping_info").cloned().unwrap_or(json!([])),
        "initial_payment_method": body.get("initial_payment_method"),
    });
    if let Some(opt) = body.get("selected_shipping_option") {
        o["selected_shipping_option"] = opt.clone();
    }
    strip_nulls(&mut o);
    Ok(o)
}

pub fn capture_json(c: &CaptureRow) -> Value {
    let mut v: Value = serde_json::from_str(&c.body).unwrap_or(json!({}));
    v["captured_amount"] = json!(c.captured_amount);
    v["refunded_amount"] = json!(c.refunded_amount);
    v["captured_at"] = json!(iso_time(c.captured_at));
    strip_nulls(&mut v);
    v
}

pub fn refund_json(r: &RefundRow) -> Value {
    let mut v: Value = serde_json::from_str(&r.body).unwrap_or(json!({}));
    v["refunded_amount"] = json!(r.refunded_amount);
    v["refunded_at"] = json!(iso_time(r.refunded_at));
    strip_nulls(&mut v);
    v
}

/// The Checkout `order` object.
pub fn checkout_json(row: &OrderRow, public_url: &str) -> Value {
    let mut o: Value = serde_json::from_str(&row.body).unwrap_or(json!({}));
    let base = public_url.trim_end_matches('/');
    o["order_id"] = json!(row.order_id);
    o["status"] = json!(row.checkout_status);
    o["started_at"] = json!(iso_time(row.created_at));
    o["last_modified_at"] = json!(iso_time(row.last_modified_at));
    if let Some(t) = row.completed_at {
        o["completed_at"] = json!(iso_time(t));
    }
    o["html_snippet"] = json!(format!(
        "<div id=\"kassa-checkout-container\"><iframe id=\"kassa-checkout-iframe\" name=\"kassa-checkout-iframe\" \
         title=\"Kassa Checkout\" src=\"{base}/checkout/{}\" style=\"width:100%;height:720px;border:0\"></iframe>\
         <script src=\"{base}/static/checkout-frame.js\"></script></div>",
        row.order_id
    ));
    strip_nulls(&mut o);
    o
}

/// Kustom omits absent fields rather than sending null.
fn strip_nulls(v: &mut Value) {
    if let Value::Object(map) = v {
        map.retain(|_, x| !x.is_null());
    }
}

/// `{checkout.order.id}` and friends in merchant URLs.
pub fn substitute_placeholders(url: &str, order_id: &str, public_url: &str) -> String {
    let order_url = format!("{}/checkout/v3/orders/{order_id}", public_url.trim_end_matches('/'));
    url.replace("{checkout.order.id}", order_id)
        .replace("{checkout.order.url}", &order_url)
        .replace("{checkout.order.uri}", &order_url)
}
