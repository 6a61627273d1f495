//! Changes to an order that is not over: its amount and lines (a new authorization, which
//! the payment method approves up to the store's limit), and the record around the money —
//! merchant references, customer details, shipping information.

use super::customer_of;
use super::line::{core_lines, lines_in, OrderLine};
use super::lock::{lock, Locked, Pending};
use super::validate::{check_address, check_lines, check_shipping_info, check_text};
use crate::{now_ms, Actor, AppError, AppResult};
use kassa_core::access::Permission;
use kassa_core::line_edit::{LinesInput, LinesProblem};
use kassa_core::order::{declines_increase, increase_ceiling, Refusal};
use kassa_core::timeline::EventKind;
use kassa_db::{Db, OrderRow};
use serde_json::{json, Map, Value};

/// What the payment method approves for an order: up to the store's
/// `max_authorization_increase_percent` above the amount first authorized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Approval {
    /// The highest order amount approved.
    pub ceiling: i64,
    /// The store's percentage.
    pub percent: i64,
}

impl Approval {
    fn of(row: &OrderRow, percent: Option<i64>) -> Approval {
        let percent = percent.unwrap_or(0);
        Approval {
            ceiling: increase_ceiling(row.original_order_amount, percent),
            percent,
        }
    }

    /// Whether changing `row`'s amount to `new_amount` is an increase it declines.
    pub fn declines(&self, row: &OrderRow, new_amount: i64) -> bool {
        declines_increase(row.order_amount, new_amount, self.ceiling)
    }

    /// The most it approves for `row`: never less than the amount already authorized.
    pub fn most(&self, row: &OrderRow) -> i64 {
        self.ceiling.max(row.order_amount)
    }
}

/// What the payment method approves for `row` (for pages that ask before they change).
pub async fn approval_ceiling(db: &Db, row: &OrderRow) -> AppResult<Approval> {
    Ok(Approval::of(row, db.authorization_increase_limit(&row.store_id).await?))
}

/// A new order amount, and optionally new lines that add up to it.
#[derive(Debug, Clone)]
pub struct UpdateAuthorization {
    pub order_id: String,
    pub amount: i64,
    pub description: Option<String>,
    pub lines: Option<Vec<OrderLine>>,
}

pub async fn update_authorization(db: &Db, actor: &Actor, cmd: UpdateAuthorization) -> AppResult<Pending<()>> {
    let mut locked = lock(db, actor, Permission::ManageOrders, &cmd.order_id).await?;
    update_authorization_locked(&mut locked, actor, cmd).await?;
    Ok(locked.pending(()))
}

async fn update_authorization_locked(locked: &mut Locked, actor: &Actor, cmd: UpdateAuthorization) -> AppResult<()> {
    let mut problems = Vec::new();
    check_text(cmd.description.as_deref(), "description", 255, &mut problems);
    if let Some(lines) = &cmd.lines {
        // Summed wide: the lines are only checked below, and huge values must not overflow.
        let tax = lines
            .iter()
            .map(|l| l.total_tax_amount.unwrap_or(0) as i128)
            .sum::<i128>();
        let tax = i64::try_from(tax).unwrap_or(i64::MAX);
        check_lines(lines, cmd.amount, tax, &mut problems);
    }
    AppError::check(problems)?;
    let before = locked.row.order_amount;
    let store_id = locked.row.store_id.clone();
    let approval = Approval::of(&locked.row, locked.tx.authorization_increase_limit(&store_id).await?);
    let next = locked
        .state()?
        .update_authorization(cmd.amount, now_ms(), approval.ceiling)?;
    if let Some(lines) = &cmd.lines {
        let mut body = locked.body();
        body.insert(
            "order_lines".into(),
            json!(lines.iter().cloned().map(OrderLine::normalized).collect::<Vec<_>>()),
        );
        locked.row.order_tax_amount = lines.iter().map(|l| l.total_tax_amount.unwrap_or(0)).sum::<i64>();
        locked.set_body(&body);
    }
    locked.apply(&next, now_ms());
    locked.save().await?;
    locked
        .event(
            actor,
            EventKind::AuthorizationUpdated,
            Some(cmd.amount),
            Some(json!({"before": before, "description": cmd.description})),
        )
        .await
}

/// A fingerprint of an order's lines, sent with an edit form: an edit made on lines that
/// have changed since is refused rather than applied to the wrong line.
pub fn lines_version(body: &Map<String, Value>) -> String {
    use sha2::Digest;
    let lines = body.get("order_lines").map(Value::to_string).unwrap_or_default();
    sha2::Sha256::digest(lines.as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An edit of the lines, as planned on the order as it is.
#[derive(Debug, Clone)]
pub struct PlannedLines {
    pub lines: Vec<OrderLine>,
    pub order_amount: i64,
    /// Names of the lines taken off.
    pub removed: Vec<String>,
}

/// Works out an edit of `row`'s lines made on lines of `version` (see [`lines_version`]):
/// the new lines priced by the spec, each keeping its other fields.
pub fn plan_lines_edit(row: &OrderRow, version: &str, input: &LinesInput) -> Result<PlannedLines, LinesProblem> {
    let body: Map<String, Value> = serde_json::from_str(&row.body).unwrap_or_default();
    if version != lines_version(&body) {
        return Err(LinesProblem::Changed);
    }
    if row.captured_amount > 0 {
        return Err(LinesProblem::Captured);
    }
    let current = lines_in(&body);
    let edit = kassa_core::line_edit::edit_lines(&core_lines(&current), input)?;
    let lines = edit
        .lines
        .into_iter()
        .map(|e| match e.from.and_then(|i| current.get(i)) {
            Some(old) if !e.changed => old.clone(),
            Some(old) => old.with_money(&e.line),
            None => OrderLine::from(e.line),
        })
        .collect();
    Ok(PlannedLines {
        lines,
        order_amount: edit.order_amount,
        removed: edit.removed,
    })
}

/// An edit of an uncaptured order's lines as a person typed it; worked out under the lock,
/// from the order as it is then.
#[derive(Debug, Clone)]
pub struct EditLines {
    pub order_id: String,
    /// The [`lines_version`] the edit was made on.
    pub version: String,
    pub input: LinesInput,
    pub description: Option<String>,
}

pub async fn edit_lines(db: &Db, actor: &Actor, cmd: EditLines) -> AppResult<Pending<()>> {
    let mut locked = lock(db, actor, Permission::ManageOrders, &cmd.order_id).await?;
    let plan = plan_lines_edit(&locked.row, &cmd.version, &cmd.input).map_err(Refusal::Lines)?;
    let update = UpdateAuthorization {
        order_id: cmd.order_id,
        amount: plan.order_amount,
        description: cmd.description,
        lines: Some(plan.lines),
    };
    update_authorization_locked(&mut locked, actor, update).await?;
    Ok(locked.pending(()))
}

/// Edits to the record that do not touch money (references, addresses, shipping info).
async fn edit_details(
    locked: &mut Locked,
    actor: &Actor,
    action: EventKind,
    edit: impl FnOnce(&mut Map<String, Value>, &mut OrderRow),
) -> AppResult<()> {
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

/// New merchant references: a field given overwrites (an empty one clears it); one left
/// out (None) stays.
#[derive(Debug, Clone)]
pub struct MerchantReferences {
    pub order_id: String,
    pub reference1: Option<String>,
    pub reference2: Option<String>,
}

pub async fn update_merchant_references(db: &Db, actor: &Actor, cmd: MerchantReferences) -> AppResult<Pending<()>> {
    let mut problems = Vec::new();
    check_text(cmd.reference1.as_deref(), "merchant_reference1", 255, &mut problems);
    check_text(cmd.reference2.as_deref(), "merchant_reference2", 255, &mut problems);
    AppError::check(problems)?;
    let mut locked = lock(db, actor, Permission::ManageOrders, &cmd.order_id).await?;
    edit_details(&mut locked, actor, EventKind::MerchantReferencesUpdated, |body, row| {
        if let Some(r) = cmd.reference1 {
            row.merchant_reference1 = Some(r).filter(|s| !s.is_empty());
            body.insert("merchant_reference1".into(), json!(row.merchant_reference1));
        }
        if let Some(r) = cmd.reference2 {
            row.merchant_reference2 = Some(r).filter(|s| !s.is_empty());
            body.insert("merchant_reference2".into(), json!(row.merchant_reference2));
        }
    })
    .await?;
    Ok(locked.pending(()))
}

/// Changed fields of the customer's addresses; fields not given stay.
#[derive(Debug, Clone)]
pub struct CustomerDetails {
    pub order_id: String,
    pub billing_address: Option<Value>,
    pub shipping_address: Option<Value>,
}

pub async fn update_customer_details(db: &Db, actor: &Actor, cmd: CustomerDetails) -> AppResult<Pending<()>> {
    let mut problems = Vec::new();
    for (name, addr) in [
        ("billing_address", &cmd.billing_address),
        ("shipping_address", &cmd.shipping_address),
    ] {
        if let Some(a) = addr {
            check_address(a, name, &mut problems);
        }
    }
    AppError::check(problems)?;
    let mut locked = lock(db, actor, Permission::ManageOrders, &cmd.order_id).await?;
    edit_details(&mut locked, actor, EventKind::CustomerDetailsUpdated, |body, _| {
        for (name, addr) in [
            ("billing_address", cmd.billing_address),
            ("shipping_address", cmd.shipping_address),
        ] {
            if let Some(Value::Object(new)) = addr {
                let mut merged = body.get(name).and_then(Value::as_object).cloned().unwrap_or_default();
                merged.extend(new);
                body.insert(name.into(), Value::Object(merged));
            }
        }
    })
    .await?;
    Ok(locked.pending(()))
}

/// Shipping information entries added to the order.
#[derive(Debug, Clone)]
pub struct AddShippingInfo {
    pub order_id: String,
    pub shipping_info: Vec<Value>,
}

pub async fn add_shipping_info(db: &Db, actor: &Actor, cmd: AddShippingInfo) -> AppResult<Pending<()>> {
    let mut problems = Vec::new();
    check_shipping_info(&cmd.shipping_info, &mut problems);
    AppError::check(problems)?;
    let mut locked = lock(db, actor, Permission::ManageOrders, &cmd.order_id).await?;
    edit_details(&mut locked, actor, EventKind::ShippingInfoAdded, |body, _| {
        let mut list = body
            .get("shipping_info")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        list.extend(cmd.shipping_info);
        body.insert("shipping_info".into(), Value::Array(list));
    })
    .await?;
    Ok(locked.pending(()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kassa_core::line_edit::LineInput;
    use kassa_core::order::Status;

    fn order_with(lines: Value, captured: i64) -> OrderRow {
        OrderRow {
            order_id: "o".into(),
            store_id: "M1".into(),
            short_reference: "K".into(),
            checkout_status: "checkout_complete".into(),
            status: Some(Status::Authorized),
            fraud_status: None,
            purchase_country: "SE".into(),
            purchase_currency: "SEK".into(),
            locale: "sv-SE".into(),
            order_amount: 60000,
            order_tax_amount: 12000,
            original_order_amount: 60000,
            captured_amount: captured,
            refunded_amount: 0,
            released: false,
            merchant_reference1: None,
            merchant_reference2: None,
            customer_name: String::new(),
            customer_email: String::new(),
            payment_method: None,
            acknowledged: false,
            body: json!({ "order_lines": lines }).to_string(),
            created_at: 0,
            completed_at: None,
            last_modified_at: 0,
            checkout_expires_at: 0,
            expires_at: None,
        }
    }

    fn lines() -> Value {
        json!([
            {"type": "physical", "reference": "A", "name": "Camera", "quantity": 1, "unit_price": 40000,
             "tax_rate": 2500, "total_amount": 40000, "total_discount_amount": 0, "total_tax_amount": 8000,
             "product_url": "https://shop.test/camera"},
            {"type": "physical", "reference": "B", "name": "Tripod", "quantity": 2, "unit_price": 10000,
             "tax_rate": 2500, "total_amount": 20000, "total_discount_amount": 1000, "total_tax_amount": 4000,
             "product_identifiers": {"brand": "Acme"}}
        ])
    }

    fn version(row: &OrderRow) -> String {
        lines_version(&serde_json::from_str(&row.body).unwrap())
    }

    fn three_tripods() -> LinesInput {
        LinesInput {
            lines: vec![
                LineInput::default(),
                LineInput {
                    quantity: Some("3".into()),
                    ..LineInput::default()
                },
            ],
            ..LinesInput::default()
        }
    }

    #[test]
    fn an_edit_keeps_every_other_field_of_its_lines() {
        let row = order_with(lines(), 0);
        let plan = plan_lines_edit(&row, &version(&row), &three_tripods()).unwrap();
        assert_eq!(plan.order_amount, 40000 + 30000 - 1500);
        assert_eq!(plan.lines[0].product_url.as_deref(), Some("https://shop.test/camera"));
        let tripod = &plan.lines[1];
        assert_eq!((tripod.quantity, tripod.total_discount_amount), (3, Some(1500)));
        assert_eq!(tripod.extra["product_identifiers"]["brand"], "Acme");
    }

    #[test]
    fn an_edit_of_changed_or_captured_lines_is_refused() {
        let row = order_with(lines(), 0);
        assert_eq!(
            plan_lines_edit(&row, "stale", &three_tripods()).err(),
            Some(LinesProblem::Changed)
        );
        let captured = order_with(lines(), 1);
        assert_eq!(
            plan_lines_edit(&captured, &version(&captured), &three_tripods()).err(),
            Some(LinesProblem::Captured)
        );
    }
}
