//! The portal shell: menu, language, theme, store switcher, account settings, and the
//! permission table walked for every route and role.

use crate::support::*;
use kassa_core::access::{allows, Onboarding, Role, Section};
use kassa_core::audit::AuditAction;
use kassa_core::dispute::Reason;
use kassa_web::portal::{routes, Access};

#[tokio::test]
async fn language_switch_is_remembered_on_the_account() {
    on_each_backend(|app| async move {
        let c = app.signed_in("user@demo.kassa.test").await;
        let (_, body) = c.page("/portal").await;
        assert!(body.contains("<html lang=\"en\"") && body.contains("Welcome"));
        let res = c
            .post_form("/portal/language", &[("lang", "sv"), ("next", "/portal")])
            .await;
        assert_eq!((res.status().as_u16(), location(&res)), (303, "/portal".to_owned()));
        let (_, body) = c.page("/portal").await;
        assert!(
            body.contains("<html lang=\"sv\"") && body.contains("Välkommen"),
            "Swedish home"
        );
        // A new browser gets Swedish too: it is stored on the user.
        let other = app.signed_in("user@demo.kassa.test").await;
        assert!(other.page("/portal").await.1.contains("Välkommen"));
        let res = c.post_form("/portal/language", &[("lang", "xx")]).await;
        assert_eq!(res.status(), 400, "unknown language refused");
    })
    .await;
}

#[tokio::test]
async fn a_tampered_form_query_or_path_gets_the_error_page_in_the_users_language() {
    on_each_backend(|app| async move {
        let c = app.signed_in("admin@demo.kassa.test").await;
        c.page("/portal").await;
        let res = c
            .post_form("/portal/language", &[("lang", "sv"), ("next", "/portal")])
            .await;
        assert_eq!(res.status(), 303);
        c.page("/portal/account").await;
        let before = app.db().user_by_email("admin@demo.kassa.test").await.unwrap().unwrap();
        // The profile form without its time zone (a select left with no option), and with
        // a number where a number cannot be.
        let res = c
            .post_form("/portal/account/profile", &[("name", "Changed"), ("phone", "")])
            .await;
        let (status, body) = (res.status().as_u16(), res.text().await.unwrap());
        assert_eq!(status, 400);
        assert!(
            body.contains("<html lang=\"sv\"") && body.contains("Förfrågan kunde inte tolkas"),
            "{body}"
        );
        assert!(!body.contains("missing field"), "no axum text");
        let after = app.db().user_by_email("admin@demo.kassa.test").await.unwrap().unwrap();
        assert_eq!(after.name, before.name, "nothing changed");
        let (status, body) = c.page("/portal/settlements/payouts/NOSUCHREF?page=abc").await;
        assert_eq!(status, 400);
        assert!(body.contains("Förfrågan kunde inte tolkas") && !body.contains("Failed to deserialize"));
        // A path that does not parse names nothing.
        let (status, body) = c.page("/portal/users/not-a-number").await;
        assert_eq!(status, 404);
        assert!(body.contains("Sidan hittades inte"), "{body}");
    })
    .await;
}

#[tokio::test]
async fn visitors_get_their_browser_language_and_can_switch() {
    on_each_backend(|app| async move {
        let http = reqwest::Client::new();
        let body = http
            .get(format!("{}/portal/sign-in", app.url))
            .header("accept-language", "de-DE,de;q=0.9,en;q=0.5")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(body.contains("<html lang=\"de\""));
        let c = app.client();
        c.page("/portal/sign-in").await;
        let res = c
            .post_form("/portal/language", &[("lang", "fi"), ("next", "/portal/sign-in")])
            .await;
        assert_eq!(location(&res), "/portal/sign-in");
        assert!(c.page("/portal/sign-in").await.1.contains("<html lang=\"fi\""));
    })
    .await;
}

#[tokio::test]
async fn dark_mode_is_stored_and_honoured_on_every_page() {
    on_each_backend(|app| async move {
        let c = app.signed_in("settlement@demo.kassa.test").await;
        c.page("/portal").await;
        let res = c
            .post_form("/portal/theme", &[("theme", "dark"), ("next", "/portal/account")])
            .await;
        assert_eq!(location(&res), "/portal/account");
        for path in ["/portal", "/portal/account"] {
            assert!(c.page(path).await.1.contains("data-theme=\"dark\""), "{path}");
        }
        assert_eq!(c.post_form("/portal/theme", &[("theme", "purple")]).await.status(), 400);
    })
    .await;
}

#[tokio::test]
async fn store_switcher_changes_store_and_refuses_foreign_stores() {
    on_each_backend(|app| async move {
        let c = app.signed_in("admin@demo.kassa.test").await;
        assert!(c.page("/portal").await.1.contains("Demo Shop (playground)"));
        let res = c.post_form("/portal/store", &[("store", "M100002")]).await;
        assert_eq!(res.status(), 303);
        let (_, body) = c.page("/portal").await;
        assert!(body.contains("<code>M100002</code>"), "home shows the live store");
        assert_eq!(
            c.post_form("/portal/store", &[("store", "M999999")]).await.status(),
            404
        );
    })
    .await;
}

#[tokio::test]
async fn menu_lists_exactly_the_sections_a_role_may_open() {
    on_each_backend(|app| async move {
        for (email, role) in kassa_web::demo::demo_users() {
            let c = app.signed_in(&email).await;
            let (_, body) = c.page("/portal").await;
            let nav = &body[body.find("class=\"sidenav\"").unwrap()..body.find("</nav>").unwrap()];
            for section in Section::ALL {
                let href = match section {
                    Section::Home => "href=\"/portal\"",
                    Section::Orders => "href=\"/portal/orders\"",
                    Section::Settlements => "href=\"/portal/settlements\"",
                    Section::Disputes => "href=\"/portal/disputes\"",
                    Section::Users => "href=\"/portal/users\"",
                    Section::Integrations => "href=\"/portal/integrations\"",
                    Section::DeveloperLogs => "href=\"/portal/logs\"",
                };
                let expected = section.exists() && allows(role, Onboarding::Direct, section.permission());
                assert_eq!(nav.contains(href), expected, "{role}: {section:?}");
            }
        }
    })
    .await;
}

/// What a forbidden request must leave untouched: the demo merchant's users (with status,
/// password, two-factor and expiry), their store access, and the audit log's newest entry.
async fn snapshot(app: &TestApp, merchant_id: i64) -> String {
    let db = app.db();
    let users: Vec<String> = db
        .users_of_merchant(merchant_id)
        .await
        .unwrap()
        .into_iter()
        .map(|u| {
            format!(
                "{} {} {} {} {:?} {:?} {:?} {:?}",
                u.id,
                u.email,
                u.name,
                u.status,
                u.password_hash,
                u.totp_secret,
                u.access_expires_at,
                u.two_factor_enabled_at
            )
        })
        .collect();
    let memberships: Vec<String> = db
        .team_memberships(merchant_id)
        .await
        .unwrap()
        .into_iter()
        .map(|m| {
            format!(
                "{} {} {} {} {:?} {:?}",
                m.user_id, m.store_id, m.role, m.status, m.deactivated_at, m.access_expires_at
            )
        })
        .collect();
    // The merchant's own trail: a stranger's actions on their own account (signing out
    // their other sessions) are audited at their merchant, not this one.
    let newest_audit = db
        .audit_page(merchant_id, &Default::default(), 1)
        .await
        .unwrap()
        .first()
        .map(|e| e.id);
    let store = db.store_detail("M100001").await.unwrap().unwrap().store;
    let bank = (
        store.payout_iban,
        store.payout_bic,
        store.payout_account_holder,
        db.payout_hold_until("M100001").await.unwrap(),
        db.bank_changes_of_store("M100001", 10)
            .await
            .unwrap()
            .iter()
            .map(|c| (c.id, c.status))
            .collect::<Vec<_>>(),
    );
    format!("{users:?}\n{memberships:?}\n{newest_audit:?}\n{bank:?}")
}

/// A route's path with its parameters filled in: `{id}` is a user of the demo merchant that
/// no walker signs in as, `{token}` a token of no invitation or reset (but the Super Admin's
/// link to confirm a pending bank account change, see [`pending_bank_change`]), `{report_id}` a ready
/// report, `{dispute_id}` a dispute of the demo store and `{attachment_id}` a file of its
/// response, `{key_id}` an API key, `{call_id}` a recorded API call, `{endpoint_id}` and `{delivery_id}` a webhook
/// endpoint of the demo store and one of its deliveries, `{notification_id}` a notification
/// of the Settlement user (everyone else's is not theirs to mark read).
struct Ids<'a> {
    target: i64,
    order: &'a str,
    payout: &'a str,
    report: i64,
    dispute: &'a (String, String),
    call: i64,
    webhook: &'a (String, i64),
    key: i64,
    notification: i64,
}

fn concrete(path: &str, ids: &Ids) -> String {
    let Ids {
        target,
        order,
        payout,
        report,
        dispute,
        call,
        webhook,
        key,
        notification,
    } = ids;
    path.replace("{id}", &target.to_string())
        .replace("{call_id}", &call.to_string())
        .replace("{key_id}", &key.to_string())
        .replace("{token}", WALK_TOKEN)
        .replace("{order_id}", order)
        .replace("{action}", "references")
        .replace("{payment_reference}", payout)
        .replace("{report_id}", &report.to_string())
        .replace("{dispute_id}", &dispute.0)
        .replace("{attachment_id}", &dispute.1)
        .replace("{endpoint_id}", &webhook.0)
        .replace("{delivery_id}", &webhook.1.to_string())
        .replace("{slug}", "capture-order")
        .replace("{notification_id}", &notification.to_string())
}

/// Queues a test event to `endpoint` (for a delivery the walk can resend).
async fn webhooks_test_event(app: &TestApp, kassa: &kassa_app::Actor, endpoint: &str) {
    kassa_app::webhooks::send_test(app.db(), kassa, endpoint, kassa_web::now_ms())
        .await
        .unwrap();
}

/// The token `concrete` puts in `{token}`.
const WALK_TOKEN: &str = "0123456789abcdef";

/// A pending change of the demo store's bank account whose confirmation link for the demo
/// Super Admin has `WALK_TOKEN`, so the walk opens (and, as the Super Admin, confirms) it.
async fn pending_bank_change(app: &TestApp, merchant_id: i64) {
    let db = app.db();
    let sa = db
        .user_by_email("superadmin@demo.kassa.test")
        .await
        .unwrap()
        .unwrap()
        .id;
    let account =
        kassa_core::bank_account::BankAccount::parse("DE89370400440532013000", "COBADEFFXXX", "Walk GmbH").unwrap();
    let now = kassa_web::now_ms();
    let change = kassa_db::NewBankChange {
        merchant_id,
        store_id: "M100001",
        account: &account,
        requested_by: sa,
        expires_at: now + 3_600_000,
        links: vec![(sa, kassa_web::password::token_hash(WALK_TOKEN))],
    };
    let audit = kassa_db::AuditEvent {
        merchant_id: Some(merchant_id),
        actor: "walk",
        subject: "M100001",
        ..kassa_db::AuditEvent::of(AuditAction::BankChangeRequested)
    };
    db.request_bank_change(&change, &audit, &audit, now).await.unwrap();
}

async fn request(c: &Client, method: &str, path: &str) -> reqwest::Response {
    c.page("/portal").await;
    match method {
        "GET" => c.get(path).await,
        _ => c.post_form(path, &[]).await,
    }
}

/// Walks every declared portal route for every role of the demo merchant, and for an admin
/// of another merchant. A role without the permission gets 403 and nothing changes; a role
/// with it is never refused. The other merchant's admin gets 404 for every demo user and
/// changes nothing. Signed-out visitors are sent to sign-in. Adding a route to the table
/// adds it here; a route added outside the table fails `the_route_table_is_the_only_router`.
#[tokio::test]
async fn permission_table_guards_every_route_for_every_role() {
    on_each_backend(|app| async move {
        let table = routes();
        assert!(table.len() >= 30);
        let demo_merchant = app.db().memberships_of(1).await.unwrap()[0].merchant_id;
        let target = app.seed_demo_user("target@demo.kassa.test", "read_only").await;
        let stranger = app.seed_other_merchant().await;
        let api = app.api("M100001").await;
        let order = api.authorized_order(&sample_order()).await;
        // A payout of the demo store, for the payout page and its reports.
        let paid = api.authorized_order(&sample_order()).await;
        assert_eq!(api.capture(&paid, 60000, None).await.status(), 201);
        let payout = app.payout_now("M100001").await.remove(0).payment_reference;
        // A ready custom report of the demo store, for its download.
        let report = app
            .ready_report("settlement@demo.kassa.test", "transactions", "csv")
            .await;
        let disputed = crate::disputes_pages::captured_order(&app, 10_000, "REF-WALK").await;
        let dispute = crate::disputes_pages::open(&app, &disputed, Reason::GoodsNotReceived, false)
            .await
            .id;
        let responder = app.signed_in("disputes@demo.kassa.test").await;
        let file = crate::disputes_pages::respond_with_pdf(&app, &responder, &dispute, "Delivered.").await;
        let dispute = (dispute, file);
        // A webhook endpoint of the demo store with one delivery.
        let (endpoint, _) = crate::webhooks::endpoint(&app, "http://127.0.0.1:9/hook", "order.captured").await;
        let kassa = kassa_app::Actor::system().in_store("M100001");
        webhooks_test_event(&app, &kassa, &endpoint).await;
        let delivery = app.db().webhook_deliveries(&endpoint, None, 1).await.unwrap()[0].id;
        let webhook = (endpoint, delivery);
        pending_bank_change(&app, demo_merchant).await;
        // An API key of the demo store, for the Integrations key routes.
        let key_user = app.api("M100001").await.username;
        let key = app.db().api_key(&key_user).await.unwrap().unwrap().id;
        // A recorded call of the demo store, for its Developer Logs page.
        let call = loop {
            let newest = app
                .db()
                .logged_calls(
                    &kassa_db::CallQuery {
                        store_ids: vec!["M100001".into()],
                        ..Default::default()
                    },
                    kassa_db::CallPage::Newest,
                    1,
                )
                .await
                .unwrap();
            if let Some(c) = newest.first() {
                break c.id;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        };
        // A notification of the Settlement user (the payout's), for marking it read.
        let settlement = app
            .db()
            .user_by_email("settlement@demo.kassa.test")
            .await
            .unwrap()
            .unwrap()
            .id;
        let notification = loop {
            let rows = app
                .db()
                .home_notifications(settlement, "M100001", false, 1)
                .await
                .unwrap();
            if let Some(n) = rows.first() {
                break n.id;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        };
        let ids = Ids {
            target,
            order: &order,
            payout: &payout,
            report,
            dispute: &dispute,
            call,
            webhook: &webhook,
            key,
            notification,
        };

        let visitor = app.client();
        visitor.page("/portal/sign-in").await;
        for route in table.iter().filter(|r| r.access != Access::Public) {
            let path = concrete(route.path, &ids);
            let res = match route.method.as_str() {
                "GET" => visitor.get(&path).await,
                _ => visitor.post_form(&path, &[]).await,
            };
            assert_eq!(res.status(), 303, "visitor {} {}", route.method, route.path);
            assert!(location(&res).starts_with("/portal/sign-in"));
        }

        let walked: Vec<_> = table
            .iter()
            .filter(|r| r.path != "/portal/sign-out") // would end the walker's session
            .collect();
        let mut checked = 0;
        for (email, role) in kassa_web::demo::demo_users() {
            let c = app.signed_in(&email).await;
            for route in &walked {
                let path = concrete(route.path, &ids);
                let before = snapshot(&app, demo_merchant).await;
                let res = request(&c, route.method.as_str(), &path).await;
                let allowed = match route.access {
                    Access::Public => true,
                    Access::Member(permission) => allows(role, Onboarding::Direct, permission),
                };
                let what = format!("{role} {} {}", route.method, route.path);
                assert!(res.status().as_u16() < 500, "{what}: {}", res.status());
                if allowed {
                    assert_ne!(res.status(), 403, "{what}");
                    // A WebSocket endpoint answers a plain GET with a refusal to upgrade.
                    // A chat file is its conversation's user's alone, and `{id}` is nobody's
                    // conversation: it is not found (as for everyone), never refused.
                    let own_chat_file = route.path.starts_with("/portal/support/chat/{id}/");
                    if route.method == "GET"
                        && route.access != Access::Public
                        && !route.path.ends_with("/ws")
                        && !own_chat_file
                    {
                        assert_eq!(res.status(), 200, "{what}: a permitted page opens");
                    }
                } else {
                    assert_eq!(res.status(), 403, "{what}");
                    assert_eq!(snapshot(&app, demo_merchant).await, before, "{what} changed something");
                }
                checked += 1;
            }
        }
        assert_eq!(checked, walked.len() * 8, "every route × role pair walked");

        // An admin of another merchant: demo users do not exist for them.
        let other = app.signed_in(&stranger).await;
        for route in &walked {
            let path = concrete(route.path, &ids);
            let before = snapshot(&app, demo_merchant).await;
            let res = request(&other, route.method.as_str(), &path).await;
            let what = format!("other merchant {} {}", route.method, route.path);
            if route.path.contains("{id}") {
                assert_eq!(res.status(), 404, "{what}");
            } else {
                // The stranger is an Admin of their merchant: refused only what Admins are.
                let allowed = match route.access {
                    Access::Public => true,
                    Access::Member(permission) => allows(Role::Admin, Onboarding::Direct, permission),
                };
                assert_eq!(res.status() == 403, !allowed, "{what}");
            }
            if route.method == "GET" {
                let body = res.text().await.unwrap();
                assert!(!body.contains("demo.kassa.test"), "{what} shows a demo user");
            }
            assert_eq!(snapshot(&app, demo_merchant).await, before, "{what} changed something");
        }
        // And the other way round.
        let stranger_id = app.db().user_by_email(&stranger).await.unwrap().unwrap().id;
        let admin = app.signed_in("admin@demo.kassa.test").await;
        assert_eq!(admin.get(&format!("/portal/users/{stranger_id}")).await.status(), 404);
        let res = request(&admin, "POST", &format!("/portal/users/{stranger_id}/deactivate")).await;
        assert_eq!(res.status(), 404);
        let stranger_row = app.db().user_by_email(&stranger).await.unwrap().unwrap();
        assert_eq!(stranger_row.status.code(), "active");

        // Paths the table does not declare do not exist, signed in or not.
        for path in ["/portal/nothing-here", "/portal/users/1/delete", "/portal/admin"] {
            assert_eq!(admin.get(path).await.status(), 404, "{path}");
            assert_eq!(admin.post_form(path, &[]).await.status(), 404, "{path}");
        }
    })
    .await;
}

/// The route table is the only way into the portal router: every route is declared as a
/// `RouteRow` in a section under `portal/` (the shell's `Portal::router` attaches the guard
/// and `routes()` lists it), `shell/routes.rs` is the one place that calls `.route(`, and no
/// module under `portal/` calls `.route(`, `.nest(` or `.merge(` on its own.
#[test]
fn the_route_table_is_the_only_router() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let dir = src.join("portal");
    let table_file = src.join("shell/routes.rs");
    let mut files = vec![table_file.clone()];
    let mut folders = vec![dir.clone()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                files.push(path);
            }
        }
    }
    assert!(files.len() > 5, "the portal's files are found");
    let mut rows = 0;
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.strip_prefix(&src).unwrap().display().to_string();
        let routes = text.matches(".route(").count();
        let expected = if path == table_file { 1 } else { 0 };
        assert_eq!(routes, expected, "{name}: .route( outside Portal::router");
        assert_eq!(text.matches(".nest(").count(), 0, "{name}");
        assert_eq!(text.matches(".merge(").count(), 0, "{name}");
        if path != table_file {
            rows += text.matches("RouteRow::get(").count() + text.matches("RouteRow::post(").count();
        }
    }
    let table = routes();
    assert_eq!(rows, table.len(), "every RouteRow is in routes()");
    let mut seen = std::collections::HashSet::new();
    for r in &table {
        assert!(seen.insert((r.method.clone(), r.path)), "{} {} twice", r.method, r.path);
    }
}

#[tokio::test]
async fn account_settings_update_profile_and_password() {
    on_each_backend(|app| async move {
        let c = app.signed_in("user@demo.kassa.test").await;
        let (status, body) = c.page("/portal/account").await;
        assert_eq!(status, 200);
        assert!(body.contains("Europe/Stockholm"));
        assert!(
            !body.contains("Organisation number"),
            "a User does not see company details"
        );

        let res = c
            .post_form(
                "/portal/account/profile",
                &[
                    ("name", "Ulla User"),
                    ("phone", "+46 70 123 45 67"),
                    ("timezone", "Europe/Helsinki"),
                ],
            )
            .await;
        assert_eq!(location(&res), "/portal/account?saved=profile");
        let user = app.db().user_by_email("user@demo.kassa.test").await.unwrap().unwrap();
        assert_eq!(
            (user.name.as_str(), user.timezone.as_str()),
            ("Ulla User", "Europe/Helsinki")
        );
        let audit = app
            .db()
            .audit_events(Some(AuditAction::ProfileUpdated), 1)
            .await
            .unwrap();
        assert!(audit[0].before_json.as_deref().unwrap().contains("Europe/Stockholm"));
        assert!(audit[0].after_json.as_deref().unwrap().contains("Europe/Helsinki"));

        c.page("/portal/account").await;
        let res = c
            .post_form(
                "/portal/account/profile",
                &[("name", "Ulla"), ("phone", ""), ("timezone", "Mars/Olympus")],
            )
            .await;
        assert_eq!(res.status(), 422);
        assert!(res.text().await.unwrap().contains("Choose a time zone"));

        // Password: wrong current, too short, mismatch, then right; other sessions end.
        let other = app.signed_in("user@demo.kassa.test").await;
        c.page("/portal/account").await;
        let new = "a much better passphrase";
        for (current, new_pw, confirm) in [
            ("wrong", new, new),
            (DEMO_PASSWORD, "short", "short"),
            (DEMO_PASSWORD, new, "different one!"),
        ] {
            let res = c
                .post_form(
                    "/portal/account/password",
                    &[
                        ("current_password", current),
                        ("new_password", new_pw),
                        ("confirm_password", confirm),
                    ],
                )
                .await;
            assert_eq!(res.status(), 422);
        }
        let res = c
            .post_form(
                "/portal/account/password",
                &[
                    ("current_password", DEMO_PASSWORD),
                    ("new_password", new),
                    ("confirm_password", new),
                ],
            )
            .await;
        assert_eq!(location(&res), "/portal/account?saved=password");
        assert_eq!(c.page("/portal").await.0, 200, "this browser stays signed in");
        assert_eq!(other.get("/portal").await.status(), 303, "the other session ended");
        assert_eq!(app.client().sign_in("user@demo.kassa.test", new).await.status(), 303);
        assert_eq!(
            app.client()
                .sign_in("user@demo.kassa.test", DEMO_PASSWORD)
                .await
                .status(),
            401
        );
    })
    .await;
}

#[tokio::test]
async fn company_details_show_for_roles_that_may_view_them() {
    on_each_backend(|app| async move {
        for (email, role) in kassa_web::demo::demo_users() {
            let c = app.signed_in(&email).await;
            let (status, body) = c.page("/portal/account/company").await;
            let expected = matches!(role, Role::SuperAdmin | Role::Admin | Role::Settlement);
            assert_eq!(status == 200, expected, "{role}: {status}");
            assert_eq!(body.contains("556677-8899"), expected, "{role}");
            // The Profile tab no longer repeats the company's details.
            let (_, profile) = c.page("/portal/account").await;
            assert!(!profile.contains("556677-8899"), "{role}");
        }
    })
    .await;
}

#[tokio::test]
async fn the_server_root_leads_into_the_portal() {
    on_each_backend(|app| async move {
        let visitor = app.client();
        let res = visitor.get("/").await;
        assert!(res.status().is_redirection(), "{}", res.status());
        assert_eq!(location(&res), "/portal/sign-in");
        let (status, page) = visitor.page("/portal/sign-in").await;
        assert_eq!(status, 200);
        assert!(page.contains("name=\"password\""));

        let member = app.signed_in("user@demo.kassa.test").await;
        let res = member.get("/").await;
        assert!(res.status().is_redirection(), "{}", res.status());
        assert_eq!(location(&res), "/portal");
        assert_eq!(member.page("/portal").await.0, 200);

        // A session that has ended is treated as signed out.
        member.sign_out().await;
        assert_eq!(location(&member.get("/").await), "/portal/sign-in");
    })
    .await;
}

#[tokio::test]
async fn not_found_pages_keep_the_menu_for_members() {
    on_each_backend(|app| async move {
        let member = app.signed_in("admin@demo.kassa.test").await;
        for path in [
            "/no/such/page",
            "/portal/no-such-section",
            "/portal/orders/no-such-order",
        ] {
            let (status, page) = member.page(path).await;
            assert_eq!(status, 404, "{path}");
            assert!(page.contains("class=\"sidenav\""), "{path}: the menu is there");
            assert!(page.contains("href=\"/portal/orders\""), "{path}: a menu link");
            assert!(page.contains("admin@demo.kassa.test"), "{path}: the user menu");
        }
        // In the member's own language.
        member
            .post_form("/portal/language", &[("lang", "sv"), ("next", "/portal")])
            .await;
        let (_, page) = member.page("/no/such/page").await;
        assert!(page.contains("<html lang=\"sv\""), "the page is in Swedish");

        let visitor = app.client();
        let (status, page) = visitor.page("/no/such/page").await;
        assert_eq!(status, 404);
        assert!(!page.contains("class=\"sidenav\""), "no menu for visitors");
    })
    .await;
}
