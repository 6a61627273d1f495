//! The demo merchant: "Demo Shop AB", two stores and one user per role, seeded through the
//! same repository calls the product uses.

use crate::password;
use crate::{now_ms, WebError};
use kassa_core::access::Role;
use kassa_core::account::NewPassword;
use kassa_core::audit::AuditAction;
use kassa_core::order::Status;
use kassa_core::timeline::{ActorKind, EventKind};
use kassa_db::{AuditEvent, Db, DemoTenancy, NewMerchant, NewStore, NewUser};

mod disputes;
pub use disputes::{seed_disputes, DEMO_DISPUTE_FEE, DEMO_PDF, DEMO_PNG};

pub const PLAYGROUND_STORE: &str = "M100001";
pub const LIVE_STORE: &str = "M100002";
/// The playground store is paid out weekly on this day (1 = Monday), so its Settlements
/// section shows a payout a week.
pub const PLAYGROUND_PAYOUT_WEEKDAY: i64 = 1;
/// How far back the demo's orders, and so its payouts, reach.
pub const HISTORY_DAYS: i64 = 90;

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

/// The audit action that marks the demo's merchant, stores and users as complete.
pub const TENANCY_MARKER: AuditAction = AuditAction::DemoSeeded;
/// The audit action (for no merchant) that marks the demo's orders as complete.
pub const ORDERS_MARKER: AuditAction = AuditAction::DemoOrdersSeeded;

/// Seeds the demo merchant, its stores and users, unless that was done. Returns whether it
/// seeded.
///
/// The whole tenancy is one transaction that ends with its marker, so a demo killed at its
/// first start leaves either nothing or everything. A data folder left half-seeded by an
/// older Kassa (the store there, some users missing) is completed. A database that holds
/// users but no demo store is somebody's real installation and is left alone.
pub async fn seed_if_empty(db: &Db, password: &NewPassword) -> Result<bool, WebError> {
    if db.marker_time(TENANCY_MARKER).await?.is_some() {
        return Ok(false);
    }
    if db.count_users().await? > 0 && db.store(PLAYGROUND_STORE).await?.is_none() {
        return Ok(false);
    }
    let users = demo_users();
    let mut hashes = Vec::with_capacity(users.len());
    for _ in &users {
        hashes.push(password::hash(password).await?);
    }
    let tenancy = DemoTenancy {
        merchant: NewMerchant {
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
        stores: [
            (PLAYGROUND_STORE, "Demo Shop (playground)", "playground"),
            (LIVE_STORE, "Demo Shop", "live"),
        ]
        .into_iter()
        .map(|(id, name, environment)| NewStore {
            id,
            merchant_id: 0,
            name,
            url: "https://shop.demo.kassa.test",
            country: "SE",
            currency: "SEK",
            statement_descriptor: "DEMO SHOP",
            environment,
        })
        .collect(),
        users: users
            .iter()
            .zip(&hashes)
            .map(|((email, role), hash)| {
                let user = NewUser {
                    email: email.as_str(),
                    name: demo_name(*role),
                    password_hash: Some(hash.as_str()),
                    language: "en",
                    status: "active",
                    access_expires_at: None,
                };
                (user, role.code())
            })
            .collect(),
        payout_schedules: vec![(PLAYGROUND_STORE, "weekly", Some(PLAYGROUND_PAYOUT_WEEKDAY))],
        marker: AuditEvent {
            actor: "cli",
            subject: "Demo Shop AB",
            ..AuditEvent::of(TENANCY_MARKER)
        },
    };
    Ok(db.seed_demo_tenancy(&tenancy, now_ms()).await?)
}

/// The demo's back-office operator (ops_admin), with the demo password.
pub const DEMO_OPERATOR: &str = "ops@demo.kassa.test";

/// Seeds the demo's operator into a demo database (one the demo merchant was seeded into),
/// and turns the operator two-factor policy off there, as the back office's sign-in page
/// then says. A database that is not the demo's is left alone. Safe to run at every start.
pub async fn seed_operator(db: &Db, password: &NewPassword) -> Result<bool, WebError> {
    if db.marker_time(TENANCY_MARKER).await?.is_none() || db.operator_by_email(DEMO_OPERATOR).await?.is_some() {
        return Ok(false);
    }
    kassa_app::operators::set_two_factor_policy(db, false).await?;
    let input = kassa_app::operators::NewOperatorInput {
        email: DEMO_OPERATOR,
        name: "Olivia Operator",
        role: kassa_core::ops_access::OperatorRole::OpsAdmin,
        password: Some(password.expose()),
        language: "en",
    };
    match kassa_app::operators::create_operator(db, &kassa_app::Actor::system(), &input).await {
        Ok(_) => Ok(true),
        // Another process seeding at the same moment got there first.
        Err(kassa_app::AppError::Invalid(_)) if db.operator_by_email(DEMO_OPERATOR).await?.is_some() => Ok(false),
        Err(e) => Err(e.into()),
    }
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

/// What happens to demo order `n`: its request, its fate (which statuses it ends in), its
/// payment method and how long ago it was made. Each order has its own generator, so an
/// interrupted seed can pick up at any order and still make the same demo.
struct OrderPlan {
    body: serde_json::Map<String, serde_json::Value>,
    fate: u64,
    method: &'static str,
    age_ms: i64,
}

const DAY: i64 = 24 * 3600 * 1000;

fn order_plan(n: usize) -> OrderPlan {
    let mut dice = Dice(7 ^ (n as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    dice.roll(2);
    let (body, _) = demo_order(&mut dice, n);
    let fate = dice.roll(100);
    // Authorized orders stay inside their reservation; expired ones are well past it.
    let age_days = match fate {
        0..=24 => dice.roll(25),
        85..=89 => 35 + dice.roll(HISTORY_DAYS as u64 - 35),
        _ => dice.roll(HISTORY_DAYS as u64),
    } as i64;
    let method = *dice.pick(&["INVOICE", "INVOICE", "CARD", "CARD", "PAY_IN_X"]);
    OrderPlan {
        body,
        fate,
        method,
        age_ms: age_days * DAY + dice.roll(DAY as u64) as i64,
    }
}

fn demo_reference(n: usize) -> String {
    format!("DS-{:06}", 100_000 + n)
}

/// Seeds the playground store up to `count` orders, through the same order operations the
/// API uses, spread over the last 90 days and across every status. Returns how many it made.
///
/// Resumable: a demo killed while seeding left orders `0..k`, the last perhaps half done;
/// the next start finishes that one and goes on from `k`. Once all are there a marker is
/// written and later starts do nothing.
pub async fn seed_orders(db: &Db, count: usize) -> Result<usize, WebError> {
    if db.marker_time(ORDERS_MARKER).await?.is_some() {
        return Ok(0);
    }
    let store = db.store(PLAYGROUND_STORE).await?.ok_or(WebError::NotFound)?;
    // Ages count back from when the demo was first seeded, so an order finished by a later
    // start lands where a single run would have put it.
    let base = db.marker_time(TENANCY_MARKER).await?.unwrap_or_else(now_ms);
    let existing = db.count_orders(PLAYGROUND_STORE).await? as usize;
    let seeder = OrderSeeder {
        db,
        reservation_days: store.reservation_days,
        base,
    };
    if let Some(last) = existing.checked_sub(1).filter(|n| *n < count) {
        if let Some(id) = db
            .order_id_by_reference1(PLAYGROUND_STORE, &demo_reference(last))
            .await?
        {
            seeder.seed(last, Some(id)).await?;
        }
    }
    for n in existing..count {
        seeder.seed(n, None).await?;
    }
    // Each sale was counted today when it completed; moved back in time, it is recounted
    // on the day it now has.
    db.rebuild_daily_sales(PLAYGROUND_STORE).await?;
    seed_payouts(db, base - HISTORY_DAYS * DAY, base).await?;
    let marker = AuditEvent {
        actor: "cli",
        subject: PLAYGROUND_STORE,
        after: Some(serde_json::json!({ "orders": count }).to_string()),
        ..AuditEvent::of(ORDERS_MARKER)
    };
    db.record_audit(&marker, now_ms()).await?;
    Ok(count.saturating_sub(existing))
}

struct OrderSeeder<'a> {
    db: &'a Db,
    reservation_days: i64,
    base: i64,
}

impl OrderSeeder<'_> {
    /// Brings order `n` to its planned end state; `existing` is the order if an earlier
    /// start already made it. Every step looks at where the order is first, so a step done
    /// before is not done again.
    async fn seed(&self, n: usize, existing: Option<String>) -> Result<(), WebError> {
        use kassa_app::orders::{self, CompleteCheckout};
        use kassa_app::Actor;
        let db = self.db;
        let fail = |e: kassa_app::AppError| WebError::Internal(e.to_string());
        let platform = Actor::api_key(format!("{PLAYGROUND_STORE}_demo"), PLAYGROUND_STORE);
        let plan = order_plan(n);
        let billing = plan
            .body
            .get("billing_address")
            .and_then(|b| b.as_object())
            .cloned()
            .unwrap_or_default();
        let id = match existing {
            Some(id) => id,
            None => {
                orders::create_checkout(db, &platform, plan.body.clone())
                    .await
                    .map_err(fail)?
                    .order_id
            }
        };
        let row = orders::hosted_checkout(db, &id).await.map_err(fail)?;
        if row.checkout_status == "checkout_incomplete" {
            match plan.fate {
                0..=3 => {}
                4..=6 => {
                    orders::abort_checkout(db, &platform, &id).await.map_err(fail)?;
                }
                _ => {
                    let email = billing.get("email").and_then(|e| e.as_str()).unwrap_or("").to_owned();
                    let shopper = Actor::shopper(PLAYGROUND_STORE).named(email);
                    let cmd = CompleteCheckout {
                        order_id: id.clone(),
                        billing_address: billing,
                        shipping_address: None,
                        payment_method: plan.method.to_owned(),
                        reservation_days: self.reservation_days,
                    };
                    if let Err(e) = orders::complete_checkout(db, &shopper, cmd).await {
                        // Only an order left half done long ago (its checkout expired) ends
                        // here: it stays an open checkout rather than stopping the demo.
                        tracing::warn!(order = %id, error = %e, "a half-seeded demo order stays open");
                    }
                }
            }
        }
        let row = orders::hosted_checkout(db, &id).await.map_err(fail)?;
        if row.checkout_status == "checkout_complete" && !row.acknowledged {
            let amount = row.order_amount;
            let (captured, refunded) = match plan.fate {
                35..=44 => (amount / 2, 0),
                45..=69 => (amount, 0),
                70..=76 => (amount, amount / 3),
                77..=84 => (amount, amount),
                _ => (0, 0),
            };
            // After the purchase, in one transaction: acknowledge, then capture, refund or
            // cancel as the order's fate says.
            let settle = orders::Settle {
                order_id: id.clone(),
                capture: (captured > 0).then(|| orders::Capture {
                    description: Some("Shipped".into()),
                    ..orders::Capture::of(id.clone(), orders::Amount::Exactly(captured))
                }),
                refund: (refunded > 0).then(|| orders::Refund {
                    order_id: id.clone(),
                    amount: orders::Amount::Exactly(refunded),
                    description: Some("Returned".into()),
                    reference: None,
                    lines: Vec::new(),
                }),
                cancel: plan.fate >= 90,
            };
            orders::settle(db, &platform, settle).await.map_err(fail)?;
        }
        // Moved to its place in the last 90 days; a second run finds it there and moves
        // nothing.
        let by = row.created_at - (self.base - plan.age_ms);
        if by != 0 {
            db.shift_order_history(&id, by).await?;
        }
        Ok(())
    }
}

/// The payouts the playground store's weekly schedule would have made over the demo's
/// history (cut-offs in `(from, until]`), each closing the entries of its week (the seeded
/// orders' captures and refunds, dated back with them). Periods closed already are skipped,
/// so a demo stopped here finishes them at its next start.
async fn seed_payouts(db: &Db, from: i64, until: i64) -> Result<(), WebError> {
    kassa_app::settlements::close_past_periods(db, PLAYGROUND_STORE, from, until)
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(())
}

/// What the store's terms make a bulk-seeded order's capture and refund post, as the
/// capture and refund operations would have (see `kassa_app::settlements`).
struct BulkTerms {
    fees: kassa_core::store_settings::FeePlan,
    refunds_fees: bool,
    reserve_bps: i64,
}

impl BulkTerms {
    fn entries(
        &self,
        order: &kassa_db::OrderRow,
        capture: Option<&kassa_db::CaptureRow>,
        refund: Option<&kassa_db::RefundRow>,
    ) -> Vec<kassa_db::NewEntry> {
        use kassa_core::settlement::{capture_postings, refund_postings, DetailedType};
        let method = order.payment_method.as_deref().unwrap_or_default();
        let fee = method
            .parse::<kassa_core::store_settings::PaymentMethod>()
            .map(|m| self.fees.of(m))
            .unwrap_or(kassa_core::store_settings::MethodFee::ZERO);
        let entry = |p: kassa_core::settlement::Posting, at: i64| kassa_db::NewEntry {
            store_id: order.store_id.clone(),
            currency: order.purchase_currency.clone(),
            kind: p.kind,
            detail: p.detail,
            amount: p.amount,
            vat_rate: None,
            vat_amount: None,
            order_id: Some(order.order_id.clone()),
            short_order_id: Some(order.short_reference.clone()),
            capture_id: None,
            refund_id: None,
            merchant_reference1: order.merchant_reference1.clone(),
            merchant_reference2: order.merchant_reference2.clone(),
            merchant_capture_reference: None,
            merchant_refund_reference: None,
            purchase_country: order.purchase_country.clone(),
            shipping_country: None,
            payment_method: order.payment_method.clone(),
            sale_date: order.completed_at.unwrap_or(order.created_at),
            capture_date: at,
            comment: None,
            reversal_reference: None,
            releases_entry_id: None,
            created_by: format!("{PLAYGROUND_STORE}_demo"),
            created_at: at,
        };
        let mut out = Vec::new();
        let mut fee_left = 0;
        if let Some(c) = capture {
            for p in capture_postings(c.captured_amount, fee, true, self.reserve_bps) {
                if p.detail == DetailedType::PurchaseFeePercentage {
                    fee_left += p.amount;
                }
                out.push(kassa_db::NewEntry {
                    capture_id: Some(c.capture_id.clone()),
                    ..entry(p, c.captured_at)
                });
            }
        }
        if let Some(r) = refund {
            for p in refund_postings(r.refunded_amount, fee, self.refunds_fees, fee_left) {
                out.push(kassa_db::NewEntry {
                    capture_id: Some(String::new()),
                    refund_id: Some(r.refund_id.clone()),
                    ..entry(p, r.refunded_at)
                });
            }
        }
        out
    }
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
    const SPAN: i64 = 730 * DAY;
    const BATCH: usize = 5_000;
    if db.marker_time(ORDERS_MARKER).await?.is_some() {
        return Ok(0);
    }
    // Each batch is one transaction with its own generator, so a seed killed part-way
    // resumes at the next batch. A store whose count is not a whole number of batches holds
    // orders made some other way and is left alone.
    let existing = db.count_orders(PLAYGROUND_STORE).await? as usize;
    if !existing.is_multiple_of(BATCH) {
        return Ok(0);
    }
    let now = now_ms();
    let mut done = existing;
    let detail = db.store_detail(PLAYGROUND_STORE).await?.ok_or(WebError::NotFound)?;
    let terms = BulkTerms {
        fees: detail.fees,
        refunds_fees: detail.store.refunds_fees,
        reserve_bps: detail.store.reserve_bps,
    };
    db.bulk_load_cache(true).await?;
    while done < count {
        let n = BATCH.min(count - done);
        let mut dice = Dice(11 ^ ((done / BATCH) as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let (mut orders, mut captures, mut refunds, mut events, mut ledger) = (
            Vec::with_capacity(n),
            Vec::new(),
            Vec::new(),
            Vec::with_capacity(n),
            Vec::new(),
        );
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
                (true, 0..=44) => (Status::Authorized, 0, 0, false),
                (true, 45..=54) => (Status::PartCaptured, amount / 2, 0, false),
                // Part captured, and the rest of the authorization ran out (as the expiry job leaves it).
                (false, 0..=9) => (Status::Captured, amount / 2, 0, true),
                (_, 0..=59) => (Status::Captured, amount, 0, false),
                (_, 60..=69) => (Status::Captured, amount, amount / 3, false),
                (_, 70..=79) => (Status::Closed, amount, amount, false),
                (false, 80..=89) => (Status::Expired, 0, 0, false),
                _ => (Status::Cancelled, 0, 0, false),
            };
            let id = uuid::Uuid::new_v4().to_string();
            let method = *dice.pick(&["INVOICE", "INVOICE", "CARD", "CARD", "PAY_IN_X"]);
            let mut full = body.clone();
            full.insert(
                "initial_payment_method".into(),
                serde_json::json!({"type": method, "description": kassa_app::orders::payment_description(method)}),
            );
            orders.push(OrderRow {
                order_id: id.clone(),
                store_id: PLAYGROUND_STORE.into(),
                short_reference: demo_short_reference(i),
                checkout_status: "checkout_complete".into(),
                status: Some(status),
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
                actor_kind: ActorKind::Shopper,
                actor: email,
                action: EventKind::Authorized,
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
            if captured > 0 {
                let refund = if refunded > 0 { refunds.last() } else { None };
                ledger.extend(terms.entries(&orders[orders.len() - 1], captures.last(), refund));
            }
        }
        db.bulk_insert_orders(&orders, &captures, &refunds, &events, &ledger)
            .await?;
        done += n;
    }
    db.bulk_load_cache(false).await?;
    db.vacuum_orders().await?;
    db.rebuild_store_totals(PLAYGROUND_STORE).await?;
    db.rebuild_daily_sales(PLAYGROUND_STORE).await?;
    seed_payouts(db, now - SPAN, now).await?;
    let marker = AuditEvent {
        actor: "cli",
        subject: PLAYGROUND_STORE,
        after: Some(serde_json::json!({ "orders": count }).to_string()),
        ..AuditEvent::of(ORDERS_MARKER)
    };
    db.record_audit(&marker, now_ms()).await?;
    Ok(count.saturating_sub(existing))
}
