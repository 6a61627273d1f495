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
        let ids: Vec<_> = stores.iter().map(|m| (m.store_id.as_str(), m.role.as_str())).collect();
        assert_eq!(ids, [("M100001", "admin"), ("M100002", "admin")]);
        t.db.set_membership(user.id, "M100002", "read_only", 5).await.unwrap();
        assert_eq!(t.db.memberships_of(user.id).await.unwrap()[1].role, "read_only");

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
