//! The provider back office's own realm: operators sign in (with the provider's two-factor
//! policy), the `/ops` permission matrix, the lockout under parallel guesses, operator
//! management with its last-admin rule, and the operator audit log.

use crate::support::*;
use kassa_app::auth::two_factor::code_at;
use kassa_app::operators::set_two_factor_policy;
use kassa_core::dispute::Reason;
use kassa_core::ops_access::{ops_allows, OperatorRole};
use kassa_web::ops::OpsAccess;

/// The demo merchant's Super Admin: a merchant user, who must learn nothing under `/ops`.
const MERCHANT_USER: &str = "admin@demo.kassa.test";

/// A route path with its parameters filled in from `ids` (name → value). A route with a
/// parameter this test does not know fails the test, so new routes join the matrix.
pub(crate) fn fill(path: &str, ids: &[(&str, String)]) -> String {
    let mut out = path.to_owned();
    while let Some(start) = out.find('{') {
        let end = out[start..].find('}').expect("closing brace") + start;
        let name = &out[start + 1..end];
        let value = ids
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("the matrix test knows no value for {{{name}}} in {path}"))
            .1
            .clone();
        out.replace_range(start..=end, &value);
    }
    out
}

/// Real values for every path parameter of `/ops`: an operator (`id`), the demo merchant and
/// its playground store, a user of it other than MERCHANT_USER with two-factor on (whom POSTs
/// may deactivate), an order of that store, a payout of its capture, a dispute of another
/// order with a file in its response, a pending identity change request of the merchant and
/// the store's API key.
pub(crate) async fn route_ids(app: &TestApp) -> Vec<(&'static str, String)> {
    let target = app.seed_operator("target@ops.kassa.test", OperatorRole::Support).await;
    let merchant_id = app
        .db()
        .store(kassa_web::demo::PLAYGROUND_STORE)
        .await
        .unwrap()
        .expect("demo store")
        .merchant_id;
    let user = app.seed_demo_user("matrix-target@demo.kassa.test", "user").await;
    // With two-factor on, so that its reset page shows the confirmation form (a POST without
    // a reason resets nothing).
    app.db()
        .execute_trusted(&format!(
            "UPDATE users SET totp_secret = 'JBSWY3DPEHPK3PXP' WHERE id = {user}"
        ))
        .await
        .unwrap();
    let api = app.api(kassa_web::demo::PLAYGROUND_STORE).await;
    let order = api.authorized_order(&sample_order()).await;
    // A payout of that order's capture, for the payout pages.
    assert_eq!(api.capture(&order, 10_000, None).await.status(), 201);
    let finance = kassa_app::Actor::operator(target, "target@ops.kassa.test", OperatorRole::Finance, "");
    let payout = kassa_app::settlements::payout_now(app.db(), &finance, kassa_web::demo::PLAYGROUND_STORE)
        .await
        .expect("a payout of the capture")
        .remove(0);
    let disputed = crate::disputes_pages::captured_order(app, 10_000, "REF-OPS").await;
    let dispute = crate::disputes_pages::open(app, &disputed, Reason::GoodsNotReceived, false).await;
    let attachment = crate::disputes_pages::respond_as_platform(app, &dispute.id).await;
    let (conversation, canned, chat_file) = crate::support_chat::conversation_and_canned_reply(app, target).await;
    // A pending request of the demo merchant to change its verified identity.
    let admin = app
        .db()
        .user_by_email("superadmin@demo.kassa.test")
        .await
        .unwrap()
        .expect("demo Super Admin");
    let asker = kassa_app::Actor::portal_user(
        admin.id.to_string(),
        &admin.email,
        merchant_id.to_string(),
        kassa_web::demo::PLAYGROUND_STORE,
        kassa_core::access::Role::SuperAdmin,
        "127.0.0.1",
    );
    let change = kassa_app::company::IdentityInput {
        legal_name: "Demo Shop Holding AB".into(),
        org_number: "556036-0793".into(),
        vat_id: String::new(),
    };
    let request = kassa_app::company::request_identity_change(app.db(), &asker, &change)
        .await
        .expect("an identity change request");
    // The playground store's test key, which the revoke route may revoke.
    let key_id = app
        .db()
        .api_keys(Some(kassa_web::demo::PLAYGROUND_STORE))
        .await
        .unwrap()
        .into_iter()
        .find(|k| k.username == api.username)
        .expect("the test key")
        .id;
    vec![
        ("key_id", key_id.to_string()),
        ("request", request.to_string()),
        ("conversation", conversation.to_string()),
        ("canned", canned.to_string()),
        ("file", chat_file),
        ("dispute", dispute.id),
        ("attachment", attachment),
        ("id", target.to_string()),
        ("merchant", merchant_id.to_string()),
        ("store", kassa_web::demo::PLAYGROUND_STORE.to_owned()),
        ("user", user.to_string()),
        ("order", order),
        ("payment_reference", payout.payment_reference),
    ]
}

async fn status_of(c: &Client, method: &axum::http::Method, path: &str) -> u16 {
    if *method == axum::http::Method::GET {
        c.get(path).await.status().as_u16()
    } else {
        c.post_form(path, &[]).await.status().as_u16()
    }
}

#[tokio::test]
async fn the_ops_permission_matrix_holds_for_every_route_role_and_a_merchant_user() {
    on_each_backend(|app| async move {
        set_two_factor_policy(app.db(), false).await.unwrap();
        let mut operators = Vec::new();
        for role in OperatorRole::ALL {
            let email = format!("{}@ops.kassa.test", role.code());
            app.seed_operator(&email, role).await;
            operators.push((role, app.ops_signed_in(&email).await));
        }
        let ids = route_ids(&app).await;
        let merchant = app.signed_in(MERCHANT_USER).await;
        merchant.page("/portal").await;
        let visitor = app.client();
        visitor.page("/ops/sign-in").await;
        let routes = kassa_web::ops::routes();
        assert!(routes.len() >= 10, "the back office declares its routes");
        let mut checked = 0;
        for route in routes {
            let OpsAccess::Operator(permission) = route.access else {
                continue;
            };
            let path = fill(route.path, &ids);
            for (role, client) in &operators {
                let status = status_of(client, &route.method, &path).await;
                if ops_allows(*role, permission) {
                    assert!(
                        !matches!(status, 401 | 403 | 404),
                        "{role} may {} {path} but got {status}",
                        route.method
                    );
                } else {
                    assert_eq!(status, 403, "{role} may not {} {path}", route.method);
                }
                checked += 1;
            }
            assert_eq!(
                status_of(&merchant, &route.method, &path).await,
                404,
                "a merchant user gets 404 at {} {path}",
                route.method
            );
            let res = if route.method == axum::http::Method::GET {
                visitor.get(&path).await
            } else {
                visitor.post_form(&path, &[]).await
            };
            assert_eq!(
                res.status(),
                303,
                "a visitor at {} {path} is sent to sign in",
                route.method
            );
            assert!(location(&res).starts_with("/ops/sign-in"), "{path}: {}", location(&res));
        }
        assert!(checked > 0);
        // A refusal keeps the operator inside the back office's layout.
        let (_, support) = operators.iter().find(|(r, _)| *r == OperatorRole::Support).unwrap();
        let (status, html) = support.page("/ops/operators").await;
        assert_eq!(status, 403);
        assert!(html.contains("realm-ops") && html.contains("href=\"/ops\""), "{html}");
        // The menu shows each operator exactly the entries their role may open.
        for (role, client) in &operators {
            let (_, html) = client.page("/ops").await;
            assert!(html.contains("realm-ops"), "the back office is marked apart");
            assert_eq!(
                html.contains("href=\"/ops/operators\""),
                *role == OperatorRole::OpsAdmin,
                "{role}"
            );
            assert!(html.contains("href=\"/ops/merchants\""), "{role} sees the merchants");
            assert_eq!(
                html.contains("href=\"/ops/audit\""),
                *role == OperatorRole::OpsAdmin,
                "{role}"
            );
        }
    })
    .await;
}

/// The secret the operator is setting up, as the enrolment page's QR code holds it.
async fn pending_secret(app: &TestApp, email: &str) -> String {
    app.db()
        .operator_by_email(email)
        .await
        .unwrap()
        .and_then(|o| o.totp_pending_secret)
        .expect("a secret being set up")
}

#[tokio::test]
async fn the_provider_requires_two_factor_by_default_enrolment_then_a_code_at_each_sign_in() {
    on_each_backend(|app| async move {
        let email = "olivia@ops.kassa.test";
        app.seed_operator(email, OperatorRole::Onboarding).await;
        let c = app.client();
        let (_, html) = c.page("/ops/sign-in").await;
        assert!(
            !html.contains("turned off in this demo"),
            "no demo warning where the policy is on"
        );
        let res = c.ops_sign_in(email, DEMO_PASSWORD).await;
        assert_eq!(res.status(), 303);
        assert!(location(&res).starts_with("/ops/sign-in/enrol"), "{}", location(&res));
        // A password alone opens nothing.
        let res = c.get("/ops").await;
        assert_eq!(location(&res), "/ops/sign-in/enrol");
        let (status, html) = c.page("/ops/sign-in/enrol").await;
        assert_eq!(status, 200);
        assert!(html.contains("<svg"), "the QR code is shown");
        let secret = pending_secret(&app, email).await;
        let res = c.post_form("/ops/sign-in/enrol", &[("code", "000000")]).await;
        assert_eq!(res.status(), 401, "a wrong code is refused");
        let now = kassa_web::now_ms();
        let res = c
            .post_form("/ops/sign-in/enrol", &[("code", &code_at(&secret, now))])
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/ops");
        assert_eq!(c.page("/ops").await.0, 200);

        // Next time: the password, then a code; the code of the step just used is spent.
        let again = app.client();
        let res = again.ops_sign_in(email, DEMO_PASSWORD).await;
        assert!(location(&res).starts_with("/ops/sign-in/code"), "{}", location(&res));
        assert_eq!(location(&again.get("/ops").await), "/ops/sign-in/code");
        again.page("/ops/sign-in/code").await;
        let res = again
            .post_form("/ops/sign-in/code", &[("code", &code_at(&secret, now))])
            .await;
        assert_eq!(res.status(), 401, "a code works once");
        let next_step = code_at(&secret, now + 30_000);
        let res = again.post_form("/ops/sign-in/code", &[("code", &next_step)]).await;
        assert_eq!(res.status(), 303);
        assert_eq!(again.page("/ops").await.0, 200);
        // The portal's session is another realm: an operator is not a merchant user.
        assert_eq!(location(&again.get("/portal").await), "/portal/sign-in?next=%2Fportal");
    })
    .await;
}

/// How many `operator_sign_in_failed` events say a password was checked and was wrong.
async fn wrong_passwords_checked(app: &TestApp, operator_id: i64) -> usize {
    let filter = kassa_db::OperatorAuditFilter {
        operator_id: Some(operator_id),
        action: Some(kassa_core::audit::AuditAction::OperatorSignInFailed),
        ..Default::default()
    };
    let rows = app.db().operator_audit_page(&filter, 1000).await.unwrap();
    rows.iter()
        .filter(|r| r.after_json.as_deref() == Some("{\"reason\":\"wrong\"}"))
        .count()
}

#[tokio::test]
async fn two_hundred_parallel_operator_guesses_check_ten_passwords_and_lock_once() {
    on_each_backend(|app| async move {
        set_two_factor_policy(app.db(), false).await.unwrap();
        let email = "guessed@ops.kassa.test";
        let id = app.seed_operator(email, OperatorRole::Finance).await;
        let guesses: Vec<_> = (0..200)
            .map(|i| {
                let app = app.clone();
                tokio::spawn(async move {
                    let res = app.client().ops_sign_in(email, &format!("wrong guess {i:04}")).await;
                    (res.status().as_u16(), res.text().await.unwrap())
                })
            })
            .collect();
        for guess in guesses {
            let (status, body) = guess.await.unwrap();
            assert_eq!(status, 401);
            assert!(body.contains("The email or password is not right"));
        }
        let right = app.client().ops_sign_in(email, DEMO_PASSWORD).await;
        assert_eq!(right.status(), 401, "the right password after ten guesses is refused");
        assert_eq!(
            wrong_passwords_checked(&app, id).await,
            10,
            "exactly ten passwords were checked"
        );
        let filter = kassa_db::OperatorAuditFilter {
            operator_id: Some(id),
            action: Some(kassa_core::audit::AuditAction::OperatorLocked),
            ..Default::default()
        };
        assert_eq!(app.db().operator_audit_page(&filter, 10).await.unwrap().len(), 1);
        let mails: Vec<_> = app.mails().into_iter().filter(|m| m.to == email).collect();
        assert_eq!(mails.len(), 1, "one lock email, however many guesses");
        assert!(mails[0].subject.contains("back-office account has been locked"));
        // A locked, a deactivated and an unknown operator get the same answer.
        let unknown = app.client().ops_sign_in("nobody@ops.kassa.test", DEMO_PASSWORD).await;
        assert_eq!(unknown.status(), 401);
    })
    .await;
}

#[tokio::test]
async fn an_ops_admin_adds_operators_and_the_last_admin_cannot_be_removed() {
    on_each_backend(|app| async move {
        set_two_factor_policy(app.db(), false).await.unwrap();
        let admin_id = app.seed_operator("admin@ops.kassa.test", OperatorRole::OpsAdmin).await;
        let admin = app.ops_signed_in("admin@ops.kassa.test").await;
        admin.page("/ops/operators").await;
        // Bad input is refused and adds nothing.
        let res = admin
            .post_form(
                "/ops/operators",
                &[("email", "not an email"), ("name", "X"), ("role", "risk")],
            )
            .await;
        assert_eq!(res.status(), 422);
        let res = admin
            .post_form(
                "/ops/operators",
                &[("email", "r@ops.kassa.test"), ("name", "R"), ("role", "root")],
            )
            .await;
        assert_eq!(res.status(), 422);
        assert_eq!(app.db().operators().await.unwrap().len(), 1);
        // A new risk operator: the password is shown once and works.
        let res = admin
            .post_form(
                "/ops/operators",
                &[
                    ("email", "Rita@Ops.Kassa.Test"),
                    ("name", "Rita Risk"),
                    ("role", "risk"),
                ],
            )
            .await;
        assert_eq!(res.status(), 200);
        let html = res.text().await.unwrap();
        let start = html.find("data-new-password>").expect("the new password is shown") + "data-new-password>".len();
        let password = html[start..start + html[start..].find('<').unwrap()].to_owned();
        let rita = app.client();
        assert_eq!(rita.ops_sign_in("rita@ops.kassa.test", &password).await.status(), 303);
        assert_eq!(rita.page("/ops").await.0, 200);
        assert_eq!(rita.get("/ops/operators").await.status(), 403);
        // The same email again is refused.
        let res = admin
            .post_form(
                "/ops/operators",
                &[("email", "rita@ops.kassa.test"), ("name", "R2"), ("role", "risk")],
            )
            .await;
        assert_eq!(res.status(), 422);
        // The only ops_admin cannot demote or deactivate themselves.
        let path = format!("/ops/operators/{admin_id}/access");
        let res = admin
            .post_form(&path, &[("role", "support"), ("status", "active")])
            .await;
        assert_eq!(res.status(), 422);
        let res = admin
            .post_form(&path, &[("role", "ops_admin"), ("status", "deactivated")])
            .await;
        assert_eq!(res.status(), 422);
        // Deactivating Rita ends her session at once.
        let rita_id = app
            .db()
            .operator_by_email("rita@ops.kassa.test")
            .await
            .unwrap()
            .unwrap()
            .id;
        let res = admin
            .post_form(
                &format!("/ops/operators/{rita_id}/access"),
                &[("role", "risk"), ("status", "deactivated")],
            )
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&rita.get("/ops").await), "/ops/sign-in?next=%2Fops");
        assert_eq!(rita.ops_sign_in("rita@ops.kassa.test", &password).await.status(), 401);
        // Every change is in the operator audit log, with before and after.
        let (status, html) = admin.page("/ops/audit").await;
        assert_eq!(status, 200);
        assert!(html.contains("Operator added") && html.contains("Operator changed"));
        assert!(html.contains("status: deactivated"), "the after of the change is shown");
        let (status, html) = admin
            .page(&format!("/ops/audit?operator={admin_id}&action=operator_created"))
            .await;
        assert_eq!(status, 200);
        assert!(html.contains("rita@ops.kassa.test"));
        assert!(!html.contains("status: deactivated"), "the action filter holds");
    })
    .await;
}

#[tokio::test]
async fn two_hundred_concurrent_cross_demotions_leave_an_ops_admin() {
    on_each_backend(|app| async move {
        let a = app.seed_operator("a@ops.kassa.test", OperatorRole::OpsAdmin).await;
        let b = app.seed_operator("b@ops.kassa.test", OperatorRole::OpsAdmin).await;
        let changes: Vec<_> = (0..200)
            .map(|i| {
                let db = app.db().clone();
                let (target, role, active) = match i % 4 {
                    0 => (a, OperatorRole::Support, true),
                    1 => (b, OperatorRole::Support, true),
                    2 => (a, OperatorRole::OpsAdmin, false),
                    _ => (b, OperatorRole::OpsAdmin, false),
                };
                tokio::spawn(async move { db.set_operator_access(target, role, active, kassa_web::now_ms()).await })
            })
            .collect();
        let mut succeeded = 0;
        for change in changes {
            succeeded += usize::from(change.await.unwrap().unwrap());
        }
        assert!(succeeded >= 1);
        let admins = app
            .db()
            .operators()
            .await
            .unwrap()
            .into_iter()
            .filter(|o| o.role == OperatorRole::OpsAdmin && o.active())
            .count();
        assert_eq!(
            admins, 1,
            "exactly one active ops_admin is left ({succeeded} changes made)"
        );
    })
    .await;
}

#[tokio::test]
async fn the_demo_seeds_its_operator_with_two_factor_off_and_says_so() {
    on_each_backend(|app| async move {
        let password = kassa_core::account::NewPassword::parse(DEMO_PASSWORD).unwrap();
        assert!(kassa_web::demo::seed_operator(app.db(), &password).await.unwrap());
        assert!(
            !kassa_web::demo::seed_operator(app.db(), &password).await.unwrap(),
            "once"
        );
        let (_, html) = app.client().page("/ops/sign-in").await;
        assert!(html.contains("turned off in this demo"));
        let c = app.ops_signed_in(kassa_web::demo::DEMO_OPERATOR).await;
        let (status, html) = c.page("/ops").await;
        assert_eq!(status, 200);
        assert!(html.contains("Operations admin"));
        // Signing out ends the session.
        let res = c.post_form("/ops/sign-out", &[]).await;
        assert_eq!(location(&res), "/ops/sign-in?signed_out=1");
        assert_eq!(location(&c.get("/ops").await), "/ops/sign-in?next=%2Fops");
    })
    .await;
}
