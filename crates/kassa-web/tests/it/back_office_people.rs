//! A merchant's people, API keys, orders and audit trail in the back office: an onboarding
//! operator invites a new merchant's first Super Admin (the portal's invitation email, in
//! the chosen language), resends, deactivates and reactivates under the last-admin rule;
//! support reads every tab but changes nothing; keys show prefixes, never secrets; orders of
//! other merchants do not exist here.

use crate::support::*;
use kassa_app::operators::set_two_factor_policy;
use kassa_app::Actor;
use kassa_core::audit::AuditAction;
use kassa_core::ops_access::OperatorRole;

/// A merchant with one live store `M300001` and nobody in it yet; returns its id.
async fn new_merchant(app: &TestApp) -> i64 {
    let db = app.db();
    let now = kassa_web::now_ms();
    let merchant = db
        .create_merchant(
            &kassa_db::NewMerchant {
                legal_name: "Ny Handel AB",
                org_number: "556036-0793",
                vat_id: "",
                address_line: "Storgatan 1",
                postal_code: "111 22",
                city: "Stockholm",
                country: "SE",
                onboarding: "direct",
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
            name: "Ny Handel",
            url: "https://nyhandel.example",
            country: "SE",
            currency: "SEK",
            statement_descriptor: "NYHANDEL",
            environment: "live",
        },
        now,
    )
    .await
    .unwrap();
    merchant
}

async fn user_id(app: &TestApp, merchant: i64, email: &str) -> i64 {
    app.db()
        .users_of_merchant(merchant)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.email == email)
        .unwrap_or_else(|| panic!("{email} is a user of the merchant"))
        .id
}

async fn demo_merchant(app: &TestApp) -> i64 {
    app.db()
        .store("M100001")
        .await
        .unwrap()
        .expect("demo store")
        .merchant_id
}

#[tokio::test]
async fn an_onboarding_operator_invites_the_first_super_admin_who_signs_in_and_the_last_admin_rule_holds() {
    on_each_backend(|app| async move {
        set_two_factor_policy(app.db(), false).await.unwrap();
        let operator_id = app.seed_operator("olle@ops.kassa.test", OperatorRole::Onboarding).await;
        let ops = app.ops_signed_in("olle@ops.kassa.test").await;
        let merchant = new_merchant(&app).await;
        let users = format!("/ops/merchants/{merchant}/users");

        let (status, html) = ops.page(&users).await;
        assert_eq!(status, 200);
        assert!(
            html.contains("id=\"invite-first\""),
            "the first Super Admin's form comes first"
        );
        assert!(html.contains("Invite the first Super Admin"));
        assert!(html.contains("This merchant has no users yet."));

        // A bad address is refused next to the field, keeping what was typed.
        let res = ops
            .post_form(
                &format!("{users}/invite"),
                &[("email", "not an address"), ("language", "sv")],
            )
            .await;
        assert_eq!(res.status(), 422);
        let html = res.text().await.unwrap();
        assert!(html.contains("Enter a valid email address."), "{html}");
        assert!(html.contains("value=\"not an address\""));
        assert!(html.contains("aria-invalid=\"true\""));
        assert!(app.mails().is_empty(), "nothing was sent");

        // The invitation: the portal's email, in Swedish, from Kassa support.
        let email = "forsta@nyhandel.example";
        ops.page(&users).await;
        let res = ops
            .post_form(&format!("{users}/invite"), &[("email", email), ("language", "sv")])
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), format!("{users}?done=invited"));
        let mail = app.mails().into_iter().find(|m| m.to == email).expect("an invitation");
        assert!(mail.subject.starts_with("Du är inbjuden till"), "{}", mail.subject);
        assert!(mail.subject.contains("Ny Handel AB"), "{}", mail.subject);
        assert!(mail.text.contains("Kassas support"), "{}", mail.text);
        assert!(!mail.text.contains("olle@ops.kassa.test"), "no operator's address");
        let first_link = app.last_link_to(email);
        assert!(first_link.starts_with("/portal/invitation/"), "{first_link}");
        let invitee = user_id(&app, merchant, email).await;
        let access = app.db().team_memberships(merchant).await.unwrap();
        assert!(access
            .iter()
            .any(|m| m.user_id == invitee && m.store_id == "M300001" && m.role.code() == "super_admin"));
        let (_, html) = ops.page(&format!("{users}?done=invited")).await;
        assert!(html.contains("The invitation was sent."));
        assert!(html.contains(email) && html.contains("Invited"));
        assert!(html.contains(&format!("/users/{invitee}/resend")), "a resend button");

        // Sending again: a new link, the old one stops working.
        let res = ops.post_form(&format!("{users}/{invitee}/resend"), &[]).await;
        assert_eq!(res.status(), 303);
        let link = app.last_link_to(email);
        assert_ne!(link, first_link);
        assert_eq!(app.client().page(&first_link).await.0, 410, "the old link is spent");

        // The invitee accepts in Swedish, chooses a password and signs in to the portal.
        let invited = app.client();
        let (status, page) = invited.page(&link).await;
        assert_eq!(status, 200);
        assert!(page.contains("<html lang=\"sv\""));
        let password = "forsta's own long password";
        let res = invited
            .post_form(
                &link,
                &[
                    ("name", "Frida Först"),
                    ("new_password", password),
                    ("confirm_password", password),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        let portal = app.client();
        let res = portal.sign_in(email, password).await;
        assert_eq!(res.status(), 303);
        assert_eq!(portal.page("/portal").await.0, 200, "signed in to the portal");

        // Now there is an active Super Admin: the form moves below the list.
        let (_, html) = ops.page(&users).await;
        assert!(!html.contains("id=\"invite-first\""));
        assert!(html.contains("id=\"invite-another\""));
        assert!(html.contains("Frida Först") && html.contains("Active"));

        // The only Super Admin is not deactivated: the last-admin rule refuses.
        let res = ops.post_form(&format!("{users}/{invitee}/deactivate"), &[]).await;
        assert_eq!(res.status(), 422);
        let html = res.text().await.unwrap();
        assert!(
            html.contains("This would leave the merchant without an active Admin or Super Admin"),
            "{html}"
        );
        assert_eq!(portal.page("/portal").await.0, 200, "still signed in");

        // A second Super Admin (invited) is deactivated and reactivated.
        ops.page(&users).await;
        let second = "andra@nyhandel.example";
        let res = ops
            .post_form(&format!("{users}/invite"), &[("email", second), ("language", "en")])
            .await;
        assert_eq!(res.status(), 303);
        assert!(
            app.mails()
                .iter()
                .any(|m| m.to == second && m.subject.starts_with("You are invited to")),
            "the second invitation is in English"
        );
        let second_id = user_id(&app, merchant, second).await;
        let res = ops.post_form(&format!("{users}/{second_id}/deactivate"), &[]).await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), format!("{users}?done=deactivated"));
        let (_, html) = ops.page(&format!("{users}?done=deactivated")).await;
        assert!(html.contains("Deactivated"));
        assert!(html.contains(&format!("/users/{second_id}/reactivate")));
        let res = ops.post_form(&format!("{users}/{second_id}/reactivate"), &[]).await;
        assert_eq!(res.status(), 303);

        // Every change is in the merchant's audit trail with the operator's id, and the
        // audit tab marks them as an operator's.
        let events = app.db().audit_page(merchant, &Default::default(), 50).await.unwrap();
        for action in [
            AuditAction::UserInvited,
            AuditAction::InvitationResent,
            AuditAction::UserDeactivated,
            AuditAction::UserReactivated,
        ] {
            let event = events
                .iter()
                .find(|e| e.action == action)
                .unwrap_or_else(|| panic!("{action:?}"));
            assert_eq!(event.actor_operator_id, Some(operator_id), "{action:?}");
        }
        let (status, html) = ops.page(&format!("/ops/merchants/{merchant}/audit")).await;
        assert_eq!(status, 200);
        assert!(
            html.contains("User invited") && html.contains("User deactivated"),
            "{html}"
        );
        assert!(html.contains("data-operator"), "operator actions are marked");
        assert!(html.contains("olle@ops.kassa.test"));
    })
    .await;
}

#[tokio::test]
async fn support_reads_users_keys_orders_and_audit_but_changes_nothing_and_sees_no_secret() {
    on_each_backend(|app| async move {
        set_two_factor_policy(app.db(), false).await.unwrap();
        app.seed_operator("sam@ops.kassa.test", OperatorRole::Support).await;
        let support = app.ops_signed_in("sam@ops.kassa.test").await;
        let merchant = demo_merchant(&app).await;
        let base = format!("/ops/merchants/{merchant}");
        let api = app.api("M100001").await;
        let order = api.authorized_order(&sample_order()).await;

        // Users: the team, without any way to change it.
        let (status, html) = support.page(&format!("{base}/users")).await;
        assert_eq!(status, 200);
        assert!(html.contains("admin@demo.kassa.test"));
        assert!(!html.contains("/users/invite"), "no invitation form for support");
        assert!(!html.contains("/deactivate"), "no buttons for support");
        let admin = user_id(&app, merchant, "admin@demo.kassa.test").await;
        for path in [
            format!("{base}/users/invite"),
            format!("{base}/users/{admin}/resend"),
            format!("{base}/users/{admin}/deactivate"),
            format!("{base}/users/{admin}/reactivate"),
            format!("{base}/users/{admin}/reset-two-factor"),
        ] {
            let res = support
                .post_form(&path, &[("email", "x@example.com"), ("language", "en")])
                .await;
            assert_eq!(res.status(), 403, "{path}");
        }
        assert!(app.mails().is_empty());
        assert_eq!(
            app.client()
                .sign_in("admin@demo.kassa.test", DEMO_PASSWORD)
                .await
                .status(),
            303
        );

        // Keys: the username and the secret's prefix, never the secret.
        let (status, html) = support.page(&format!("{base}/keys")).await;
        assert_eq!(status, 200);
        assert!(html.contains(&api.username));
        let prefix: String = api.password.chars().take(17).collect();
        assert!(html.contains(&prefix), "the prefix");
        assert!(!html.contains(&api.password), "never the secret");

        // Orders: the list links to a read-only order page with amounts in currency.
        let (status, html) = support.page(&format!("{base}/orders")).await;
        assert_eq!(status, 200);
        assert!(html.contains(&format!("{base}/orders/{order}")), "{html}");
        assert!(html.contains("SEK\u{a0}600.00"), "amounts in currency");
        let (status, html) = support.page(&format!("{base}/orders/{order}")).await;
        assert_eq!(status, 200);
        assert!(html.contains("id=\"timeline\"") && html.contains("id=\"order-lines\""));
        assert!(html.contains("id=\"amount-remaining\">SEK\u{a0}600.00"), "{html}");
        assert!(
            !html.contains("/capture") && !html.contains("data-dialog"),
            "no actions"
        );

        // An order of another merchant's store does not exist at this merchant.
        app.seed_other_merchant().await;
        let other_merchant = app.db().store("M200001").await.unwrap().unwrap().merchant_id;
        // A playground store of the other merchant, where test orders can be completed.
        app.db()
            .create_store(
                &kassa_db::NewStore {
                    id: "M200002",
                    merchant_id: other_merchant,
                    name: "Other Playground",
                    url: "",
                    country: "SE",
                    currency: "SEK",
                    statement_descriptor: "OTHER",
                    environment: "playground",
                },
                kassa_web::now_ms(),
            )
            .await
            .unwrap();
        let other = app.api("M200002").await.authorized_order(&sample_order()).await;
        assert_eq!(support.page(&format!("{base}/orders/{other}")).await.0, 404);
        assert_eq!(
            support
                .page(&format!("/ops/merchants/{other_merchant}/orders/{other}"))
                .await
                .0,
            200
        );
        assert_eq!(
            support.page("/ops/merchants/999999/users").await.0,
            404,
            "no such merchant"
        );

        // Audit trail: readable by support.
        let (status, html) = support.page(&format!("{base}/audit")).await;
        assert_eq!(status, 200);
        assert!(html.contains("Audit trail"));
    })
    .await;
}

#[tokio::test]
async fn the_order_list_pages_newest_first_across_the_merchants_stores() {
    on_each_backend(|app| async move {
        let merchant = demo_merchant(&app).await;
        let api = app.api("M100001").await;
        let mut created = Vec::new();
        for _ in 0..3 {
            created.push(api.authorized_order(&sample_order()).await);
        }
        let support = Actor::operator(1, "sam@ops.kassa.test", OperatorRole::Support, "");
        let mut seen = Vec::new();
        let mut before = None;
        loop {
            let page = kassa_app::ops::merchant_orders(app.db(), &support, merchant, before.as_ref(), 2)
                .await
                .unwrap();
            assert!(page.rows.len() <= 2);
            seen.extend(page.rows.iter().map(|r| (r.created_at, r.order_id.clone())));
            match page.older {
                Some(c) => before = Some(c),
                None => break,
            }
        }
        let mut sorted = seen.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(seen, sorted, "newest first, no page overlaps");
        sorted.dedup();
        assert_eq!(sorted.len(), seen.len(), "no order twice");
        for id in &created {
            assert!(seen.iter().any(|(_, o)| o == id), "{id} is listed");
        }
        // Viewing needs an operator who may view merchants.
        assert!(
            kassa_app::ops::merchant_orders(app.db(), &Actor::system(), merchant, None, 2)
                .await
                .is_err()
        );
    })
    .await;
}

/// A leaked key the merchant cannot revoke: an onboarding operator revokes it from the keys
/// tab (the next call with it is refused, the merchant's audit trail names the operator);
/// support sees no button and is refused.
#[tokio::test]
async fn an_operator_who_manages_merchants_revokes_a_key_and_support_cannot() {
    on_each_backend(|app| async move {
        set_two_factor_policy(app.db(), false).await.unwrap();
        let operator_id = app.seed_operator("olle@ops.kassa.test", OperatorRole::Onboarding).await;
        app.seed_operator("sam@ops.kassa.test", OperatorRole::Support).await;
        let ops = app.ops_signed_in("olle@ops.kassa.test").await;
        let support = app.ops_signed_in("sam@ops.kassa.test").await;
        let merchant = demo_merchant(&app).await;
        let keys = format!("/ops/merchants/{merchant}/keys");
        let api = app.api("M100001").await;
        let order = api.authorized_order(&sample_order()).await;
        let key_id = app
            .db()
            .api_keys(Some("M100001"))
            .await
            .unwrap()
            .into_iter()
            .find(|k| k.username == api.username)
            .expect("the test key")
            .id;
        let revoke = format!("{keys}/{key_id}/revoke");

        let (_, html) = support.page(&keys).await;
        assert!(
            html.contains(&api.username) && !html.contains("/revoke"),
            "no button for support"
        );
        assert_eq!(support.post_form(&revoke, &[]).await.status(), 403);
        let get = format!("/ordermanagement/v1/orders/{order}");
        assert_eq!(api.send(reqwest::Method::GET, &get, None, None).await.status(), 200);

        let (_, html) = ops.page(&keys).await;
        assert!(html.contains(&format!("action=\"{revoke}\"")), "{html}");
        let res = ops.post_form(&revoke, &[]).await;
        assert_eq!(res.status(), 303);
        let back = location(&res);
        assert_eq!(back, format!("{keys}?revoked={}", urlencode(&api.username)));
        let (_, html) = ops.page(&back).await;
        assert!(html.contains(&format!("Key {} revoked", api.username)), "{html}");
        assert!(html.contains("data-key-state=\"revoked\"") && !html.contains(&format!("action=\"{revoke}\"")));
        assert_eq!(api.send(reqwest::Method::GET, &get, None, None).await.status(), 401);

        // Again: nothing more happens; the one audit event names the operator.
        assert_eq!(ops.post_form(&revoke, &[]).await.status(), 303);
        let events: Vec<_> = app
            .db()
            .audit_events(Some(AuditAction::ApiKeyRevoked), 10_000)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.subject == api.username)
            .collect();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].actor_operator_id, Some(operator_id));
        assert_eq!(events[0].merchant_id, Some(merchant));

        // A key of another merchant is not reachable through this merchant's page.
        app.seed_other_merchant().await;
        let other = app.api("M200001").await;
        let other_id = app
            .db()
            .api_keys(Some("M200001"))
            .await
            .unwrap()
            .into_iter()
            .find(|k| k.username == other.username)
            .unwrap()
            .id;
        let res = ops.post_form(&format!("{keys}/{other_id}/revoke"), &[]).await;
        assert_eq!(res.status(), 404);
    })
    .await;
}

/// Signs `email` in (with the demo password) and sets up two-factor; returns the client,
/// whose session stays open, and the secret.
async fn with_two_factor(app: &TestApp, email: &str) -> (Client, String) {
    let c = app.signed_in(email).await;
    let (secret, _) = crate::account_security::enrol(&c).await;
    assert_eq!(c.page("/portal").await.0, 200);
    (c, secret)
}

fn reset_path(merchant: i64, user: i64) -> String {
    format!("/ops/merchants/{merchant}/users/{user}/reset-two-factor")
}

const RESET_REASON: &str = "Lost phone and codes; called back on the number on file";

async fn reset_events(app: &TestApp, email: &str) -> Vec<kassa_db::AuditRow> {
    app.db()
        .audit_events(Some(AuditAction::TwoFactorReset), 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.subject == email)
        .collect()
}

/// A merchant admin lost both their phone and their recovery codes. Support sees no button
/// and is refused; an onboarding operator confirms (a reason is required), and then the
/// secret and codes are gone, every session of the user ends, the merchant's audit trail in
/// the back office and in the portal shows who did it to whom and why, and the user gets an
/// email in their own language. With the merchant's two-factor policy on, their next sign-in
/// needs only the password and then asks them to set two-factor up again.
#[tokio::test]
async fn an_onboarding_operator_resets_a_lost_two_factor_and_support_cannot() {
    on_each_backend(|app| async move {
        set_two_factor_policy(app.db(), false).await.unwrap();
        let operator_id = app.seed_operator("olle@ops.kassa.test", OperatorRole::Onboarding).await;
        app.seed_operator("sam@ops.kassa.test", OperatorRole::Support).await;
        let ops = app.ops_signed_in("olle@ops.kassa.test").await;
        let support = app.ops_signed_in("sam@ops.kassa.test").await;
        let merchant = demo_merchant(&app).await;
        app.db()
            .execute_trusted(&format!(
                "UPDATE merchants SET require_two_factor = TRUE WHERE id = {merchant}"
            ))
            .await
            .unwrap();
        let email = "lost.phone@demo.kassa.test";
        let user = app.seed_demo_user(email, "admin").await;
        let (first, secret) = with_two_factor(&app, email).await;
        // A second session, signed in with a code.
        let second = app.client();
        assert!(location(&second.sign_in(email, DEMO_PASSWORD).await).starts_with("/portal/sign-in/two-factor"));
        second.page("/portal/sign-in/two-factor").await;
        let code = kassa_app::auth::two_factor::code_at(&secret, kassa_web::now_ms() + 30_000);
        let res = second.post_form("/portal/sign-in/two-factor", &[("code", &code)]).await;
        assert_eq!(location(&res), "/portal");
        assert_eq!(app.db().sessions_of_user(user).await.unwrap().len(), 2);
        // The user reads German from now on: the email must be in German.
        app.db()
            .execute_trusted(&format!("UPDATE users SET language = 'de' WHERE id = {user}"))
            .await
            .unwrap();
        let users = format!("/ops/merchants/{merchant}/users");
        let reset = reset_path(merchant, user);

        // Support: no button, and refused both the page and the reset.
        let (status, html) = support.page(&users).await;
        assert_eq!(status, 200);
        assert!(html.contains(email));
        assert!(!html.contains("reset-two-factor"), "no reset button for support");
        assert_eq!(support.get(&reset).await.status(), 403);
        assert_eq!(
            support.post_form(&reset, &[("reason", RESET_REASON)]).await.status(),
            403
        );

        // The onboarding operator's list links to the confirmation page.
        let (_, html) = ops.page(&users).await;
        assert!(html.contains(&format!("href=\"{reset}\"")), "{html}");
        let (status, html) = ops.page(&reset).await;
        assert_eq!(status, 200);
        assert!(html.contains("identity out of band"), "{html}");
        assert!(html.contains("name=\"reason\"") && html.contains(email));
        assert!(html.contains(&format!("action=\"{reset}\"")));

        // Without a reason: refused next to the field, nothing changed.
        for reason in ["", "   "] {
            let res = ops.post_form(&reset, &[("reason", reason)]).await;
            assert_eq!(res.status(), 422);
            let html = res.text().await.unwrap();
            assert!(
                html.contains("Give the reason for the reset. Nothing was changed."),
                "{html}"
            );
            assert!(html.contains("aria-invalid=\"true\""));
        }
        let row = app.db().user_by_id(user).await.unwrap().unwrap();
        assert!(row.totp_secret.is_some(), "two-factor still on");
        assert_eq!(app.db().unused_recovery_codes(user).await.unwrap(), 10);
        assert_eq!(first.page("/portal").await.0, 200, "still signed in");
        assert!(reset_events(&app, email).await.is_empty());
        assert!(app.mails().iter().all(|m| m.to != email), "no email");

        // The reset.
        let res = ops.post_form(&reset, &[("reason", RESET_REASON)]).await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), format!("{users}?done=two_factor_reset"));
        let (_, html) = ops.page(&location(&res)).await;
        assert!(html.contains("Two-factor was reset"), "{html}");
        assert!(!html.contains(&format!("href=\"{reset}\"")), "no button once it is off");
        let row = app.db().user_by_id(user).await.unwrap().unwrap();
        assert!(row.totp_secret.is_none());
        assert_eq!(app.db().totp_pending(user).await.unwrap(), None);
        assert_eq!(app.db().unused_recovery_codes(user).await.unwrap(), 0);
        // Every session of theirs is gone.
        assert!(app.db().sessions_of_user(user).await.unwrap().is_empty());
        for c in [&first, &second] {
            let res = c.get("/portal").await;
            assert_eq!(res.status(), 303);
            assert!(location(&res).starts_with("/portal/sign-in"), "{}", location(&res));
        }

        // One audit event at the merchant: the operator, the user, the reason.
        let events = reset_events(&app, email).await;
        assert_eq!(events.len(), 1);
        let event = &events[0];
        assert_eq!(event.merchant_id, Some(merchant));
        assert_eq!(event.actor_operator_id, Some(operator_id));
        assert_eq!(event.actor, "olle@ops.kassa.test");
        assert!(event.after_json.as_deref().unwrap_or_default().contains(RESET_REASON));
        let (_, html) = ops.page(&format!("/ops/merchants/{merchant}/audit")).await;
        assert!(html.contains("Two-factor reset by Kassa support"), "{html}");
        assert!(html.contains(RESET_REASON) && html.contains("olle@ops.kassa.test"));

        // The email: in German, from Kassa support, pointing at the sign-in page only.
        let mails: Vec<_> = app.mails().into_iter().filter(|m| m.to == email).collect();
        assert_eq!(mails.len(), 1);
        let mail = &mails[0];
        assert_eq!(
            mail.subject,
            "Ihre Zwei-Faktor-Authentifizierung bei Kassa wurde zurückgesetzt"
        );
        assert!(mail.text.contains("Kassa-Support"), "{}", mail.text);
        assert!(!mail.text.contains("olle@ops.kassa.test"), "no operator's address");
        assert_eq!(app.last_link_to(email), "/portal/sign-in");

        // The next sign-in needs only the password, and the merchant's policy asks for a new
        // set-up before anything else.
        let again = app.client();
        let res = again.sign_in(email, DEMO_PASSWORD).await;
        assert_eq!(location(&res), "/portal", "no code step");
        let res = again.get("/portal").await;
        assert_eq!(location(&res), "/portal/account/security", "enrol first");
        let (status, html) = again.page("/portal/account/security").await;
        assert_eq!(status, 200);
        assert!(html.contains("<html lang=\"de\""));

        // Again: nothing to reset, and the page says so; still one event and one email.
        let res = ops.post_form(&reset, &[("reason", RESET_REASON)]).await;
        assert_eq!(location(&res), format!("{users}?done=two_factor_none"));
        let (_, html) = ops.page(&location(&res)).await;
        assert!(html.contains("has no two-factor authentication to reset"), "{html}");
        let (status, html) = ops.page(&reset).await;
        assert_eq!(status, 200);
        assert!(html.contains("has no two-factor authentication to reset") && !html.contains("name=\"reason\""));
        assert_eq!(reset_events(&app, email).await.len(), 1);
        assert_eq!(app.mails().iter().filter(|m| m.to == email).count(), 1);

        // The merchant's own admins see it in the portal's audit log, by "Kassa support".
        app.db()
            .execute_trusted(&format!(
                "UPDATE merchants SET require_two_factor = FALSE WHERE id = {merchant}"
            ))
            .await
            .unwrap();
        let admin = app.signed_in("superadmin@demo.kassa.test").await;
        let (status, html) = admin.page("/portal/users/audit").await;
        assert_eq!(status, 200);
        assert!(html.contains("Two-factor reset by Kassa support"), "{html}");
        assert!(html.contains(RESET_REASON) && html.contains(email));
        assert!(
            !html.contains("olle@ops.kassa.test"),
            "merchants never see an operator's address"
        );
    })
    .await;
}

/// 200 resets of the same user at once (an ops_admin's): one reset, one audit event, one
/// email; the others find nothing to reset.
#[tokio::test]
async fn two_hundred_concurrent_two_factor_resets_reset_audit_and_email_once() {
    on_each_backend(|app| async move {
        set_two_factor_policy(app.db(), false).await.unwrap();
        app.seed_operator("ada@ops.kassa.test", OperatorRole::OpsAdmin).await;
        let ops = std::sync::Arc::new(app.ops_signed_in("ada@ops.kassa.test").await);
        let merchant = demo_merchant(&app).await;
        let email = "parallel.reset@demo.kassa.test";
        let user = app.seed_demo_user(email, "user").await;
        with_two_factor(&app, email).await;
        let reset = reset_path(merchant, user);
        assert_eq!(ops.page(&reset).await.0, 200);
        let tasks: Vec<_> = (0..200)
            .map(|_| {
                let ops = ops.clone();
                let reset = reset.clone();
                tokio::spawn(async move {
                    let res = ops.post_form(&reset, &[("reason", RESET_REASON)]).await;
                    (res.status().as_u16(), location(&res))
                })
            })
            .collect();
        let mut done = 0;
        for task in tasks {
            let (status, to) = task.await.unwrap();
            assert_eq!(status, 303, "{to}");
            if to.ends_with("done=two_factor_reset") {
                done += 1;
            } else {
                assert!(to.ends_with("done=two_factor_none"), "{to}");
            }
        }
        assert_eq!(done, 1, "exactly one request reset it");
        assert_eq!(reset_events(&app, email).await.len(), 1);
        assert_eq!(app.mails().iter().filter(|m| m.to == email).count(), 1);
        assert!(app.db().user_by_id(user).await.unwrap().unwrap().totp_secret.is_none());
    })
    .await;
}

/// A user of another merchant, reached through this merchant's page by changing the id, does
/// not exist here: 404 for the page and the reset, and their two-factor stays.
#[tokio::test]
async fn a_two_factor_reset_of_another_merchants_user_is_not_found() {
    on_each_backend(|app| async move {
        set_two_factor_policy(app.db(), false).await.unwrap();
        app.seed_operator("olle@ops.kassa.test", OperatorRole::Onboarding).await;
        let ops = app.ops_signed_in("olle@ops.kassa.test").await;
        let merchant = demo_merchant(&app).await;
        let foreign_email = app.seed_other_merchant().await;
        let other_merchant = app.db().store("M200001").await.unwrap().unwrap().merchant_id;
        let (foreign_session, _) = with_two_factor(&app, &foreign_email).await;
        let foreign = app.db().user_by_email(&foreign_email).await.unwrap().unwrap().id;

        let tampered = reset_path(merchant, foreign);
        ops.page(&format!("/ops/merchants/{merchant}/users")).await;
        assert_eq!(ops.get(&tampered).await.status(), 404);
        let res = ops.post_form(&tampered, &[("reason", RESET_REASON)]).await;
        assert_eq!(res.status(), 404);
        assert_eq!(
            ops.post_form(&reset_path(merchant, 999_999), &[("reason", RESET_REASON)])
                .await
                .status(),
            404,
            "no such user"
        );
        let row = app.db().user_by_id(foreign).await.unwrap().unwrap();
        assert!(row.totp_secret.is_some(), "untouched");
        assert_eq!(foreign_session.page("/portal").await.0, 200, "still signed in");
        assert!(reset_events(&app, &foreign_email).await.is_empty());
        assert!(app
            .mails()
            .iter()
            .all(|m| m.to != foreign_email || !m.subject.contains("two-factor")));
        // Through their own merchant's page, the same user is there to reset.
        assert_eq!(ops.page(&reset_path(other_merchant, foreign)).await.0, 200);
    })
    .await;
}
