//! Security headers and CSRF protection.

use crate::support::*;
use kassa_core::audit::AuditAction;

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    on_each_backend(|app| async move {
        let c = app.signed_in("admin@demo.kassa.test").await;
        for path in [
            "/portal",
            "/portal/sign-in",
            "/healthz",
            "/static/app.css",
            "/no/such/page",
            "/portal/account",
        ] {
            let res = c.get(path).await;
            let h = res.headers();
            let csp = h
                .get("content-security-policy")
                .unwrap_or_else(|| panic!("{path}: no CSP"))
                .to_str()
                .unwrap();
            assert!(
                csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
                "{path}: {csp}"
            );
            assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
            assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff", "{path}");
            assert_eq!(h.get("referrer-policy").unwrap(), "same-origin", "{path}");
            assert!(h.get("x-request-id").is_some(), "{path}: request id");
        }
    })
    .await;
}

#[tokio::test]
async fn pages_have_no_inline_script_or_style() {
    on_each_backend(|app| async move {
        let c = app.signed_in("superadmin@demo.kassa.test").await;
        for path in ["/portal", "/portal/account", "/portal/sign-in", "/nope"] {
            let (_, body) = c.page(path).await;
            assert!(!body.contains(" style="), "{path} has an inline style attribute");
            assert!(
                !body.contains("<script>") && !body.contains(" onclick="),
                "{path} has inline script"
            );
            assert!(!body.contains("<style"), "{path} has a style element");
        }
    })
    .await;
}

#[tokio::test]
async fn state_changing_requests_need_token_and_same_origin() {
    on_each_backend(|app| async move {
        let c = app.signed_in("admin@demo.kassa.test").await;
        c.page("/portal").await;
        let token = c.csrf();
        let own = c.base.clone();
        // No token, a wrong token, a foreign origin, no origin at all: all refused.
        type Attempt<'a> = (Option<&'a str>, Vec<(&'a str, &'a str)>);
        let attempts: [Attempt; 4] = [
            (Some(&own), vec![("theme", "dark")]),
            (Some(&own), vec![("csrf", "0000"), ("theme", "dark")]),
            (Some("https://evil.example"), vec![("csrf", &token), ("theme", "dark")]),
            (None, vec![("csrf", &token), ("theme", "dark")]),
        ];
        for (origin, form) in attempts {
            let res = c.post_raw("/portal/theme", origin, &form).await;
            assert_eq!(res.status(), 403, "origin {origin:?} form {form:?}");
        }
        let user = app.db().user_by_email("admin@demo.kassa.test").await.unwrap().unwrap();
        assert_eq!(user.theme, "system", "nothing changed");
        // The same post with both: accepted.
        let res = c
            .post_raw("/portal/theme", Some(&own), &[("csrf", &token), ("theme", "dark")])
            .await;
        assert_eq!(res.status(), 303);
        let user = app.db().user_by_email("admin@demo.kassa.test").await.unwrap().unwrap();
        assert_eq!(user.theme, "dark");
    })
    .await;
}

#[tokio::test]
async fn sign_in_form_is_protected_against_login_csrf() {
    on_each_backend(|app| async move {
        let c = app.client();
        c.page("/portal/sign-in").await;
        let res = c
            .post_raw(
                "/portal/sign-in",
                Some(&c.base),
                &[
                    ("csrf", "forged"),
                    ("email", "admin@demo.kassa.test"),
                    ("password", DEMO_PASSWORD),
                ],
            )
            .await;
        assert_eq!(res.status(), 403);
        assert!(app
            .db()
            .audit_events(Some(AuditAction::SignIn), 10)
            .await
            .unwrap()
            .is_empty());
    })
    .await;
}

#[tokio::test]
async fn error_pages_are_friendly_and_carry_the_request_id() {
    on_each_backend(|app| async move {
        let c = app.client();
        let res = c.get("/portal/definitely-missing").await;
        assert_eq!(res.status(), 404);
        let id = res.headers().get("x-request-id").unwrap().to_str().unwrap().to_owned();
        let body = res.text().await.unwrap();
        assert!(body.contains("Page not found"), "{body}");
        assert!(body.contains(&id), "the page shows the request id");
    })
    .await;
}

#[tokio::test]
async fn health_and_readiness() {
    on_each_backend(|app| async move {
        let c = app.client();
        let res = c.get("/healthz").await;
        assert_eq!(
            (res.status().as_u16(), res.text().await.unwrap()),
            (200, "ok".to_owned())
        );
        let res = c.get("/readyz").await;
        assert_eq!(
            (res.status().as_u16(), res.text().await.unwrap()),
            (200, "ready".to_owned())
        );
        app.db().close().await;
        assert_eq!(c.get("/readyz").await.status(), 503, "not ready without a database");
    })
    .await;
}

/// `next` values an attacker might send: header-splitting characters, other sites, other
/// schemes. Each must end in a redirect into the portal, never a 500 or a foreign address.
const HOSTILE_NEXT: &[&str] = &[
    "/portal\r\nSet-Cookie: evil=1",
    "\r\n",
    "/portal/orders\r\nLocation: https://evil.example",
    "//evil.example",
    "/\\evil.example",
    "https://evil.example/portal",
    "javascript:alert(1)",
    "/portal/orders\tx",
    "/portal\u{7f}",
    "/portal/\u{e4}",
];

/// The redirect is to a local portal path that is safe to follow.
fn assert_safe_redirect(res: &reqwest::Response, what: &str) {
    assert_eq!(res.status(), 303, "{what}: status");
    let to = location(res);
    assert!(
        (to == "/portal" || to.starts_with("/portal/") || to.starts_with("/portal?")) && !to.contains("//"),
        "{what}: Location {to:?}"
    );
    assert!(
        !set_cookies(res).iter().any(|c| c.contains("evil")),
        "{what}: a cookie was injected"
    );
}

#[tokio::test]
async fn a_hostile_next_always_redirects_into_the_portal() {
    on_each_backend(|app| async move {
        let visitor = app.client();
        visitor.page("/portal/sign-in").await;
        let member = app.signed_in("admin@demo.kassa.test").await;
        member.page("/portal/account").await;
        for next in HOSTILE_NEXT {
            let res = visitor
                .post_form("/portal/language", &[("lang", "sv"), ("next", next)])
                .await;
            assert_safe_redirect(&res, &format!("language (signed out), next {next:?}"));
            let res = member
                .post_form("/portal/language", &[("lang", "en"), ("next", next)])
                .await;
            assert_safe_redirect(&res, &format!("language, next {next:?}"));
            let res = member
                .post_form("/portal/theme", &[("theme", "dark"), ("next", next)])
                .await;
            assert_safe_redirect(&res, &format!("theme, next {next:?}"));
            let res = member.get(&format!("/portal/sign-in?next={}", urlencode(next))).await;
            assert_safe_redirect(&res, &format!("sign-in page while signed in, next {next:?}"));
            let res = visitor.get(&format!("/portal/sign-in?next={}", urlencode(next))).await;
            assert_eq!(res.status(), 200, "sign-in page, next {next:?}");
            let body = res.text().await.unwrap();
            assert!(!body.contains("evil.example"), "the form carries next {next:?} on");
            // Signing in with it: the session starts and the browser lands in the portal.
            let fresh = app.client();
            fresh.page("/portal/sign-in").await;
            let res = fresh
                .post_form(
                    "/portal/sign-in",
                    &[
                        ("email", "user@demo.kassa.test"),
                        ("password", DEMO_PASSWORD),
                        ("next", next),
                    ],
                )
                .await;
            assert_safe_redirect(&res, &format!("sign-in, next {next:?}"));
            assert_eq!(res.headers()["location"], "/portal", "sign-in, next {next:?}");
            assert!(
                set_cookies(&res).iter().any(|c| c.starts_with("kassa_session=")),
                "sign-in, next {next:?}: signed in"
            );
        }
        // With two-factor on, the password step hands next on to the code step, checked.
        let db = app.db();
        let user = db.user_by_email("disputes@demo.kassa.test").await.unwrap().unwrap();
        let now = kassa_web::now_ms();
        db.set_totp_pending(user.id, Some("JBSWY3DPEHPK3PXP"), now)
            .await
            .unwrap();
        let audit = kassa_db::AuditEvent::of(AuditAction::TwoFactorEnabled);
        assert!(db
            .enable_two_factor(user.id, "JBSWY3DPEHPK3PXP", 0, &[], &audit, now)
            .await
            .unwrap());
        for next in HOSTILE_NEXT {
            // A password step counts towards the lockout until its code step completes; start
            // the count over so that this walk checks only how next is handled.
            db.record_sign_in(user.id, kassa_web::now_ms()).await.unwrap();
            let c = app.client();
            c.page("/portal/sign-in").await;
            let res = c
                .post_form(
                    "/portal/sign-in",
                    &[
                        ("email", "disputes@demo.kassa.test"),
                        ("password", DEMO_PASSWORD),
                        ("next", next),
                    ],
                )
                .await;
            assert_eq!(res.status(), 303, "two-factor sign-in, next {next:?}");
            assert_eq!(
                location(&res),
                "/portal/sign-in/two-factor?next=%2Fportal",
                "next {next:?}"
            );
            let res = c
                .get(&format!("/portal/sign-in/two-factor?next={}", urlencode(next)))
                .await;
            assert_eq!(res.status(), 200, "code step, next {next:?}");
            let body = res.text().await.unwrap();
            assert!(!body.contains("evil.example"), "the code step carries next {next:?} on");
        }
        // NUL never reaches a handler in the portal: the address or form is refused whole.
        let res = member.get("/portal/sign-in?next=%2Fportal%00").await;
        assert_eq!(res.status(), 400);
        assert!(res.headers().get("location").is_none());
        let res = member
            .post_form("/portal/theme", &[("theme", "dark"), ("next", "/portal\0")])
            .await;
        assert_eq!(res.status(), 400);
        assert!(res.headers().get("location").is_none());
        // A good next is kept.
        let res = member
            .post_form(
                "/portal/theme",
                &[("theme", "light"), ("next", "/portal/orders?status=AUTHORIZED")],
            )
            .await;
        assert_eq!(location(&res), "/portal/orders?status=AUTHORIZED");
    })
    .await;
}
