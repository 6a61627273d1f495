//! Sign-in, lockout, sessions and sign-out, over HTTP on both databases.

use crate::support::*;
use kassa_core::audit::AuditAction;
use kassa_db::Backend;

#[tokio::test]
async fn every_demo_user_signs_in_and_lands_on_home() {
    on_each_backend(|app| async move {
        for (email, _role) in kassa_web::demo::demo_users() {
            let c = app.client();
            let res = c.sign_in(&email, DEMO_PASSWORD).await;
            assert_eq!(res.status(), 303, "{email}");
            assert_eq!(location(&res), "/portal");
            let cookies = set_cookies(&res).join("\n");
            assert!(cookies.contains("kassa_session="), "{cookies}");
            assert!(
                cookies.contains("HttpOnly") && cookies.contains("SameSite=Lax"),
                "{cookies}"
            );
            assert!(!cookies.contains("Secure"), "no Secure over plain http: {cookies}");
            let (status, body) = c.page("/portal").await;
            assert_eq!(status, 200);
            assert!(body.contains("Demo Shop AB"), "home names the merchant");
            assert!(body.contains("M100001"), "home names the store");
        }
        let signed_in = app.db().audit_events(Some(AuditAction::SignIn), 100).await.unwrap();
        assert_eq!(signed_in.len(), 8, "each sign-in is an audit event");
    })
    .await;
}

#[tokio::test]
async fn wrong_password_and_unknown_email_are_refused_alike() {
    on_each_backend(|app| async move {
        let c = app.client();
        let res = c.sign_in("admin@demo.kassa.test", "not the password").await;
        assert_eq!(res.status(), 401);
        let wrong_pw = res.text().await.unwrap();
        let res = c.sign_in("nobody@demo.kassa.test", "not the password").await;
        assert_eq!(res.status(), 401);
        let unknown = res.text().await.unwrap();
        let msg = "The email or password is not right";
        assert!(wrong_pw.contains(msg) && unknown.contains(msg));
        assert_eq!(c.get("/portal").await.status(), 303, "still signed out");
        let failures = app
            .db()
            .audit_events(Some(AuditAction::SignInFailed), 10)
            .await
            .unwrap();
        assert_eq!(failures.len(), 2);
        assert_eq!(failures[0].subject, "nobody@demo.kassa.test");
        assert!(!failures[0].ip.is_empty(), "the address is recorded");
    })
    .await;
}

#[tokio::test]
async fn ten_failures_lock_the_account_for_thirty_minutes() {
    on_each_backend(|app| async move {
        let c = app.client();
        for _ in 0..10 {
            assert_eq!(c.sign_in("user@demo.kassa.test", "wrong password!").await.status(), 401);
        }
        let res = c.sign_in("user@demo.kassa.test", DEMO_PASSWORD).await;
        assert_eq!(res.status(), 401, "locked even with the right password");
        assert!(res.text().await.unwrap().contains("The email or password is not right"));
        assert_eq!(
            app.db()
                .audit_events(Some(AuditAction::AccountLocked), 10)
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(locked_mails(&app, "user@demo.kassa.test").len(), 1, "the owner is told");
        assert_eq!(
            app.db()
                .audit_events(Some(AuditAction::SignInRefusedLocked), 10)
                .await
                .unwrap()
                .len(),
            1
        );

        let user = app.db().user_by_email("user@demo.kassa.test").await.unwrap().unwrap();
        let until = user.locked_until.expect("locked");
        let minutes = (until - kassa_web::now_ms()) as f64 / 60_000.0;
        assert!((29.0..=30.0).contains(&minutes), "locked for {minutes} minutes");

        // Thirty minutes later (moved in the database) the right password works again.
        app.db()
            .execute_trusted("UPDATE users SET locked_until = locked_until - 1800001")
            .await
            .unwrap();
        assert_eq!(c.sign_in("user@demo.kassa.test", DEMO_PASSWORD).await.status(), 303);
        let user = app.db().user_by_email("user@demo.kassa.test").await.unwrap().unwrap();
        assert_eq!((user.failed_sign_ins, user.locked_until), (0, None));
    })
    .await;
}

#[tokio::test]
async fn sign_in_issues_a_new_session_id_and_sign_out_ends_it() {
    on_each_backend(|app| async move {
        let c = app.client();
        let session_of = |res: &reqwest::Response| {
            set_cookies(res)
                .into_iter()
                .find(|c| c.starts_with("kassa_session="))
                .expect("session cookie")
        };
        let first = session_of(&c.sign_in("admin@demo.kassa.test", DEMO_PASSWORD).await);
        let res = c.sign_out().await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/portal/sign-in?signed_out=1");
        assert!(set_cookies(&res)
            .iter()
            .any(|c| c.starts_with("kassa_session=;") && c.contains("Max-Age=0")));
        assert_eq!(c.get("/portal").await.status(), 303);
        assert_eq!(
            app.db()
                .audit_events(Some(AuditAction::SignOut), 10)
                .await
                .unwrap()
                .len(),
            1
        );
        let second = session_of(&c.sign_in("admin@demo.kassa.test", DEMO_PASSWORD).await);
        assert_ne!(first, second, "every sign-in gets a new session id");

        // The old cookie is dead on the server too, not just forgotten by this browser.
        let replay = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let token = first.split(';').next().unwrap();
        let res = replay
            .get(format!("{}/portal", app.url))
            .header("cookie", token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
    })
    .await;
}

#[tokio::test]
async fn sessions_end_after_15_idle_minutes_and_12_hours() {
    on_each_backend(|app| async move {
        let c = app.signed_in("admin@demo.kassa.test").await;
        assert_eq!(c.page("/portal").await.0, 200);
        app.db()
            .execute_trusted("UPDATE sessions SET last_seen_at = last_seen_at - 15 * 60 * 1000")
            .await
            .unwrap();
        let res = c.get("/portal").await;
        assert_eq!(res.status(), 303, "idle session ended");
        let (_, body) = c.page("/portal/sign-in").await;
        assert!(body.contains("Your session has ended"));

        let c = app.signed_in("admin@demo.kassa.test").await;
        // Active all along, but signed in 12 hours ago.
        app.db()
            .execute_trusted("UPDATE sessions SET created_at = created_at - 12 * 3600 * 1000")
            .await
            .unwrap();
        assert_eq!(c.get("/portal").await.status(), 303, "absolute lifetime ended");
    })
    .await;
}

#[tokio::test]
async fn under_tls_cookies_are_secure_and_host_prefixed() {
    for backend in backends().await.into_iter().filter(|b| *b == Backend::Sqlite) {
        let app = TestApp::spawn_with(backend, Some("https://portal.example.test")).await;
        // A plain client: the Secure cookies would never be sent back over http by a jar.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let res = http.get(format!("{}/portal/sign-in", app.url)).send().await.unwrap();
        assert!(res.headers().get("strict-transport-security").is_some());
        let cookies = set_cookies(&res).join("\n");
        assert!(
            cookies.starts_with("__Host-kassa_csrf=") && cookies.contains("; Secure"),
            "{cookies}"
        );
        let csrf = csrf_in(&res.text().await.unwrap()).unwrap();
        let res = http
            .post(format!("{}/portal/sign-in", app.url))
            .header("origin", "https://portal.example.test")
            .header("cookie", format!("__Host-kassa_csrf={csrf}"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("email", "admin@demo.kassa.test"),
                ("password", DEMO_PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        let cookies = set_cookies(&res).join("\n");
        assert!(
            cookies.contains("__Host-kassa_session=") && cookies.contains("; Secure"),
            "{cookies}"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn deactivated_and_expired_users_are_refused_and_lose_their_sessions() {
    on_each_backend(|app| async move {
        let c = app.signed_in("external@demo.kassa.test").await;
        app.db()
            .execute_trusted("UPDATE users SET access_expires_at = 1 WHERE email = 'external@demo.kassa.test'")
            .await
            .unwrap();
        assert_eq!(c.get("/portal").await.status(), 303, "open session ended at expiry");
        let res = c.sign_in("external@demo.kassa.test", DEMO_PASSWORD).await;
        assert_eq!(res.status(), 401);
        assert!(res.text().await.unwrap().contains("has expired"));

        let c = app.signed_in("readonly@demo.kassa.test").await;
        app.db()
            .execute_trusted("UPDATE users SET status = 'deactivated' WHERE email = 'readonly@demo.kassa.test'")
            .await
            .unwrap();
        assert_eq!(
            c.get("/portal").await.status(),
            303,
            "open session ended at deactivation"
        );
        assert_eq!(c.sign_in("readonly@demo.kassa.test", DEMO_PASSWORD).await.status(), 401);
    })
    .await;
}

/// The emails telling `to` that their account was locked.
fn locked_mails(app: &TestApp, to: &str) -> Vec<kassa_web::mail::OutboxMessage> {
    app.mails()
        .into_iter()
        .filter(|m| m.to == to && m.links.iter().any(|l| l.ends_with("/portal/password-reset")))
        .collect()
}

/// How many times a password or code of `email` was actually checked and found wrong.
async fn checked_and_wrong(app: &TestApp, email: &str, action: &str) -> usize {
    let rows = app
        .db()
        .audit_events(Some(action.parse().unwrap()), 10_000)
        .await
        .unwrap();
    rows.iter().filter(|r| r.subject == email).count()
}

/// Waits (up to 20 s) until `email`'s account is locked in the database.
async fn wait_for_lock(app: &TestApp, email: &str) {
    for _ in 0..4000 {
        let user = app.db().user_by_email(email).await.unwrap().unwrap();
        if user.locked_until.is_some() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    panic!("{email} was never locked");
}

#[tokio::test]
async fn two_hundred_parallel_guesses_check_ten_passwords_and_lock_once() {
    on_each_backend(|app| async move {
        let email = "user@demo.kassa.test";
        // The owner reads Swedish: the lock email must be in Swedish.
        app.db()
            .execute_trusted("UPDATE users SET language = 'sv' WHERE email = 'user@demo.kassa.test'")
            .await
            .unwrap();
        let guesses: Vec<_> = (0..200)
            .map(|i| {
                let app = app.clone();
                tokio::spawn(async move {
                    let res = app.client().sign_in(email, &format!("wrong guess {i:04}")).await;
                    (res.status().as_u16(), res.text().await.unwrap())
                })
            })
            .collect();
        // The right password while the guesses are still being answered, as soon as the
        // tenth attempt is reserved: it must not be checked.
        wait_for_lock(&app, email).await;
        let right = app.client().sign_in(email, DEMO_PASSWORD).await;
        assert_eq!(right.status(), 401, "the right password after ten guesses is refused");
        for guess in guesses {
            let (status, body) = guess.await.unwrap();
            assert_eq!(status, 401);
            assert!(body.contains("The email or password is not right"));
        }
        assert_eq!(
            checked_and_wrong(&app, email, "sign_in_failed").await,
            10,
            "exactly ten passwords were checked"
        );
        assert_eq!(checked_and_wrong(&app, email, "account_locked").await, 1);
        let mails = locked_mails(&app, email);
        assert_eq!(mails.len(), 1, "one lock email, however many guesses");
        assert_eq!(mails[0].subject, "Ditt Kassa-konto har låsts");
        assert!(mails[0].text.contains("10 misslyckade"), "{}", mails[0].text);
        // Still locked, for everyone.
        assert_eq!(app.client().sign_in(email, DEMO_PASSWORD).await.status(), 401);
    })
    .await;
}

#[tokio::test]
async fn a_locked_account_answers_exactly_like_an_unknown_email() {
    on_each_backend(|app| async move {
        let c = app.client();
        for _ in 0..10 {
            c.sign_in("admin@demo.kassa.test", "wrong password!").await;
        }
        // The same typed address for both, so the echoed form field cannot differ.
        let answer = |email: &'static str, password: &'static str| {
            let c = &c;
            async move {
                let res = c.sign_in(email, password).await;
                let status = res.status().as_u16();
                let body = res.text().await.unwrap().replace(email, "EMAIL");
                (status, body)
            }
        };
        let locked_right = answer("admin@demo.kassa.test", DEMO_PASSWORD).await;
        let locked_wrong = answer("admin@demo.kassa.test", "another wrong one").await;
        let unknown = answer("nobody-here@demo.kassa.test", DEMO_PASSWORD).await;
        let wrong = answer("user@demo.kassa.test", "not the password").await;
        assert_eq!(locked_right.0, 401);
        assert_eq!(locked_right, unknown, "locked account vs unknown email");
        assert_eq!(locked_wrong, unknown);
        assert_eq!(wrong, unknown, "a plain wrong password answers alike too");
        assert!(!unknown.1.contains("locked"), "nothing says locked");
        assert_eq!(locked_mails(&app, "admin@demo.kassa.test").len(), 1);
        assert!(locked_mails(&app, "nobody-here@demo.kassa.test").is_empty());
    })
    .await;
}

#[tokio::test]
async fn the_right_password_after_nine_failures_signs_in_and_starts_over() {
    on_each_backend(|app| async move {
        let email = "settlement@demo.kassa.test";
        let c = app.client();
        for _ in 0..9 {
            assert_eq!(c.sign_in(email, "wrong password!").await.status(), 401);
        }
        assert_eq!(c.sign_in(email, DEMO_PASSWORD).await.status(), 303);
        let user = app.db().user_by_email(email).await.unwrap().unwrap();
        assert_eq!((user.failed_sign_ins, user.locked_until), (0, None));
        // A fresh count: nine more failures still leave the right password working.
        let c = app.client();
        for _ in 0..9 {
            assert_eq!(c.sign_in(email, "wrong password!").await.status(), 401);
        }
        assert_eq!(c.sign_in(email, DEMO_PASSWORD).await.status(), 303);
        assert!(locked_mails(&app, email).is_empty(), "never locked");
    })
    .await;
}
