//! Account security over HTTP on both databases: password reset and sign-in links by email,
//! TOTP two-factor with recovery codes, and the merchant's two-factor policy.

use crate::support::*;
use kassa_core::audit::AuditAction;
use kassa_web::two_factor;

const NEW_PASSWORD: &str = "a fresh long passphrase";

#[tokio::test]
async fn password_reset_by_email_works_once_and_ends_other_sessions() {
    on_each_backend(|app| async move {
        let open_session = app.signed_in("user@demo.kassa.test").await;
        let c = app.client();
        let (status, form) = c.page("/portal/password-reset").await;
        assert_eq!(status, 200);
        assert!(form.contains("Reset your password"));
        let res = c
            .post_form("/portal/password-reset", &[("email", "USER@demo.kassa.test")])
            .await;
        assert_eq!(res.status(), 200);
        let known = res.text().await.unwrap();
        let res = c
            .post_form("/portal/password-reset", &[("email", "nobody@demo.kassa.test")])
            .await;
        let unknown = res.text().await.unwrap();
        let said = "If an account with that email can sign in";
        assert!(known.contains(said) && unknown.contains(said), "same answer either way");
        assert_eq!(app.mails().len(), 1, "only the real account gets mail");
        let mail = app.mails().pop().unwrap();
        assert_eq!(mail.subject, "Reset your Kassa password");
        let link = app.last_link_to("user@demo.kassa.test");

        let (status, page) = c.page(&link).await;
        assert_eq!(status, 200, "opening the link does not use it up");
        assert!(page.contains("user@demo.kassa.test"));
        let res = c
            .post_form(
                &link,
                &[("new_password", NEW_PASSWORD), ("confirm_password", "not the same one")],
            )
            .await;
        assert_eq!(res.status(), 422);
        let res = c
            .post_form(
                &link,
                &[("new_password", NEW_PASSWORD), ("confirm_password", NEW_PASSWORD)],
            )
            .await;
        assert_eq!(location(&res), "/portal/sign-in?notice=password_reset");
        assert_eq!(c.page(&link).await.0, 410, "one use");
        assert_eq!(open_session.get("/portal").await.status(), 303, "sessions ended");
        assert_eq!(
            app.client()
                .sign_in("user@demo.kassa.test", DEMO_PASSWORD)
                .await
                .status(),
            401
        );
        assert_eq!(
            app.client()
                .sign_in("user@demo.kassa.test", NEW_PASSWORD)
                .await
                .status(),
            303
        );
        for action in ["password_reset_requested", "password_reset"] {
            assert_eq!(
                app.db()
                    .audit_events(Some(action.parse().unwrap()), 5)
                    .await
                    .unwrap()
                    .len(),
                1
            );
        }

        // At most one link a minute per account.
        let mails = app.mails().len();
        c.post_form("/portal/password-reset", &[("email", "user@demo.kassa.test")])
            .await;
        assert_eq!(app.mails().len(), mails, "throttled");
        // A link older than an hour does not work.
        app.db()
            .execute_trusted("UPDATE user_tokens SET created_at = created_at - 60001")
            .await
            .unwrap();
        c.post_form("/portal/password-reset", &[("email", "user@demo.kassa.test")])
            .await;
        assert_eq!(app.mails().len(), mails + 1);
        let link = app.last_link_to("user@demo.kassa.test");
        app.db()
            .execute_trusted("UPDATE user_tokens SET expires_at = expires_at - 3600001")
            .await
            .unwrap();
        assert_eq!(c.page(&link).await.0, 410);
    })
    .await;
}

#[tokio::test]
async fn a_sign_in_link_signs_in_once_within_fifteen_minutes() {
    on_each_backend(|app| async move {
        let c = app.client();
        c.page("/portal/sign-in/link").await;
        let res = c
            .post_form("/portal/sign-in/link", &[("email", "settlement@demo.kassa.test")])
            .await;
        assert_eq!(res.status(), 200);
        let link = app.last_link_to("settlement@demo.kassa.test");
        assert!(app.mails().pop().unwrap().text.contains("15 minutes"));
        // A mail scanner's GET only shows a button.
        let (status, page) = c.page(&link).await;
        assert_eq!(status, 200);
        assert!(page.contains("Sign in as settlement@demo.kassa.test?"));
        let res = c.post_form(&link, &[]).await;
        assert_eq!((res.status().as_u16(), location(&res)), (303, "/portal".to_owned()));
        assert_eq!(c.page("/portal").await.0, 200);
        let other = app.client();
        other.page("/portal/sign-in").await;
        assert_eq!(other.post_form(&link, &[]).await.status(), 410, "one use");
        let event = &app.db().audit_events(Some(AuditAction::SignIn), 1).await.unwrap()[0];
        assert!(event.after_json.as_deref().unwrap().contains("magic_link"));

        // Expired after 15 minutes.
        app.db()
            .execute_trusted("UPDATE user_tokens SET created_at = created_at - 60001")
            .await
            .unwrap();
        c.post_form("/portal/sign-in/link", &[("email", "settlement@demo.kassa.test")])
            .await;
        let link = app.last_link_to("settlement@demo.kassa.test");
        app.db()
            .execute_trusted("UPDATE user_tokens SET expires_at = expires_at - 900001")
            .await
            .unwrap();
        assert_eq!(c.page(&link).await.0, 410);
        // Deactivated users get no link.
        let before = app.mails().len();
        app.db()
            .execute_trusted("UPDATE users SET status = 'deactivated' WHERE email = 'readonly@demo.kassa.test'")
            .await
            .unwrap();
        c.post_form("/portal/sign-in/link", &[("email", "readonly@demo.kassa.test")])
            .await;
        assert_eq!(app.mails().len(), before);
    })
    .await;
}

/// The key shown on the set-up page, without the grouping spaces.
fn secret_on(page: &str) -> String {
    let start = page.find("id=\"totp-secret\">").expect("the key is shown") + 17;
    page[start..start + page[start..].find('<').unwrap()].replace(' ', "")
}

fn recovery_codes_on(page: &str) -> Vec<String> {
    page.split("<li><code>")
        .skip(1)
        .map(|s| s.split('<').next().unwrap().to_owned())
        .collect()
}

/// Sets up two-factor for a signed-in client; returns the secret and recovery codes.
pub(crate) async fn enrol(c: &Client) -> (String, Vec<String>) {
    c.page("/portal/account/security").await;
    let res = c.post_form("/portal/account/two-factor/setup", &[]).await;
    assert_eq!(location(&res), "/portal/account/security");
    let (_, page) = c.page("/portal/account/security").await;
    assert!(page.contains("<svg") && page.contains("otpauth://totp/Kassa"));
    let secret = secret_on(&page);
    let res = c
        .post_form("/portal/account/two-factor/confirm", &[("code", "000000")])
        .await;
    assert_eq!(res.status(), 422, "a wrong code does not turn it on");
    let code = two_factor::code_at(&secret, kassa_web::now_ms());
    let res = c
        .post_form("/portal/account/two-factor/confirm", &[("code", &code)])
        .await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("Two-factor authentication is on."));
    let codes = recovery_codes_on(&page);
    assert_eq!(codes.len(), 10);
    (secret, codes)
}

#[tokio::test]
async fn two_factor_set_up_sign_in_with_codes_and_recovery_codes() {
    on_each_backend(|app| async move {
        let c = app.signed_in("user@demo.kassa.test").await;
        let (_, security) = c.page("/portal/account/security").await;
        assert!(security.contains("does not require two-factor"), "demo policy is off");
        let (secret, codes) = enrol(&c).await;
        let (_, account) = c.page("/portal/account").await;
        assert!(account.contains("badge-success"), "account page shows it on");

        // Password alone is no longer enough.
        let b = app.client();
        let res = b.sign_in("user@demo.kassa.test", DEMO_PASSWORD).await;
        assert!(location(&res).starts_with("/portal/sign-in/two-factor"));
        assert_eq!(b.get("/portal").await.status(), 303, "no session yet");
        let (status, _) = b.page(&location(&res)).await;
        assert_eq!(status, 200);
        let res = b.post_form("/portal/sign-in/two-factor", &[("code", "123456")]).await;
        assert_eq!(res.status(), 401);
        // The code that confirmed set-up cannot be replayed; the app's next one (accepted
        // one step early, for clock drift) works.
        let code = two_factor::code_at(&secret, kassa_web::now_ms() + 30_000);
        let res = b.post_form("/portal/sign-in/two-factor", &[("code", &code)]).await;
        assert_eq!(location(&res), "/portal");
        assert_eq!(b.page("/portal").await.0, 200);
        // The same code again, in another browser, is refused.
        let r = app.client();
        r.sign_in("user@demo.kassa.test", DEMO_PASSWORD).await;
        r.page("/portal/sign-in/two-factor").await;
        let res = r.post_form("/portal/sign-in/two-factor", &[("code", &code)]).await;
        assert_eq!(res.status(), 401, "a code works once");
        // A recovery code works, once.
        let res = r
            .post_form("/portal/sign-in/two-factor", &[("code", &codes[0].to_uppercase())])
            .await;
        assert_eq!(location(&res), "/portal");
        let again = app.client();
        again.sign_in("user@demo.kassa.test", DEMO_PASSWORD).await;
        again.page("/portal/sign-in/two-factor").await;
        let res = again
            .post_form("/portal/sign-in/two-factor", &[("code", &codes[0])])
            .await;
        assert_eq!(res.status(), 401);
        let (_, security) = b.page("/portal/account/security").await;
        assert!(security.contains("Unused recovery codes: 9"));
        // Without a password-checked challenge the step cannot be reached.
        let stranger = app.client();
        stranger.page("/portal/sign-in").await;
        let res = stranger
            .post_form("/portal/sign-in/two-factor", &[("code", &codes[1])])
            .await;
        assert!(location(&res).contains("challenge_expired"));

        // Turning it off needs the password.
        b.page("/portal/account/security").await;
        let res = b
            .post_form("/portal/account/two-factor/disable", &[("current_password", "wrong")])
            .await;
        assert_eq!(res.status(), 422);
        let res = b
            .post_form(
                "/portal/account/two-factor/disable",
                &[("current_password", DEMO_PASSWORD)],
            )
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(
            location(&app.client().sign_in("user@demo.kassa.test", DEMO_PASSWORD).await),
            "/portal"
        );
        for action in [
            "two_factor_enabled",
            "two_factor_disabled",
            "recovery_code_used",
            "two_factor_failed",
        ] {
            assert!(
                !app.db()
                    .audit_events(Some(action.parse().unwrap()), 5)
                    .await
                    .unwrap()
                    .is_empty(),
                "{action} audited"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn admins_must_enrol_before_anything_else_when_the_policy_is_on() {
    on_each_backend(|app| async move {
        app.db()
            .execute_trusted("UPDATE merchants SET require_two_factor = TRUE")
            .await
            .unwrap();
        let admin = app.signed_in("admin@demo.kassa.test").await;
        for path in ["/portal", "/portal/users", "/portal/account"] {
            let res = admin.get(path).await;
            assert_eq!(
                (res.status().as_u16(), location(&res)),
                (303, "/portal/account/security".to_owned()),
                "{path}"
            );
        }
        let (status, page) = admin.page("/portal/account/security").await;
        assert_eq!(status, 200);
        assert!(page.contains("requires Super Admins and Admins to use two-factor"));
        assert!(page.contains("Two-factor required"));
        assert!(
            !page.contains("href=\"/portal/users\""),
            "no menu to places it cannot reach yet"
        );
        admin.page("/portal/account/security").await;
        let res = admin
            .post_form(
                "/portal/account/profile",
                &[("name", "X"), ("phone", ""), ("timezone", "UTC")],
            )
            .await;
        assert_eq!(res.status(), 403, "no changes before enrolment");
        // Other roles are not held up.
        let user = app.signed_in("user@demo.kassa.test").await;
        assert_eq!(user.page("/portal").await.0, 200);

        enrol(&admin).await;
        assert_eq!(admin.page("/portal").await.0, 200);
        assert_eq!(admin.page("/portal/users").await.0, 200);
        let (_, users) = admin.page("/portal/users").await;
        assert!(users.contains("required for Super Admins and Admins"));
        // Required for an admin: it cannot be turned off.
        admin.page("/portal/account/security").await;
        let res = admin
            .post_form(
                "/portal/account/two-factor/disable",
                &[("current_password", DEMO_PASSWORD)],
            )
            .await;
        assert_eq!(res.status(), 422);
    })
    .await;
}

#[tokio::test]
async fn two_hundred_parallel_codes_check_at_most_ten_and_lock_once() {
    on_each_backend(|app| async move {
        let email = "user@demo.kassa.test";
        let c = app.signed_in(email).await;
        let (secret, _) = enrol(&c).await;
        let b = std::sync::Arc::new(app.client());
        let res = b.sign_in(email, DEMO_PASSWORD).await;
        assert!(location(&res).starts_with("/portal/sign-in/two-factor"));
        b.page("/portal/sign-in/two-factor").await;
        let now = kassa_web::now_ms();
        let valid: Vec<String> = [-30_000, 0, 30_000, 60_000]
            .iter()
            .map(|d| two_factor::code_at(&secret, now + d))
            .collect();
        let guesses: Vec<String> = (0..400u64)
            .map(|i| format!("{:06}", (i * 7919 + 104_729) % 1_000_000))
            .filter(|g| !valid.contains(g))
            .take(200)
            .collect();
        let tasks: Vec<_> = guesses
            .into_iter()
            .map(|code| {
                let b = b.clone();
                tokio::spawn(async move {
                    let res = b.post_form("/portal/sign-in/two-factor", &[("code", &code)]).await;
                    res.status().as_u16()
                })
            })
            .collect();
        for task in tasks {
            let status = task.await.unwrap();
            assert!(status == 401 || status == 303, "{status}");
        }
        let checked = app
            .db()
            .audit_events(Some(AuditAction::TwoFactorFailed), 1000)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.subject == email)
            .count();
        // The password step took the first of the ten attempts.
        assert_eq!(checked, 9, "codes actually checked");
        let code = two_factor::code_at(&secret, kassa_web::now_ms() + 30_000);
        let res = b.post_form("/portal/sign-in/two-factor", &[("code", &code)]).await;
        assert!(
            location(&res).contains("challenge_expired"),
            "locked: the right code is refused"
        );
        assert_eq!(b.get("/portal").await.status(), 303, "no session");
        let locked = app
            .mails()
            .into_iter()
            .filter(|m| m.to == email && m.subject == "Your Kassa account has been locked")
            .count();
        assert_eq!(locked, 1, "one lock email");
    })
    .await;
}
