//! The demo merchant: "Demo Shop AB", two stores and one user per role, seeded through the
//! same repository calls the product uses.

use crate::password;
use crate::{now_ms, WebError};
use kassa_core::access::Role;
use kassa_core::account::NewPassword;
use kassa_db::{AuditEvent, Db, NewMerchant, NewStore, NewUser};

pub const PLAYGROUND_STORE: &str = "M100001";
pub const LIVE_STORE: &str = "M100002";

/// The demo users' emails, one per role.
pub fn demo_users() -> Vec<(String, Role)> {
    Role::ALL
        .into_iter()
        .map(|role| {
            let local = match role {
                Role::SuperAdmin => "superadmin",
                Role::ReadOnly => "readonly",
                other => other.code(),
            };
            (format!("{local}@demo.kassa.test"), role)
        })
        .collect()
}

/// Seeds the demo merchant if the database has no users yet. Returns whether it seeded.
pub async fn seed_if_empty(db: &Db, password: &NewPassword) -> Result<bool, WebError> {
    if db.count_users().await? > 0 {
        return Ok(false);
    }
    let now = now_ms();
    let merchant_id = db
        .create_merchant(
            &NewMerchant {
                legal_name: "Demo Shop AB",
                org_number: "556677-8899",
                vat_id: "SE556677889901",
                address_line: "Drottninggatan 1",
                postal_code: "111 51",
                city: "Stockholm",
                country: "SE",
                onboarding: "direct",
                // The demo opens straight away; real merchants get the policy on by default.
                require_two_factor: false,
            },
            now,
        )
        .await?;
    for (id, name, env) in [
        (PLAYGROUND_STORE, "Demo Shop (playground)", "playground"),
        (LIVE_STORE, "Demo Shop", "live"),
    ] {
        let store = NewStore {
            id,
            merchant_id,
            name,
            url: "https://shop.demo.kassa.test",
            country: "SE",
            currency: "SEK",
            statement_descriptor: "DEMO SHOP",
            environment: env,
        };
        db.create_store(&store, now).await?;
    }
    for (email, role) in demo_users() {
        let hash = password::hash(password).await?;
        let name = demo_name(role);
        let user = NewUser {
            email: &email,
            name,
            password_hash: Some(&hash),
            language: "en",
            status: "active",
            access_expires_at: None,
        };
        let id = db.create_user(&user, now).await?;
        for store in [PLAYGROUND_STORE, LIVE_STORE] {
            db.set_membership(id, store, role.code(), now).await?;
        }
    }
    let event = AuditEvent {
        merchant_id: Some(merchant_id),
        actor: "cli",
        action: "demo_seeded",
        subject: "Demo Shop AB",
        ..Default::default()
    };
    db.record_audit(&event, now).await?;
    Ok(true)
}

/// Plausible people, so the portal looks like it will for a real merchant.
fn demo_name(role: Role) -> &'static str {
    match role {
        Role::SuperAdmin => "Saga Lindqvist",
        Role::Admin => "Anders Berg",
        Role::User => "Ulla Nilsson",
        Role::Settlement => "Sara Ekström",
        Role::Disputes => "David Holm",
        Role::ReadOnly => "Rebecka Ahl",
        Role::Terminated => "Tomas Wik",
        Role::External => "Elin Strand",
    }
}

/// A small deterministic generator: the same demo data on every machine.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.roll(items.len() as u64) as usize]
    }
}

const FIRST_NAMES: &[&str] = &[
    "Alice", "Oskar", "Maja", "Elias", "Ebba", "Hugo", "Wilma", "Liam", "Alva", "Noah", "Saga", "Lucas", "Astrid",
    "Leo", "Freja", "Nils",
];
const LAST_NAMES: &[&str] = &[
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Lindberg",
    "Holm",
];
const PRODUCTS: &[(&str, &str, i64)] = &[
    ("TS-101", "Organic cotton T-shirt", 24_900),
    ("HD-220", "Merino hoodie", 89_900),
    ("SN-310", "Running sneakers", 129_900),
    ("CP-044", "Wool cap", 29_900),
    ("BG-510", "Canvas tote bag", 19_900),
    ("JK-700", "Rain jacket", 179_900),
    ("SK-012", "Hiking socks, 3-pack", 14_900),
    ("BT-330", "Water bottle", 24_900),
];

fn demo_order(dice: &mut Dice, n: usize) -> (serde_json::Map<String, serde_json::Value>, String) {
    use serde_json::json;
    let first = *dice.pick(FIRST_NAMES);
    let last = *dice.pick(LAST_NAMES);
    let email = format!("{}.{}{}@example.com", first.to_lowercase(), last.to_lowercase(), n % 97);
    let mut lines = Vec::new();
    for _ in 0..1 + dice.roll(3) {
        let (reference, name, price) = *dice.pick(PRODUCTS);
        let quantity = 1 + dice.roll(3) as i64;
        let total = price * quantity;
        let tax = total - total * 10_000 / 12_500;
        lines.push(json!({"type": "physical", "reference": reference, "name": name, "quantity": quantity, "unit_price": price,
                          "tax_rate": 2500, "total_amount": total, "total_discount_amount": 0, "total_tax_amount": tax}));
    }
    let shipping = 4_900;
    lines.push(json!({"type": "shipping_fee", "reference": "SHIP", "name": "Home delivery", "quantity": 1, "unit_price": shipping,
                      "tax_rate": 2500, "total_amount": shipping, "total_discount_amount": 0, "total_tax_amount": shipping - shipping * 10_000 / 12_500}));
    let amount: i64 = lines.iter().map(|l| l["total_amount"].as_i64().unwrap_or(0)).sum();
    let tax: i64 = lines.iter().map(|l| l["total_tax_amount"].as_i64().unwrap_or(0)).sum();
    let order = json!({
        "purchase_country": "SE", "purchase_currency": "SEK", "locale": "sv-SE",
        "order_amount": amount, "order_tax_amount": tax, "order_lines": lines,
        "merchant_reference1": format!("DS-{:06}", 100_000 + n),
        "billing_address": {"given_name": first, "family_name": last, "email": email, "street_address": "Storgatan 1",
                            "postal_code": "111 22", "city": "Stockholm", "country": "SE"},
        "merchant_urls": {"terms": "https://shop.demo.kassa.test/terms", "checkout": "https://shop.demo.kassa.test/checkout",
                          "confirmation": "https://shop.demo.kassa.test/thanks?order={checkout.order.id}",
                          "push": "https://shop.demo.kassa.test/push?order={checkout.order.id}"}
    });
    (order.as_object().cloned().unwrap_or_default(), email)
}

/// Seeds `count` orders into the playground store if it has none, through the same order
/// operations the API uses, spread over the last 90 days and across every status.
pub async fn seed_orders(db: &Db, count: usize) -> Result<usize, WebError> {
    use crate::api::model::{CaptureRequest, RefundRequest};
    use crate::orders::{self, Actor, Purchase};
    if !db.order_status_counts(PLAYGROUND_STORE).await?.is_empty() {
        return Ok(0);
    }
    let fail = |e: crate::api::error::ApiError| WebError::Internal(e.messages.join("; "));
    let store = db.store(PLAYGROUND_STORE).await?.ok_or(WebError::NotFound)?;
    let platform = Actor {
        kind: "api_key",
        name: format!("{PLAYGROUND_STORE}_demo"),
    };
    let mut dice = Dice(7);
    const DAY: i64 = 24 * 3600 * 1000;
    for n in 0..count {
        let (body, _) = demo_order(&mut dice, n);
        let billing = body
            .get("billing_address")
            .and_then(|b| b.as_object())
            .cloned()
            .unwrap_or_default();
        let row = orders::create_checkout(db, PLAYGROUND_STORE, body, &platform)
            .await
            .map_err(fail)?;
        let id = row.order_id.clone();
        let fate = dice.roll(100);
        // Authorized orders stay inside their reservation; expired ones are well past it.
        let age_days = match fate {
            0..=24 => dice.roll(25),
            85..=89 => 35 + dice.roll(55),
            _ => dice.roll(90),
        } as i64;
        match fate {
            0..=3 => {}
            4..=6 => {
                orders::abort_checkout(db, PLAYGROUND_STORE, &id, &platform)
                    .await
                    .map_err(fail)?;
            }
            _ => {
                let method = dice
                    .pick(&["INVOICE", "INVOICE", "CARD", "CARD", "PAY_IN_X"])
                    .to_string();
                let shopper = Actor {
                    kind: "shopper",
                    name: billing.get("email").and_then(|e| e.as_str()).unwrap_or("").into(),
                };
                let purchase = Purchase {
                    billing_address: billing,
                    shipping_address: None,
                    payment_method: method,
                };
                let done =
                    orders::complete_checkout(db, PLAYGROUND_STORE, &id, purchase, store.reservation_days, &shopper)
                        .await
                        .map_err(fail)?;
                let mut locked = orders::lock(db, PLAYGROUND_STORE, &id).await.map_err(fail)?;
                orders::acknowledge(&mut locked, &platform).await.map_err(fail)?;
                let amount = done.order_amount;
                let capture = |captured_amount| CaptureRequest {
                    captured_amount,
                    description: Some("Shipped".into()),
                    reference: None,
                    order_lines: None,
                    shipping_info: None,
                    shipping_delay: None,
                };
                let refund = |refunded_amount| RefundRequest {
                    refunded_amount,
                    description: Some("Returned".into()),
                    reference: None,
                    order_lines: None,
                };
                match fate {
                    7..=34 => {}
                    35..=44 => {
                        orders::capture(&mut locked, &capture(amount / 2), &platform)
                            .await
                            .map_err(fail)?;
                    }
                    45..=69 => {
                        orders::capture(&mut locked, &capture(amount), &platform)
                            .await
                            .map_err(fail)?;
                    }
                    70..=76 => {
                        orders::capture(&mut locked, &capture(amount), &platform)
                            .await
                            .map_err(fail)?;
                        orders::refund(&mut locked, &refund(amount / 3), &platform)
                            .await
                            .map_err(fail)?;
                    }
                    77..=84 => {
                        orders::capture(&mut locked, &capture(amount), &platform)
                            .await
                            .map_err(fail)?;
                        orders::refund(&mut locked, &refund(amount), &platform)
                            .await
                            .map_err(fail)?;
                    }
                    85..=89 => {}
                    _ => {
                        let next = locked.state().map_err(fail)?.cancel().map_err(WebError::from_refusal)?;
                        orders::transition(&mut locked, &platform, "cancelled", next)
                            .await
                            .map_err(fail)?;
                    }
                }
                locked.tx.commit().await?;
            }
        }
        db.shift_order_history(&id, age_days * DAY + dice.roll(DAY as u64) as i64)
            .await?;
    }
    // Each sale was counted today when it completed; moved back in time, it is recounted
    // on the day it now has.
    db.rebuild_daily_sales(PLAYGROUND_STORE).await?;
    Ok(count)
}

/// Seeds `count` orders into an empty playground store in bulk, for stores the size of a
/// large merchant (a million orders in minutes). The orders are finished states written
/// directly (statuses, amounts, captures, refunds and one timeline entry each), consistent
/// with what the order operations would have produced; the store's aggregates are then
/// recounted from them.
/// "D" and six base-36 digits of `n`: unique per seeded order, and never equal to a random
/// reference of a real checkout, which has no "0" in it (these start "D0" below 60 million).
fn demo_short_reference(n: usize) -> String {
    const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut out = [b'0'; 6];
    let mut rest = n;
    for d in out.iter_mut().rev() {
        *d = DIGITS[rest % 36];
        rest /= 36;
    }
    format!("D{}", String::from_utf8_lossy(&out))
}

pub async fn seed_orders_bulk(db: &Db, count: usize) -> Result<usize, WebError> {
    use kassa_db::{CaptureRow, OrderEvent, OrderRow, RefundRow};
    if !db.order_status_counts(PLAYGROUND_STORE).await?.is_empty() {
        return Ok(0);
    }
    const DAY: i64 = 24 * 3600 * 1000;
    const SPAN: i64 = 730 * DAY;
    let now = now_ms();
    let mut dice = Dice(11);
    let batch = 5_000;
    let mut done = 0;
    db.bulk_load_cache(true).await?;
    while done < count {
        let n = batch.min(count - done);
        let (mut orders, mut captures, mut refunds, mut events) =
            (Vec::with_capacity(n), Vec::new(), Vec::new(), Vec::with_capacity(n));
        for i in done..done + n {
            let (body, email) = demo_order(&mut dice, i);
            let amount = body.get("order_amount").and_then(|v| v.as_i64()).unwrap_or(0);
            let tax = body.get("order_tax_amount").and_then(|v| v.as_i64()).unwrap_or(0);
            let billing = body.get("billing_address").cloned().unwrap_or_default();
            let name = format!(
                "{} {}",
                billing.get("given_name").and_then(|v| v.as_str()).unwrap_or(""),
                billing.get("family_name").and_then(|v| v.as_str()).unwrap_or("")
            );
            // Two years of orders in the order they came in (as a live store's are), so the
            // table is in creation order. Recent ones still wait for capture; older ones were
            // captured, refunded, cancelled or let expire.
            let slot = SPAN / count as i64;
            let created = now - SPAN + i as i64 * SPAN / count as i64 + dice.roll(slot.max(1) as u64) as i64;
            let recent = now - created < 28 * DAY;
            let (status, captured, refunded, released) = match (recent, dice.roll(100)) {
                (true, 0..=44) => ("AUTHORIZED", 0, 0, false),
                (true, 45..=54) => ("PART_CAPTURED", amount / 2, 0, false),
                // Part captured, and the rest of the authorization ran out (as the expiry job leaves it).
                (false, 0..=9) => ("CAPTURED", amount / 2, 0, true),
                (_, 0..=59) => ("CAPTURED", amount, 0, false),
                (_, 60..=69) => ("CAPTURED", amount, amount / 3, false),
                (_, 70..=79) => ("CLOSED", amount, amount, false),
                (false, 80..=89) => ("EXPIRED", 0, 0, false),
                _ => ("CANCELLED", 0, 0, false),
            };
            let id = uuid::Uuid::new_v4().to_string();
            let method = *dice.pick(&["INVOICE", "INVOICE", "CARD", "CARD", "PAY_IN_X"]);
            let mut full = body.clone();
            full.insert(
                "initial_payment_method".into(),
                serde_json::json!({"type": method, "description": crate::orders::payment_description(method)}),
            );
            orders.push(OrderRow {
                order_id: id.clone(),
                store_id: PLAYGROUND_STORE.into(),
                short_reference: demo_short_reference(i),
                checkout_status: "checkout_complete".into(),
                status: Some(status.into()),
                fraud_status: Some("ACCEPTED".into()),
                purchase_country: "SE".into(),
                purchase_currency: "SEK".into(),
                locale: "sv-SE".into(),
                order_amount: amount,
                order_tax_amount: tax,
                original_order_amount: amount,
                captured_amount: captured,
                refunded_amount: refunded,
                released,
                merchant_reference1: Some(format!("DS-{:07}", 1_000_000 + i)),
                merchant_reference2: None,
                customer_name: name,
                customer_email: email.clone(),
                payment_method: Some(method.into()),
                acknowledged: true,
                body: serde_json::Value::Object(full).to_string(),
                created_at: created,
                completed_at: Some(created + 60_000),
                last_modified_at: created + 60_000,
                checkout_expires_at: created + 48 * 3600 * 1000,
                expires_at: Some(created + 60_000 + 28 * DAY),
            });
            events.push(OrderEvent {
                order_id: id.clone(),
                at: created + 60_000,
                actor_kind: "shopper".into(),
                actor: email,
                action: "authorized".into(),
                amount: Some(amount),
                details: None,
            });
            if captured > 0 {
                captures.push(CaptureRow {
                    capture_id: uuid::Uuid::new_v4().to_string(),
                    order_id: id.clone(),
                    seq: 1,
                    captured_amount: captured,
                    refunded_amount: refunded,
                    body: r#"{"description":"Shipped","order_lines":[],"shipping_info":[]}"#.into(),
                    captured_at: created + DAY,
                });
            }
            if refunded > 0 {
                refunds.push(RefundRow {
                    refund_id: uuid::Uuid::new_v4().to_string(),
                    order_id: id.clone(),
                    refunded_amount: refunded,
                    body: r#"{"description":"Returned","order_lines":[]}"#.into(),
                    refunded_at: created + 5 * DAY,
                });
            }
        }
        db.bulk_insert_orders(&orders, &captures, &refunds, &events).await?;
        done += n;
    }
    db.bulk_load_cache(false).await?;
    db.vacuum_orders().await?;
    db.rebuild_store_totals(PLAYGROUND_STORE).await?;
    db.rebuild_daily_sales(PLAYGROUND_STORE).await?;
    Ok(count)
}
