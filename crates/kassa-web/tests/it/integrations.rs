//! The Integrations section and the API-key use cases behind it: a key's life through the
//! portal and the API (created with its password shown once, listed, revoked with a
//! confirmation and refused at once), the 60-day disabling job with its own clock, the audit
//! trail, the platforms recognised from User-Agents and counted per key, who may see and
//! change what (partner merchants read only), and 200 concurrent revocations and creations.

use crate::support::*;
use kassa_core::access::{allows, Onboarding, Permission};
use kassa_core::audit::AuditAction;
use reqwest::Method;
use std::sync::Arc;
use std::time::Duration;

const WOO: &str =
    "WordPress/6.4.2; https://shop.example - WooCommerce: 8.5.1 - KCO:2.12.0 - PHP Version: 8.1.27 - Krokedil";
const MAGENTO: &str = "Magento2_OM/7.0.0;PHP/8.2.12 (Magento Community 2.4.6 production mode)";
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The text between `start` and the next `end` after it.
fn between<'a>(body: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = body.find(start)? + start.len();
    let to = body[from..].find(end)? + from;
    Some(&body[from..to])
}

fn form_key_in(body: &str) -> String {
    between(body, "name=\"form_key\" value=\"", "\"")
        .expect("the page has a create form")
        .to_owned()
}

/// Generates a key in the portal as `c` (on the page it just loaded); returns the created
/// page's body, the username and the password.
async fn create_in_portal(c: &Client, name: &str) -> (String, String, String) {
    let (status, page) = c.page("/portal/integrations").await;
    assert_eq!(status, 200);
    let form_key = form_key_in(&page);
    let res = c
        .post_form("/portal/integrations/keys", &[("name", name), ("form_key", &form_key)])
        .await;
    assert_eq!(res.status(), 200, "the password page");
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body = res.text().await.unwrap();
    let username = between(&body, "<code id=\"new-username\">", "<").unwrap().to_owned();
    let password = between(&body, "<code id=\"new-password\" class=\"secret\">", "<")
        .unwrap()
        .to_owned();
    (body, username, password)
}

/// An API client with these credentials.
fn api_with(app: &TestApp, username: &str, password: &str) -> Api {
    Api {
        base: app.url.clone(),
        username: username.to_owned(),
        password: password.to_owned(),
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
    }
}

/// Reads one order with `agent` as the User-Agent; returns the status.
async fn call_as(api: &Api, order_id: &str, agent: Option<&str>) -> u16 {
    let mut req = api.request(Method::GET, &format!("/ordermanagement/v1/orders/{order_id}"));
    if let Some(a) = agent {
        req = req.header("user-agent", a);
    }
    req.send().await.unwrap().status().as_u16()
}

async fn audits(app: &TestApp, action: AuditAction, subject: &str) -> Vec<kassa_db::AuditRow> {
    app.db()
        .audit_events(Some(action), 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.subject == subject)
        .collect()
}

#[tokio::test]
async fn a_key_is_shown_once_listed_downloaded_and_refused_at_once_when_revoked() {
    on_each_backend(|app| async move {
        let admin = app.signed_in("admin@demo.kassa.test").await;
        let (page, username, password) = create_in_portal(&admin, "WooCommerce shop").await;
        assert!(password.starts_with("kco_test_api_"), "a playground key: {password}");
        assert!(username.starts_with("M100001_"));
        assert!(page.contains("data-copy=\"") && page.contains("id=\"download-env\""));
        assert!(page.contains(&format!("KASSA_API_BASE_URL={}", app.url)));

        // The key works with the API at once.
        let api = api_with(&app, &username, &password);
        let order = api.authorized_order(&sample_order()).await;
        assert_eq!(call_as(&api, &order, Some(WOO)).await, 200);

        // Sending the same form again (a reload) creates nothing and shows nothing.
        let (_, list) = admin.page("/portal/integrations").await;
        let form_key = form_key_in(&list);
        let first = admin
            .post_form(
                "/portal/integrations/keys",
                &[("name", "Twice"), ("form_key", &form_key)],
            )
            .await;
        assert_eq!(first.status(), 200);
        let again = admin
            .post_form(
                "/portal/integrations/keys",
                &[("name", "Twice"), ("form_key", &form_key)],
            )
            .await;
        assert_eq!(again.status(), 303);
        assert_eq!(location(&again), "/portal/integrations?done=shown-once");
        let keys = app.db().api_keys(Some("M100001")).await.unwrap();
        assert_eq!(keys.iter().filter(|k| k.name == "Twice").count(), 1, "one key per form");

        // The list shows the key, never its password.
        let (status, list) = admin.page("/portal/integrations?done=shown-once").await;
        assert_eq!(status, 200);
        assert!(list.contains("shown once and cannot be shown again"), "the notice");
        assert!(list.contains(&username) && list.contains("WooCommerce shop"));
        assert!(list.contains(&format!("{}…", &password[..17])), "the prefix");
        assert!(!list.contains(&password), "the password is never shown again");
        assert!(list.contains("admin@demo.kassa.test"), "who created it");
        assert!(
            list.contains("href=\"/portal/integrations/webhooks\""),
            "the way to webhooks"
        );
        let stored = app.db().api_key(&username).await.unwrap().unwrap();
        assert!(!stored.secret_hash.contains(&password) && stored.secret_hash.len() == 64);

        // The .env file: written from the password posted back, checked against the hash.
        let res = admin
            .post_form(
                "/portal/integrations/keys/download",
                &[("username", &username), ("password", &password)],
            )
            .await;
        assert_eq!(res.status(), 200);
        assert!(res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"kassa-M100001_"));
        assert_eq!(
            res.text().await.unwrap(),
            format!(
                "KASSA_API_USERNAME={username}\nKASSA_API_PASSWORD={password}\nKASSA_API_BASE_URL={}\n",
                app.url
            )
        );
        let wrong = admin
            .post_form(
                "/portal/integrations/keys/download",
                &[("username", &username), ("password", "kco_test_api_guess")],
            )
            .await;
        assert_eq!(wrong.status(), 404);

        // A name is required and kept short; nothing is created without one.
        let (_, list) = admin.page("/portal/integrations").await;
        let res = admin
            .post_form(
                "/portal/integrations/keys",
                &[("name", "  "), ("form_key", &form_key_in(&list))],
            )
            .await;
        assert_eq!(res.status(), 422);
        assert!(res.text().await.unwrap().contains("Give the key a name."));
        let long = "x".repeat(81);
        let res = admin
            .post_form(
                "/portal/integrations/keys",
                &[("name", &long), ("form_key", &form_key_in(&list))],
            )
            .await;
        assert_eq!(res.status(), 422);
        assert_eq!(app.db().api_keys(Some("M100001")).await.unwrap().len(), keys.len());

        // Revoking asks first: a POST without the confirmation only asks.
        let id = stored.id;
        let res = admin
            .post_form(&format!("/portal/integrations/keys/{id}/revoke"), &[])
            .await;
        assert_eq!(res.status(), 200);
        assert!(res.text().await.unwrap().contains("id=\"revoke-confirm\""));
        assert_eq!(call_as(&api, &order, None).await, 200, "still works until confirmed");
        let res = admin
            .post_form(
                &format!("/portal/integrations/keys/{id}/revoke"),
                &[("confirmed", "yes")],
            )
            .await;
        assert_eq!(location(&res), "/portal/integrations?done=revoked");
        // The next call is refused, exactly like a wrong password.
        let refused = api
            .send(Method::GET, &format!("/ordermanagement/v1/orders/{order}"), None, None)
            .await;
        assert_eq!(refused.status(), 401);
        let stranger = api_with(&app, &username, "kco_test_api_wrong");
        let unknown = stranger
            .send(Method::GET, &format!("/ordermanagement/v1/orders/{order}"), None, None)
            .await;
        assert_eq!(unknown.status(), 401);
        assert_eq!(
            error_code(refused).await,
            error_code(unknown).await,
            "a revoked key tells nothing more than a wrong one"
        );
        // Asking again changes nothing.
        let res = admin
            .post_form(
                &format!("/portal/integrations/keys/{id}/revoke"),
                &[("confirmed", "yes")],
            )
            .await;
        assert_eq!(location(&res), "/portal/integrations?done=already-revoked");
        let (_, list) = admin.page("/portal/integrations").await;
        assert!(list.contains(&format!("data-key=\"{username}\" data-key-state=\"revoked\"")));

        // The audit log has each change once, by the admin, at the merchant.
        let merchant = app.db().memberships_of(1).await.unwrap()[0].merchant_id;
        let created = audits(&app, AuditAction::ApiKeyCreated, &username).await;
        assert_eq!(created.len(), 1);
        assert_eq!(created[0].actor, "admin@demo.kassa.test");
        assert_eq!(created[0].merchant_id, Some(merchant));
        assert!(created[0].after_json.as_deref().unwrap().contains("WooCommerce shop"));
        assert!(!created[0].after_json.as_deref().unwrap().contains(&password));
        let revoked = audits(&app, AuditAction::ApiKeyRevoked, &username).await;
        assert_eq!(revoked.len(), 1, "one revocation recorded");
        assert_eq!(revoked[0].actor, "admin@demo.kassa.test");
        // And the merchant's admins read it in words in their audit log.
        let (_, log) = admin.page("/portal/users/audit?action=api_key_revoked").await;
        assert!(log.contains("API key revoked") && log.contains(&username), "{log}");
    })
    .await;
}

#[tokio::test]
async fn keys_unused_for_60_days_are_disabled_refused_and_can_be_enabled_again() {
    on_each_backend(|app| async move {
        let admin = app.signed_in("admin@demo.kassa.test").await;
        let (_, idle_name, idle_password) = create_in_portal(&admin, "Old shop").await;
        let (_, busy_name, busy_password) = create_in_portal(&admin, "Busy shop").await;
        let idle = api_with(&app, &idle_name, &idle_password);
        let busy = api_with(&app, &busy_name, &busy_password);
        let order = busy.authorized_order(&sample_order()).await;
        let now = kassa_web::now_ms();
        // The busy key was last used 30 days from now.
        let busy_id = app.db().api_key(&busy_name).await.unwrap().unwrap().id;
        app.db().touch_api_key(busy_id, now + 30 * DAY_MS).await.unwrap();

        let disable = |at: i64| {
            let db = app.db().clone();
            async move { kassa_app::api_keys::disable_idle_keys(&db, at).await.unwrap() }
        };
        assert!(disable(now + 59 * DAY_MS).await.is_empty(), "not yet");
        // Sixty days after its creation the never-used key goes, from several processes at
        // once: each key is disabled and recorded once.
        let (a, b, c) = tokio::join!(
            disable(now + 61 * DAY_MS),
            disable(now + 61 * DAY_MS),
            disable(now + 61 * DAY_MS)
        );
        let all: Vec<String> = [a, b, c].concat();
        assert_eq!(all, vec![idle_name.clone()]);
        assert_eq!(audits(&app, AuditAction::ApiKeyDisabled, &idle_name).await.len(), 1);
        let event = &audits(&app, AuditAction::ApiKeyDisabled, &idle_name).await[0];
        assert_eq!(event.actor, "kassa");
        assert!(event.merchant_id.is_some());

        // Refused like a revoked key; the other key works.
        assert_eq!(call_as(&idle, &order, None).await, 401);
        assert_eq!(call_as(&busy, &order, None).await, 200);
        // The busy key goes sixty days after its last use.
        assert_eq!(disable(now + 91 * DAY_MS).await, vec![busy_name.clone()]);

        // The page says so and offers to enable it again.
        let (_, list) = admin.page("/portal/integrations").await;
        assert!(list.contains(&format!("data-key=\"{idle_name}\" data-key-state=\"disabled\"")));
        assert!(list.contains("Disabled (unused for 60 days)"));
        let idle_id = app.db().api_key(&idle_name).await.unwrap().unwrap().id;
        assert!(list.contains(&format!("action=\"/portal/integrations/keys/{idle_id}/enable\"")));
        let res = admin
            .post_form(&format!("/portal/integrations/keys/{idle_id}/enable"), &[])
            .await;
        assert_eq!(location(&res), "/portal/integrations?done=enabled");
        assert_eq!(call_as(&idle, &order, None).await, 200, "works again at once");
        let enabled = audits(&app, AuditAction::ApiKeyEnabled, &idle_name).await;
        assert_eq!(enabled.len(), 1);
        assert_eq!(enabled[0].actor, "admin@demo.kassa.test");
        // Enabling again restarts the sixty days.
        let later = kassa_web::now_ms();
        assert!(!disable(later + 59 * DAY_MS).await.contains(&idle_name));
        // A revoked key cannot be enabled.
        let res = admin
            .post_form(
                &format!("/portal/integrations/keys/{busy_id}/revoke"),
                &[("confirmed", "yes")],
            )
            .await;
        assert_eq!(location(&res), "/portal/integrations?done=revoked");
        let res = admin
            .post_form(&format!("/portal/integrations/keys/{busy_id}/enable"), &[])
            .await;
        assert_eq!(location(&res), "/portal/integrations?done=already-revoked");
        assert_eq!(call_as(&busy, &order, None).await, 401);
    })
    .await;
}

#[tokio::test]
async fn platforms_are_recognised_and_counted_per_key() {
    on_each_backend(|app| async move {
        let admin = app.signed_in("admin@demo.kassa.test").await;
        let (_, username, password) = create_in_portal(&admin, "Shop").await;
        let api = api_with(&app, &username, &password);
        let order = api.authorized_order(&sample_order()).await; // reqwest's own agent: none
        for _ in 0..3 {
            assert_eq!(call_as(&api, &order, Some(WOO)).await, 200);
        }
        for _ in 0..2 {
            assert_eq!(call_as(&api, &order, Some(MAGENTO)).await, 200);
        }
        // The writer counts in the background: wait for all seven calls.
        let mut rows = Vec::new();
        for _ in 0..200 {
            rows = app.db().key_platforms_of_store("M100001").await.unwrap();
            if rows.iter().map(|r| r.calls).sum::<i64>() >= 7 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let mut counts: Vec<(String, i64)> = rows.iter().map(|r| (r.platform.clone(), r.calls)).collect();
        counts.sort();
        assert_eq!(
            counts,
            [("magento".into(), 2), ("other".into(), 2), ("woocommerce".into(), 3)],
            "create + complete without an agent, then 3 WooCommerce and 2 Magento calls"
        );
        assert!(rows.iter().all(|r| r.username == username));
        let woo = rows.iter().find(|r| r.platform == "woocommerce").unwrap();
        assert_eq!(woo.last_agent, WOO);

        let (_, list) = admin.page("/portal/integrations").await;
        let table = between(&list, "id=\"platforms\"", "</table>").expect("the platforms table");
        assert!(table.contains("WooCommerce") && table.contains("Magento / Adobe Commerce"));
        assert!(table.contains("class=\"num platform-calls\">3<"));
        assert!(table.contains("class=\"num platform-calls\">2<"));
        assert!(table.contains("Krokedil"), "the agent as sent");
        let keys = between(&list, "id=\"api-keys\"", "</table>").unwrap();
        assert!(
            keys.contains("from Magento / Adobe Commerce"),
            "the key's last call came from Magento"
        );
    })
    .await;
}

/// A merchant onboarded by a platform partner, with an admin (`admin@partner.example`) of
/// its store M300001, which has one API key. Returns the key's username.
async fn seed_partner_merchant(app: &TestApp) -> String {
    let db = app.db();
    let now = kassa_web::now_ms();
    let merchant = db
        .create_merchant(
            &kassa_db::NewMerchant {
                legal_name: "Partner Shop AB",
                org_number: "559900-3344",
                vat_id: "",
                address_line: "",
                postal_code: "",
                city: "Malmö",
                country: "SE",
                onboarding: "partner",
                require_two_factor: false,
            },
            now,
        )
        .await
        .unwrap();
    db.create_store(
        &kassa_db::NewStore {
            id: "M300001",
            merchant_id: merchant,
            name: "Partner Store",
            url: "",
            country: "SE",
            currency: "SEK",
            statement_descriptor: "PARTNER",
            environment: "playground",
        },
        now,
    )
    .await
    .unwrap();
    let hash = kassa_web::password::hash(&kassa_core::account::NewPassword::parse(DEMO_PASSWORD).unwrap())
        .await
        .unwrap();
    let id = db
        .create_user(
            &kassa_db::NewUser {
                email: "admin@partner.example",
                name: "Petra Partner",
                password_hash: Some(&hash),
                language: "en",
                status: "active",
                access_expires_at: None,
            },
            now,
        )
        .await
        .unwrap();
    db.set_membership(id, "M300001", "admin", now).await.unwrap();
    app.api("M300001").await.username
}

#[tokio::test]
async fn only_admins_manage_keys_and_partner_merchants_only_look() {
    on_each_backend(|app| async move {
        let order = app.api("M100001").await.authorized_order(&sample_order()).await;
        for (email, role) in kassa_web::demo::demo_users() {
            // A key for this role to try to revoke.
            let target = app.api("M100001").await;
            let key = app.db().api_key(&target.username).await.unwrap().unwrap();
            let c = app.signed_in(&email).await;
            let (status, body) = c.page("/portal/integrations").await;
            let may_view = allows(role, Onboarding::Direct, Permission::ViewIntegrations);
            let may_manage = allows(role, Onboarding::Direct, Permission::ManageIntegrations);
            assert_eq!(status == 200, may_view, "{role} view");
            if !may_view {
                assert_eq!(status, 403, "{role}");
            }
            assert_eq!(body.contains("id=\"create-key\""), may_manage, "{role} form");
            let before = app.db().api_keys(Some("M100001")).await.unwrap().len();
            let form_key = format!("role-walk-form-{role}");
            let create = c
                .post_form(
                    "/portal/integrations/keys",
                    &[("name", "Sneaky"), ("form_key", &form_key)],
                )
                .await;
            let revoke = c
                .post_form(
                    &format!("/portal/integrations/keys/{}/revoke", key.id),
                    &[("confirmed", "yes")],
                )
                .await;
            if may_manage {
                assert_eq!(
                    (create.status().as_u16(), revoke.status().as_u16()),
                    (200, 303),
                    "{role}"
                );
                assert_eq!(call_as(&target, &order, None).await, 401, "{role} revoked it");
            } else {
                assert_eq!(
                    (create.status().as_u16(), revoke.status().as_u16()),
                    (403, 403),
                    "{role}"
                );
                assert_eq!(app.db().api_keys(Some("M100001")).await.unwrap().len(), before);
                assert_eq!(call_as(&target, &order, None).await, 200, "{role} changed nothing");
            }
        }

        // A partner merchant's admin sees the keys, without a form to change them, and is
        // refused if they post anyway.
        let partner_key = seed_partner_merchant(&app).await;
        let partner_id = app.db().api_key(&partner_key).await.unwrap().unwrap().id;
        let p = app.signed_in("admin@partner.example").await;
        let (status, body) = p.page("/portal/integrations").await;
        assert_eq!(status, 200);
        assert!(body.contains(&partner_key));
        assert!(body.contains("id=\"partner-read-only\""));
        assert!(
            !body.contains("id=\"create-key\"") && !body.contains("/revoke\""),
            "no forms"
        );
        let res = p
            .post_form(
                "/portal/integrations/keys",
                &[("name", "Mine"), ("form_key", "0123456789abcdef0123")],
            )
            .await;
        assert_eq!(res.status(), 403);
        for action in ["revoke", "enable"] {
            let res = p
                .post_form(
                    &format!("/portal/integrations/keys/{partner_id}/{action}"),
                    &[("confirmed", "yes")],
                )
                .await;
            assert_eq!(res.status(), 403, "{action}");
        }
        let res = p
            .post_form(
                "/portal/integrations/keys/download",
                &[("username", &partner_key), ("password", "x")],
            )
            .await;
        assert_eq!(res.status(), 403);
        assert!(app
            .db()
            .api_key(&partner_key)
            .await
            .unwrap()
            .unwrap()
            .revoked_at
            .is_none());
        assert_eq!(app.db().api_keys(Some("M300001")).await.unwrap().len(), 1);
        // The use case refuses too, whatever the route guard did.
        let member = app.db().user_by_email("admin@partner.example").await.unwrap().unwrap();
        let actor = kassa_app::Actor::portal_user(
            member.id.to_string(),
            "admin@partner.example",
            "0",
            "M300001",
            kassa_core::access::Role::Admin,
            "127.0.0.1",
        );
        assert!(matches!(
            kassa_app::api_keys::revoke_key(app.db(), &actor, partner_id).await,
            Err(kassa_app::AppError::Forbidden)
        ));
        // And a key of another merchant does not exist for the demo admin.
        let admin = app.signed_in("admin@demo.kassa.test").await;
        admin.page("/portal/integrations").await;
        let res = admin
            .post_form(
                &format!("/portal/integrations/keys/{partner_id}/revoke"),
                &[("confirmed", "yes")],
            )
            .await;
        assert_eq!(res.status(), 404);
    })
    .await;
}

enum Ask {
    Revoke(i64),
    Create(String),
}

async fn ask(c: Arc<Client>, what: Ask) -> u16 {
    let res = match what {
        Ask::Revoke(id) => {
            c.post_form(
                &format!("/portal/integrations/keys/{id}/revoke"),
                &[("confirmed", "yes")],
            )
            .await
        }
        Ask::Create(form_key) => {
            c.post_form(
                "/portal/integrations/keys",
                &[("name", "Concurrent"), ("form_key", &form_key)],
            )
            .await
        }
    };
    res.status().as_u16()
}

#[tokio::test]
async fn two_hundred_concurrent_revocations_and_creations_hold() {
    on_each_backend(|app| async move {
        let admin = Arc::new(app.signed_in("admin@demo.kassa.test").await);
        admin.page("/portal/integrations").await;
        let victim = app.api("M100001").await;
        let id = app.db().api_key(&victim.username).await.unwrap().unwrap().id;
        let before = app.db().api_keys(Some("M100001")).await.unwrap().len();
        let mut tasks = tokio::task::JoinSet::new();
        for n in 0..200 {
            let what = match n % 4 {
                // 100 revocations of one key.
                0 | 2 => Ask::Revoke(id),
                // 50 creations, each its own form…
                1 => Ask::Create(format!("concurrent-form-{n:04}-distinct")),
                // …and 50 sends of one and the same form.
                _ => Ask::Create("concurrent-form-shared-by-fifty".into()),
            };
            tasks.spawn(ask(admin.clone(), what));
        }
        let mut statuses = Vec::new();
        while let Some(s) = tasks.join_next().await {
            statuses.push(s.unwrap());
        }
        assert!(statuses.iter().all(|s| *s == 200 || *s == 303), "{statuses:?}");
        let revoked = audits(&app, AuditAction::ApiKeyRevoked, &victim.username).await;
        assert_eq!(revoked.len(), 1, "revoked and recorded once");
        assert!(app
            .db()
            .api_key(&victim.username)
            .await
            .unwrap()
            .unwrap()
            .revoked_at
            .is_some());
        let keys = app.db().api_keys(Some("M100001")).await.unwrap();
        let created = keys.iter().filter(|k| k.name == "Concurrent").count();
        assert_eq!(created, 51, "50 forms and the shared one once");
        assert_eq!(keys.len(), before + 51);
        assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 51, "51 password pages");
        for k in keys.iter().filter(|k| k.name == "Concurrent") {
            assert_eq!(audits(&app, AuditAction::ApiKeyCreated, &k.username).await.len(), 1);
        }
        assert_eq!(
            call_as(&victim, "00000000-0000-0000-0000-000000000000", None).await,
            401
        );
    })
    .await;
}
