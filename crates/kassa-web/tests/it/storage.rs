//! Repository tests, each on both databases.

use crate::support::*;
use kassa_db::{DbError, NewUser};

fn new_user(email: &str) -> NewUser<'_> {
    NewUser {
        email,
        name: "Test",
        password_hash: None,
        language: "en",
        status: "active",
        access_expires_at: None,
    }
}

#[tokio::test]
async fn migrations_are_idempotent_and_emails_unique() {
    for backend in backends().await {
        let t = TestDb::new(backend).await;
        t.db.migrate().await.expect("second migrate is a no-op");
        t.db.create_user(&new_user("a@example.com"), 1).await.unwrap();
        let err = t.db.create_user(&new_user("a@example.com"), 2).await.unwrap_err();
        assert!(matches!(err, DbError::Conflict(_)), "{backend:?}: {err:?}");
        t.drop_schema().await;
    }
}

/// Concurrent attempts are reserved one by one: exactly ten are granted, the tenth locks.
#[tokio::test]
async fn sign_in_attempts_are_reserved_exactly_under_concurrency() {
    for backend in backends().await {
        let t = TestDb::new(backend).await;
        let id = t.db.create_user(&new_user("c@example.com"), 1).await.unwrap();
        let now = 1_000_000;
        let tasks: Vec<_> = (0..25)
            .map(|_| {
                let db = t.db.clone();
                tokio::spawn(async move { db.reserve_sign_in_attempt(id, now).await.unwrap() })
            })
            .collect();
        let mut granted = Vec::new();
        for task in tasks {
            if let Some(attempt) = task.await.unwrap() {
                granted.push((attempt.number, attempt.locked_the_account()));
            }
        }
        granted.sort();
        let expected: Vec<_> = (1..=10).map(|n| (n, n == 10)).collect();
        assert_eq!(granted, expected, "{backend:?}");
        let user = t.db.user_by_id(id).await.unwrap().unwrap();
        assert_eq!(user.locked_until, Some(now + 30 * 60 * 1000), "{backend:?}");
        // After the lock runs out, counting starts again.
        let attempt = t.db.reserve_sign_in_attempt(id, now + 31 * 60 * 1000).await.unwrap();
        assert_eq!(attempt.map(|a| a.number), Some(1), "{backend:?}");
        let user = t.db.user_by_id(id).await.unwrap().unwrap();
        assert_eq!(user.locked_until, None, "{backend:?}");
        t.drop_schema().await;
    }
}

#[tokio::test]
async fn memberships_and_sessions() {
    for backend in backends().await {
        let t = TestDb::new(backend).await;
        let pw = kassa_core::account::NewPassword::parse(DEMO_PASSWORD).unwrap();
        kassa_web::demo::seed_if_empty(&t.db, &pw).await.unwrap();
        assert!(
            !kassa_web::demo::seed_if_empty(&t.db, &pw).await.unwrap(),
            "seeding twice does nothing"
        );
        let user = t.db.user_by_email("admin@demo.kassa.test").await.unwrap().unwrap();
        let stores = t.db.memberships_of(user.id).await.unwrap();
        let ids: Vec<_> = stores.iter().map(|m| (m.store_id.as_str(), m.role.code())).collect();
        assert_eq!(ids, [("M100001", "admin"), ("M100002", "admin")]);
        t.db.set_membership(user.id, "M100002", "read_only", 5).await.unwrap();
        assert_eq!(t.db.memberships_of(user.id).await.unwrap()[1].role.code(), "read_only");

        let s = kassa_db::NewSession {
            token_hash: "h1",
            user_id: user.id,
            csrf_token: "c",
            store_id: "M100001",
            ip: "",
            user_agent: "",
        };
        t.db.create_session(&s, 100).await.unwrap();
        t.db.create_session(
            &kassa_db::NewSession {
                token_hash: "h2",
                ..s.clone()
            },
            100,
        )
        .await
        .unwrap();
        t.db.touch_session("h1", 200).await.unwrap();
        assert_eq!(t.db.session("h1").await.unwrap().unwrap().last_seen_at, 200);
        assert_eq!(t.db.purge_sessions(150, 0).await.unwrap(), 1, "h2 idle since 100");
        assert_eq!(t.db.delete_sessions_of_user(user.id).await.unwrap(), 1);
        t.drop_schema().await;
    }
}

/// A random number below `n` (a fresh UUID's bits), for moments to interrupt at.
fn random_below(n: u64) -> u64 {
    (uuid::Uuid::new_v4().as_u128() % n as u128) as u64
}

/// Status counts and money of the playground store: what a complete demo looks like.
async fn demo_shape(db: &kassa_db::Db) -> (Vec<(String, i64)>, (i64, i64, i64)) {
    (
        db.order_status_counts("M100001").await.unwrap(),
        db.capture_totals("M100001").await.unwrap(),
    )
}

#[tokio::test]
async fn a_demo_killed_while_seeding_its_users_starts_and_completes() {
    for backend in backends().await {
        let pw = kassa_core::account::NewPassword::parse(DEMO_PASSWORD).unwrap();
        // Killed at a random moment of the first start, over and over.
        for _ in 0..4 {
            let mut t = TestDb::new(backend).await;
            let db = t.db.clone();
            let first = {
                let pw = pw.clone();
                tokio::spawn(async move { kassa_web::demo::seed_if_empty(&db, &pw).await })
            };
            tokio::time::sleep(std::time::Duration::from_millis(random_below(400))).await;
            first.abort();
            let _ = first.await;
            t.reopen().await;
            let users = t.db.count_users().await.unwrap();
            let seeded =
                t.db.marker_time(kassa_web::demo::TENANCY_MARKER)
                    .await
                    .unwrap()
                    .is_some();
            assert!(
                users == 0 || (users == 8 && seeded),
                "{backend:?}: half a tenancy ({users} users)"
            );
            kassa_web::demo::seed_if_empty(&t.db, &pw).await.unwrap();
            for (email, role) in kassa_web::demo::demo_users() {
                let user = t.db.user_by_email(&email).await.unwrap().expect("every demo user");
                let roles: Vec<_> =
                    t.db.memberships_of(user.id)
                        .await
                        .unwrap()
                        .into_iter()
                        .map(|m| m.role.code())
                        .collect();
                assert_eq!(roles, [role.code(), role.code()], "{backend:?} {email}");
            }
            assert!(!kassa_web::demo::seed_if_empty(&t.db, &pw).await.unwrap());
            t.drop_schema().await;
        }
        // A folder an older Kassa left half-seeded: the merchant and first store, no users.
        let t = TestDb::new(backend).await;
        let now = kassa_web::now_ms();
        let merchant =
            t.db.create_merchant(
                &kassa_db::NewMerchant {
                    legal_name: "Demo Shop AB",
                    org_number: "556677-8899",
                    vat_id: "",
                    address_line: "",
                    postal_code: "",
                    city: "Stockholm",
                    country: "SE",
                    onboarding: "direct",
                    require_two_factor: false,
                },
                now,
            )
            .await
            .unwrap();
        t.db.create_store(
            &kassa_db::NewStore {
                id: "M100001",
                merchant_id: merchant,
                name: "Demo Shop (playground)",
                url: "https://shop.demo.kassa.test",
                country: "SE",
                currency: "SEK",
                statement_descriptor: "DEMO SHOP",
                environment: "playground",
            },
            now,
        )
        .await
        .unwrap();
        assert!(kassa_web::demo::seed_if_empty(&t.db, &pw).await.unwrap(), "{backend:?}");
        let admin = t.db.user_by_email("admin@demo.kassa.test").await.unwrap().unwrap();
        let stores = t.db.memberships_of(admin.id).await.unwrap();
        assert_eq!(stores.len(), 2);
        assert!(
            stores.iter().all(|m| m.merchant_id == merchant),
            "the existing merchant is used"
        );
        t.drop_schema().await;
    }
}

#[tokio::test]
async fn a_demo_killed_while_seeding_orders_resumes_to_the_same_demo() {
    const ORDERS: usize = 40;
    for backend in backends().await {
        let pw = kassa_core::account::NewPassword::parse(DEMO_PASSWORD).unwrap();
        // The demo as one uninterrupted start makes it.
        let whole = TestDb::new(backend).await;
        kassa_web::demo::seed_if_empty(&whole.db, &pw).await.unwrap();
        assert_eq!(kassa_web::demo::seed_orders(&whole.db, ORDERS).await.unwrap(), ORDERS);
        let expected = demo_shape(&whole.db).await;
        whole.drop_schema().await;

        for _ in 0..3 {
            let mut t = TestDb::new(backend).await;
            kassa_web::demo::seed_if_empty(&t.db, &pw).await.unwrap();
            // Killed after a random number of orders, somewhere inside one of them.
            let stop_at = 1 + random_below(ORDERS as u64 - 5) as i64;
            let db = t.db.clone();
            let first = tokio::spawn(async move { kassa_web::demo::seed_orders(&db, ORDERS).await });
            while t.db.count_orders("M100001").await.unwrap() < stop_at {
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            }
            tokio::time::sleep(std::time::Duration::from_micros(random_below(3_000))).await;
            first.abort();
            let _ = first.await;
            // Started again: a new process on the same database.
            t.reopen().await;
            let made = t.db.count_orders("M100001").await.unwrap() as usize;
            assert!(made < ORDERS, "{backend:?}: stopped part-way");

            let resumed = kassa_web::demo::seed_orders(&t.db, ORDERS).await.unwrap();
            assert_eq!(resumed, ORDERS - made, "{backend:?}");
            assert_eq!(demo_shape(&t.db).await, expected, "{backend:?}: stopped at {made}");

            // A later start on the complete demo does nothing.
            assert!(!kassa_web::demo::seed_if_empty(&t.db, &pw).await.unwrap());
            assert_eq!(kassa_web::demo::seed_orders(&t.db, ORDERS).await.unwrap(), 0);
            assert_eq!(demo_shape(&t.db).await, expected);
            t.drop_schema().await;
        }
    }
}
