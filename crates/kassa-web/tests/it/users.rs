//! User management over HTTP on both databases: invitations by email, access changes,
//! deactivation, the Super Admin and last-admin rules, and the audit log.

use crate::support::*;
use kassa_core::audit::AuditAction;
use kassa_db::{AccessRefusal, AccessUpdate, AuditEvent, Db};

const NEW_PASSWORD: &str = "a long new passphrase";

async fn user_id(db: &Db, email: &str) -> i64 {
    db.user_by_email(email).await.unwrap().expect(email).id
}

/// Invites `email` as `role` in the playground store (internal user) and returns the
/// invitation link from the outbox.
async fn invite(app: &TestApp, admin: &Client, email: &str, role: &str) -> String {
    admin.page("/portal/users/invite").await;
    let res = admin
        .post_form(
            "/portal/users/invite",
            &[
                ("email", email),
                ("kind", "internal"),
                ("role", role),
                ("store", "M100001"),
                ("language", "en"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303, "invite {email}");
    assert!(location(&res).ends_with("?done=invited"));
    app.last_link_to(&email.to_lowercase())
}

async fn accept(app: &TestApp, link: &str, name: &str) -> reqwest::Response {
    let c = app.client();
    let (status, body) = c.page(link).await;
    assert_eq!(status, 200, "{link}");
    // In the invitation's language (issue 9), so look for the form, not for English words.
    assert!(body.contains("name=\"new_password\""));
    c.post_form(
        link,
        &[
            ("name", name),
            ("new_password", NEW_PASSWORD),
            ("confirm_password", NEW_PASSWORD),
        ],
    )
    .await
}

#[tokio::test]
async fn an_invited_user_sets_a_password_once_and_signs_in() {
    on_each_backend(|app| async move {
        let admin = app.signed_in("admin@demo.kassa.test").await;
        let link = invite(&app, &admin, "Nina@Example.com", "settlement").await;
        assert!(link.starts_with("/portal/invitation/"));

        // The email: to the normalised address, in the chosen language, with a 7-day link.
        let mail = app.mails().pop().unwrap();
        assert_eq!(mail.to, "nina@example.com");
        assert!(mail.subject.contains("Demo Shop AB"), "{}", mail.subject);
        assert!(mail.text.contains("Anders Berg has invited you"));
        assert!(mail.html.as_deref().unwrap().contains("<a href=\"http"));
        let token = link.rsplit('/').next().unwrap();
        let stored: i64 = app
            .db()
            .execute_trusted(&format!(
                "UPDATE user_tokens SET used_at = used_at WHERE token_hash = '{token}'"
            ))
            .await
            .unwrap() as i64;
        assert_eq!(stored, 0, "only a hash of the token is stored");

        // Listed as invited, with role per store.
        let (_, list) = admin.page("/portal/users").await;
        let row = &list[list.find("nina@example.com").unwrap()..];
        assert!(row.contains("Invited") && row.contains("M100001"));

        // The form refuses a short password and keeps the link usable.
        let c = app.client();
        c.page(&link).await;
        let res = c
            .post_form(
                &link,
                &[
                    ("name", "Nina"),
                    ("new_password", "short"),
                    ("confirm_password", "short"),
                ],
            )
            .await;
        assert_eq!(res.status(), 422);
        let res = accept(&app, &link, "Nina Nordin").await;
        assert_eq!(res.status(), 303);
        // Accepting signs in (issue 9; tested in invitation.rs); here she signs in again.
        assert_eq!(location(&res), "/portal?notice=activated");
        // Used once: the link is dead now.
        assert_eq!(app.client().page(&link).await.0, 410);

        let nina = app.client();
        assert_eq!(nina.sign_in("nina@example.com", NEW_PASSWORD).await.status(), 303);
        let (status, home) = nina.page("/portal").await;
        assert_eq!(status, 200);
        assert!(home.contains("Welcome, Nina!"));
        assert!(
            !home.contains("href=\"/portal/users\""),
            "Settlement has no user management"
        );
        assert_eq!(nina.get("/portal/users").await.status(), 403);

        let user = app.db().user_by_email("nina@example.com").await.unwrap().unwrap();
        assert_eq!((user.status.code(), user.name.as_str()), ("active", "Nina Nordin"));
        for action in ["user_invited", "invitation_accepted"] {
            let events = app.db().audit_events(Some(action.parse().unwrap()), 5).await.unwrap();
            assert_eq!(events.len(), 1, "{action}");
            assert_eq!(events[0].subject, "nina@example.com");
            assert!(events[0].merchant_id.is_some());
        }

        // Inviting the same email again is refused.
        admin.page("/portal/users/invite").await;
        let res = admin
            .post_form(
                "/portal/users/invite",
                &[
                    ("email", "nina@example.com"),
                    ("kind", "internal"),
                    ("role", "user"),
                    ("store", "M100001"),
                    ("language", "en"),
                ],
            )
            .await;
        assert_eq!(res.status(), 422);
        assert!(res.text().await.unwrap().contains("already has access"));
    })
    .await;
}

#[tokio::test]
async fn resending_an_invitation_retires_the_old_link_and_links_expire() {
    on_each_backend(|app| async move {
        let admin = app.signed_in("admin@demo.kassa.test").await;
        let first = invite(&app, &admin, "olle@example.com", "user").await;
        let id = user_id(app.db(), "olle@example.com").await;
        admin.page(&format!("/portal/users/{id}")).await;
        let res = admin.post_form(&format!("/portal/users/{id}/resend"), &[]).await;
        assert_eq!(location(&res), format!("/portal/users/{id}?done=resent"));
        let second = app.last_link_to("olle@example.com");
        assert_ne!(first, second);
        assert_eq!(app.client().page(&first).await.0, 410, "old link retired");
        assert_eq!(app.client().page(&second).await.0, 200);
        assert_eq!(
            app.db()
                .audit_events(Some(AuditAction::InvitationResent), 5)
                .await
                .unwrap()
                .len(),
            1
        );
        // Seven days later the link no longer works.
        app.db()
            .execute_trusted("UPDATE user_tokens SET expires_at = expires_at - 604800001")
            .await
            .unwrap();
        assert_eq!(app.client().page(&second).await.0, 410);
        let (_, detail) = admin.page(&format!("/portal/users/{id}")).await;
        assert!(detail.contains("Expired; send a new one."));
    })
    .await;
}

#[tokio::test]
async fn external_users_need_a_date_and_lose_access_when_it_passes() {
    on_each_backend(|app| async move {
        let admin = app.signed_in("admin@demo.kassa.test").await;
        admin.page("/portal/users/invite").await;
        let external = |expires: &'static str| {
            vec![
                ("email", "consultant@agency.example"),
                ("kind", "external"),
                ("role", "external"),
                ("store", "M100001"),
                ("store", "M100002"),
                ("language", "sv"),
                ("expires", expires),
            ]
        };
        let res = admin.post_form("/portal/users/invite", &external("")).await;
        assert_eq!(res.status(), 422, "an external user needs a date");
        let res = admin.post_form("/portal/users/invite", &external("2001-01-01")).await;
        assert_eq!(res.status(), 422, "a past date is refused");
        let res = admin.post_form("/portal/users/invite", &external("2099-12-31")).await;
        assert_eq!(res.status(), 303);
        // The email is in Swedish, the recipient's language.
        let mail = app.mails().pop().unwrap();
        assert!(mail.subject.contains("Du är inbjuden"), "{}", mail.subject);
        let link = app.last_link_to("consultant@agency.example");
        assert_eq!(accept(&app, &link, "Kim Konsult").await.status(), 303);

        let c = app.client();
        assert_eq!(c.sign_in("consultant@agency.example", NEW_PASSWORD).await.status(), 303);
        assert_eq!(c.page("/portal").await.0, 200);
        let (_, list) = admin.page("/portal/users").await;
        assert!(list.contains("access until 2099-12-31"));
        let id = user_id(app.db(), "consultant@agency.example").await;
        let memberships = app.db().memberships_of(id).await.unwrap();
        assert_eq!(memberships.len(), 2, "both stores");

        // The date passes: the open session ends and sign-in is refused.
        app.db()
            .execute_trusted(&format!(
                "UPDATE memberships SET access_expires_at = 1000 WHERE user_id = {id}"
            ))
            .await
            .unwrap();
        assert_eq!(c.get("/portal").await.status(), 303, "session ended");
        let res = c.sign_in("consultant@agency.example", NEW_PASSWORD).await;
        assert_eq!(res.status(), 401);
        let (_, list) = admin.page("/portal/users").await;
        assert!(list.contains("Access expired"));

        // An admin extends the date; access is back.
        admin.page(&format!("/portal/users/{id}")).await;
        let res = admin
            .post_form(
                &format!("/portal/users/{id}/access"),
                &[
                    ("role_M100001", "external"),
                    ("role_M100002", "external"),
                    ("expires", "2099-06-30"),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(c.sign_in("consultant@agency.example", NEW_PASSWORD).await.status(), 303);
    })
    .await;
}

#[tokio::test]
async fn roles_change_per_store_with_before_and_after_in_the_audit_log() {
    on_each_backend(|app| async move {
        let admin = app.signed_in("admin@demo.kassa.test").await;
        let id = user_id(app.db(), "readonly@demo.kassa.test").await;
        let (status, page) = admin.page(&format!("/portal/users/{id}")).await;
        assert_eq!(status, 200);
        assert!(page.contains("name=\"role_M100001\""));
        let res = admin
            .post_form(
                &format!("/portal/users/{id}/access"),
                &[("role_M100001", "disputes"), ("role_M100002", "")],
            )
            .await;
        assert_eq!(location(&res), format!("/portal/users/{id}?done=access"));
        let m = app.db().memberships_of(id).await.unwrap();
        assert_eq!(m.len(), 1);
        assert_eq!((m[0].store_id.as_str(), m[0].role.code()), ("M100001", "disputes"));
        let event = &app
            .db()
            .audit_events(Some(AuditAction::UserAccessChanged), 1)
            .await
            .unwrap()[0];
        assert!(event
            .before_json
            .as_deref()
            .unwrap()
            .contains("\"M100002\":\"read_only\""));
        assert!(event
            .after_json
            .as_deref()
            .unwrap()
            .contains("\"M100001\":\"disputes\""));
        assert!(!event.after_json.as_deref().unwrap().contains("M100002"));

        // No store at all is refused: deactivate instead.
        admin.page(&format!("/portal/users/{id}")).await;
        let res = admin
            .post_form(&format!("/portal/users/{id}/access"), &[("role_M100001", "")])
            .await;
        assert_eq!(res.status(), 422);
        assert_eq!(app.db().memberships_of(id).await.unwrap().len(), 1);
        // Stores of another merchant cannot be named.
        let res = admin
            .post_form(&format!("/portal/users/{id}/access"), &[("role_M999999", "admin")])
            .await;
        assert_eq!(res.status(), 404);
    })
    .await;
}

#[tokio::test]
async fn only_a_super_admin_grants_or_touches_super_admin() {
    on_each_backend(|app| async move {
        let admin = app.signed_in("admin@demo.kassa.test").await;
        admin.page("/portal/users/invite").await;
        let (_, form) = admin.page("/portal/users/invite").await;
        assert!(!form.contains("value=\"super_admin\""), "not offered to an Admin");
        let res = admin
            .post_form(
                "/portal/users/invite",
                &[
                    ("email", "boss@example.com"),
                    ("kind", "internal"),
                    ("role", "super_admin"),
                    ("store", "M100001"),
                    ("language", "en"),
                ],
            )
            .await;
        assert_eq!(res.status(), 422);
        assert!(app.db().user_by_email("boss@example.com").await.unwrap().is_none());

        let user = user_id(app.db(), "user@demo.kassa.test").await;
        admin.page(&format!("/portal/users/{user}")).await;
        let res = admin
            .post_form(
                &format!("/portal/users/{user}/access"),
                &[("role_M100001", "super_admin")],
            )
            .await;
        assert_eq!(res.status(), 422);
        let superadmin = user_id(app.db(), "superadmin@demo.kassa.test").await;
        for action in ["deactivate", "access"] {
            let res = admin
                .post_form(
                    &format!("/portal/users/{superadmin}/{action}"),
                    &[("role_M100001", "user")],
                )
                .await;
            assert_eq!(res.status(), 422, "{action}");
        }
        let roles = app.db().memberships_of(superadmin).await.unwrap();
        assert!(roles.iter().all(|m| m.role.code() == "super_admin"));

        let boss = app.signed_in("superadmin@demo.kassa.test").await;
        boss.page(&format!("/portal/users/{user}")).await;
        let res = boss
            .post_form(
                &format!("/portal/users/{user}/access"),
                &[("role_M100001", "super_admin")],
            )
            .await;
        assert_eq!(res.status(), 303);
        let roles = app.db().memberships_of(user).await.unwrap();
        assert_eq!(roles[0].role.code(), "super_admin");
    })
    .await;
}

#[tokio::test]
async fn deactivation_ends_sessions_at_once_and_reactivation_restores_access() {
    on_each_backend(|app| async move {
        let victim = app.signed_in("disputes@demo.kassa.test").await;
        let second_browser = app.signed_in("disputes@demo.kassa.test").await;
        assert_eq!(victim.page("/portal").await.0, 200);
        let admin = app.signed_in("admin@demo.kassa.test").await;
        let id = user_id(app.db(), "disputes@demo.kassa.test").await;
        admin.page(&format!("/portal/users/{id}")).await;
        let res = admin.post_form(&format!("/portal/users/{id}/deactivate"), &[]).await;
        assert_eq!(location(&res), format!("/portal/users/{id}?done=deactivated"));
        let sessions = app
            .db()
            .execute_trusted(&format!("DELETE FROM sessions WHERE user_id = {id}"))
            .await
            .unwrap();
        assert_eq!(sessions, 0, "deactivation already deleted every session");
        for c in [&victim, &second_browser] {
            let res = c.get("/portal").await;
            assert_eq!(res.status(), 303);
            assert!(location(&res).starts_with("/portal/sign-in"));
        }
        let res = app.client().sign_in("disputes@demo.kassa.test", DEMO_PASSWORD).await;
        assert_eq!(res.status(), 401);
        assert!(res.text().await.unwrap().contains("not active"));
        // Never deleted: still listed, as deactivated.
        let (_, list) = admin.page("/portal/users").await;
        assert!(list.contains("disputes@demo.kassa.test"));
        assert!(list.contains("Deactivated"));

        admin.page(&format!("/portal/users/{id}")).await;
        let res = admin.post_form(&format!("/portal/users/{id}/reactivate"), &[]).await;
        assert_eq!(res.status(), 303);
        assert_eq!(
            app.client()
                .sign_in("disputes@demo.kassa.test", DEMO_PASSWORD)
                .await
                .status(),
            303
        );
        let events = app
            .db()
            .audit_events(Some(AuditAction::UserDeactivated), 5)
            .await
            .unwrap();
        assert_eq!(events[0].before_json.as_deref(), Some("{\"status\":\"active\"}"));
        assert_eq!(events[0].after_json.as_deref(), Some("{\"status\":\"deactivated\"}"));
        assert!(!events[0].ip.is_empty());
        // Nobody deactivates themself.
        let me = user_id(app.db(), "admin@demo.kassa.test").await;
        admin.page(&format!("/portal/users/{me}")).await;
        let res = admin.post_form(&format!("/portal/users/{me}/deactivate"), &[]).await;
        assert_eq!(res.status(), 422);
    })
    .await;
}

#[tokio::test]
async fn a_merchant_always_keeps_an_active_admin() {
    on_each_backend(|app| async move {
        let boss = app.signed_in("superadmin@demo.kassa.test").await;
        let admin_id = user_id(app.db(), "admin@demo.kassa.test").await;
        boss.page(&format!("/portal/users/{admin_id}")).await;
        let res = boss
            .post_form(&format!("/portal/users/{admin_id}/deactivate"), &[])
            .await;
        assert_eq!(res.status(), 303);
        // Now the Super Admin is the last one: demoting themself is refused.
        let me = user_id(app.db(), "superadmin@demo.kassa.test").await;
        boss.page(&format!("/portal/users/{me}")).await;
        let res = boss
            .post_form(
                &format!("/portal/users/{me}/access"),
                &[("role_M100001", "user"), ("role_M100002", "user")],
            )
            .await;
        assert_eq!(res.status(), 422);
        assert!(res.text().await.unwrap().contains("without an active Admin"));
        let roles = app.db().memberships_of(me).await.unwrap();
        assert!(roles.iter().all(|m| m.role.code() == "super_admin"), "nothing changed");
        assert!(app
            .db()
            .audit_events(Some(AuditAction::UserAccessChanged), 5)
            .await
            .unwrap()
            .is_empty());
    })
    .await;
}

/// Two administrators demote each other at the same moment: the rule lives in the
/// transaction, so exactly one change wins and the merchant keeps an admin.
#[tokio::test]
async fn concurrent_demotions_cannot_remove_the_last_admin() {
    on_each_backend(|app| async move {
        let db = app.db().clone();
        let merchant = db.memberships_of(1).await.unwrap()[0].merchant_id;
        let a = user_id(&db, "superadmin@demo.kassa.test").await;
        let b = user_id(&db, "admin@demo.kassa.test").await;
        for round in 0..5 {
            for (id, role) in [(a, "super_admin"), (b, "admin")] {
                for store in ["M100001", "M100002"] {
                    db.set_membership(id, store, role, 0).await.unwrap();
                }
            }
            let demote = |id: i64| {
                let db = db.clone();
                async move {
                    let update = AccessUpdate {
                        memberships: vec![("M100001", Some("user")), ("M100002", Some("user"))],
                        ..Default::default()
                    };
                    let event = AuditEvent {
                        merchant_id: Some(merchant),
                        actor: "test",
                        ..AuditEvent::of(AuditAction::UserAccessChanged)
                    };
                    db.change_access(merchant, id, &update, &event, kassa_web::now_ms())
                        .await
                        .unwrap()
                }
            };
            let (ra, rb) = tokio::join!(demote(a), demote(b));
            let outcomes = [ra, rb];
            assert_eq!(
                outcomes.iter().filter(|r| r.is_ok()).count(),
                1,
                "round {round}: {outcomes:?}"
            );
            assert!(outcomes.contains(&Err(AccessRefusal::LastAdmin)));
        }
    })
    .await;
}

#[tokio::test]
async fn audit_log_filters_by_action_user_and_date_and_pages_by_key() {
    on_each_backend(|app| async move {
        let db = app.db();
        let merchant = db.memberships_of(1).await.unwrap()[0].merchant_id;
        let now = kassa_web::now_ms();
        for n in 0..60 {
            let subject = format!("person{n}@example.com");
            let event = AuditEvent {
                merchant_id: Some(merchant),
                actor: "admin@demo.kassa.test",
                subject: &subject,
                ip: "192.0.2.7",
                after: Some(format!("{{\"n\":{n}}}")),
                ..AuditEvent::of(AuditAction::UserInvited)
            };
            db.record_audit(&event, now - 1000 + n).await.unwrap();
        }
        // An event of another merchant never shows.
        let other = AuditEvent {
            merchant_id: None,
            actor: "stranger@other.example",
            subject: "secret@other.example",
            ..AuditEvent::of(AuditAction::UserInvited)
        };
        db.record_audit(&other, now).await.unwrap();

        let admin = app.signed_in("admin@demo.kassa.test").await;
        let (status, page1) = admin.page("/portal/users/audit?action=user_invited").await;
        assert_eq!(status, 200);
        assert_eq!(page1.matches("<tr>").count() - 1, 50, "one page of 50 rows");
        assert!(page1.contains("person59@example.com") && !page1.contains("person9@"));
        assert!(!page1.contains("secret@other.example"));
        assert!(page1.contains("192.0.2.7"));
        let older = page1
            .split("href=\"")
            .find(|s| s.contains("\" rel=\"next\""))
            .expect("a link to older events")
            .split('"')
            .next()
            .unwrap()
            .replace("&#38;", "&")
            .replace("&amp;", "&");
        assert!(
            older.starts_with("/portal/users/audit?action=user_invited&before="),
            "{older}"
        );
        let (_, page2) = admin.page(&older).await;
        assert_eq!(page2.matches("<tr>").count() - 1, 10);
        assert!(page2.contains("person0@example.com") && !page2.contains("person59@"));
        assert!(!page2.contains("rel=\"next\""), "no further page");

        // By user: what was done to or by them.
        let (_, by_user) = admin.page("/portal/users/audit?user=person7%40example.com").await;
        assert_eq!(by_user.matches("<tr>").count() - 1, 1);
        // By date: nothing before the seeding day.
        let (_, old) = admin.page("/portal/users/audit?from=2001-01-01&to=2001-01-31").await;
        assert!(old.contains("No events match."));
        let (_, bad) = admin.page("/portal/users/audit?from=01%2F01%2F2001").await;
        assert!(bad.contains("YYYY-MM-DD"));
        // Sign-ins are there too, with where from.
        let (_, sign_ins) = admin.page("/portal/users/audit?action=sign_in").await;
        assert!(sign_ins.contains("admin@demo.kassa.test") && sign_ins.contains("127.0.0.1"));
    })
    .await;
}

/// Olga, the only admin of "Other AB" (store M200001), who is also a User in the demo
/// merchant's playground store. Returns her email and id.
async fn shared_user(app: &TestApp) -> (String, i64) {
    let email = app.seed_other_merchant().await;
    let id = user_id(app.db(), &email).await;
    app.db()
        .set_membership(id, "M100001", "user", kassa_web::now_ms())
        .await
        .unwrap();
    (email, id)
}

/// Switches a signed-in client to `store`; returns the answer's status.
async fn switch_store(c: &Client, store: &str) -> u16 {
    c.page("/portal/account").await;
    c.post_form("/portal/store", &[("store", store)])
        .await
        .status()
        .as_u16()
}

#[tokio::test]
async fn deactivation_at_one_merchant_leaves_the_users_other_merchant_alone() {
    on_each_backend(|app| async move {
        let (olga, id) = shared_user(&app).await;
        let in_demo = app.signed_in(&olga).await;
        assert_eq!(switch_store(&in_demo, "M100001").await, 303);
        let in_other = app.signed_in(&olga).await;
        assert_eq!(switch_store(&in_other, "M200001").await, 303);

        let admin = app.signed_in("admin@demo.kassa.test").await;
        admin.page(&format!("/portal/users/{id}")).await;
        let res = admin.post_form(&format!("/portal/users/{id}/deactivate"), &[]).await;
        assert_eq!(location(&res), format!("/portal/users/{id}?done=deactivated"));
        let (_, page) = admin.page(&format!("/portal/users/{id}")).await;
        assert!(page.contains("id=\"user-status\">Deactivated<"));

        // Her session in the demo store ended; the one at her own merchant goes on.
        assert_eq!(in_demo.get("/portal").await.status(), 303, "demo session ended");
        let (status, home) = in_other.page("/portal").await;
        assert_eq!(status, 200, "Other AB session goes on");
        assert!(home.contains("Other AB"));
        // She still runs Other AB: signs in, lands there, manages its team.
        let c = app.client();
        assert_eq!(c.sign_in(&olga, DEMO_PASSWORD).await.status(), 303);
        let (_, home) = c.page("/portal").await;
        assert!(home.contains("Other AB"));
        assert_eq!(c.get("/portal/users").await.status(), 200, "still Other AB's admin");
        assert_eq!(switch_store(&c, "M100001").await, 404, "no longer in the demo store");

        // Reactivated at the demo merchant, the demo store is hers again.
        admin.page(&format!("/portal/users/{id}")).await;
        let res = admin.post_form(&format!("/portal/users/{id}/reactivate"), &[]).await;
        assert_eq!(location(&res), format!("/portal/users/{id}?done=reactivated"));
        assert_eq!(switch_store(&c, "M100001").await, 303);
    })
    .await;
}

#[tokio::test]
async fn an_admin_changes_nothing_of_a_shared_user_at_another_merchant() {
    on_each_backend(|app| async move {
        let (olga, id) = shared_user(&app).await;
        let admin = app.signed_in("admin@demo.kassa.test").await;
        let detail = format!("/portal/users/{id}");
        let (_, page) = admin.page(&detail).await;
        assert!(
            !page.contains("M200001"),
            "the other merchant's store is not even shown"
        );
        for fields in [
            vec![("role_M200001", "")],
            vec![("role_M100001", "user"), ("role_M200001", "read_only")],
        ] {
            admin.page(&detail).await;
            let res = admin.post_form(&format!("{detail}/access"), &fields).await;
            assert_eq!(res.status(), 404, "{fields:?}");
        }
        // An end date at the demo merchant ends her access there, and only there.
        app.db()
            .execute_trusted(&format!(
                "UPDATE memberships SET access_expires_at = 4102444800000 WHERE user_id = {id} AND store_id = 'M100001'"
            ))
            .await
            .unwrap();
        admin.page(&detail).await;
        let res = admin
            .post_form(
                &format!("{detail}/access"),
                &[("role_M100001", "user"), ("expires", "2020-01-31")],
            )
            .await;
        assert_eq!(location(&res), format!("{detail}?done=access"));
        let (_, page) = admin.page(&detail).await;
        assert!(page.contains("Access expired"));
        let stores = app.db().memberships_of(id).await.unwrap();
        let other = stores.iter().find(|m| m.store_id == "M200001").unwrap();
        assert_eq!(
            (other.role.code(), other.access_expires_at, other.deactivated_at),
            ("admin", None, None)
        );
        let account = app.db().user_by_id(id).await.unwrap().unwrap();
        assert_eq!((account.status.code(), account.access_expires_at), ("active", None));
        let c = app.client();
        assert_eq!(c.sign_in(&olga, DEMO_PASSWORD).await.status(), 303);
        assert!(c.page("/portal").await.1.contains("Other AB"));
        assert_eq!(switch_store(&c, "M100001").await, 404);
    })
    .await;
}

/// 200 changes at once: both admins of Other AB deactivate each other while the demo
/// merchant deactivates and reactivates Olga in its own store. Other AB keeps exactly one
/// active admin, and nothing the demo merchant does reaches it.
#[tokio::test]
async fn the_last_admin_rule_holds_per_merchant_under_200_concurrent_changes() {
    on_each_backend(|app| async move {
        let (_, olga) = shared_user(&app).await;
        let db = app.db().clone();
        let bert = db
            .create_user(
                &kassa_db::NewUser {
                    email: "bert@other.example",
                    name: "Bert Other",
                    password_hash: None,
                    language: "sv",
                    status: "active",
                    access_expires_at: None,
                },
                0,
            )
            .await
            .unwrap();
        db.set_membership(bert, "M200001", "super_admin", 0).await.unwrap();
        let demo = db.store("M100001").await.unwrap().unwrap().merchant_id;
        let other = db.store("M200001").await.unwrap().unwrap().merchant_id;
        let tasks: Vec<_> = (0..200)
            .map(|i| {
                let db = db.clone();
                let (merchant, target, deactivate) = match i % 4 {
                    0 => (other, olga, true),
                    1 => (other, bert, true),
                    2 => (demo, olga, true),
                    _ => (demo, olga, false),
                };
                tokio::spawn(async move {
                    let update = AccessUpdate {
                        deactivate: Some(deactivate),
                        ..Default::default()
                    };
                    let event = AuditEvent {
                        merchant_id: Some(merchant),
                        actor: "test",
                        ..AuditEvent::of(AuditAction::UserDeactivated)
                    };
                    let outcome = db
                        .change_access(merchant, target, &update, &event, kassa_web::now_ms())
                        .await
                        .unwrap();
                    (merchant, outcome)
                })
            })
            .collect();
        for task in tasks {
            let (merchant, outcome) = task.await.unwrap();
            if merchant == demo {
                assert_eq!(outcome, Ok(()), "the demo merchant keeps its own admins");
            } else {
                assert!(matches!(outcome, Ok(()) | Err(AccessRefusal::LastAdmin)));
            }
        }
        let deactivated_at_other = |id: i64| {
            let db = db.clone();
            async move {
                db.memberships_of(id)
                    .await
                    .unwrap()
                    .into_iter()
                    .find(|m| m.store_id == "M200001")
                    .unwrap()
                    .deactivated_at
                    .is_some()
            }
        };
        let off = [deactivated_at_other(olga).await, deactivated_at_other(bert).await];
        assert_eq!(off.iter().filter(|d| **d).count(), 1, "exactly one admin left: {off:?}");
    })
    .await;
}

#[tokio::test]
async fn inviting_an_address_with_an_account_elsewhere_looks_like_any_invitation() {
    on_each_backend(|app| async move {
        let olga = app.seed_other_merchant().await;
        let admin = app.signed_in("admin@demo.kassa.test").await;
        // The same answer for a brand-new address and one with an account at Other AB.
        invite(&app, &admin, "fresh@example.com", "user").await;
        let link = invite(&app, &admin, &olga, "user").await;
        let id = user_id(app.db(), &olga).await;
        let (_, page) = admin.page(&format!("/portal/users/{id}")).await;
        assert!(page.contains("id=\"user-status\">Invited<"));
        assert!(
            !page.contains("Olga Other"),
            "nothing of the account shows before she accepts"
        );
        let (_, list) = admin.page("/portal/users").await;
        assert!(!list.contains("Olga Other"));

        // Until she accepts, the demo store is not hers.
        let c = app.signed_in(&olga).await;
        assert!(c.page("/portal").await.1.contains("Other AB"));
        assert_eq!(switch_store(&c, "M100001").await, 404);
        let mail = app.mails().into_iter().rev().find(|m| m.to == olga).unwrap();
        assert!(mail.text.contains("existing Kassa account"), "{}", mail.text);

        let v = app.client();
        let (status, page) = v.page(&link).await;
        assert_eq!(status, 200);
        assert!(page.contains("Accept the invitation") && page.contains("Demo Shop AB"));
        let res = v.post_form(&link, &[]).await;
        assert!(
            location(&res).contains("notice=invitation_accepted"),
            "{}",
            location(&res)
        );
        assert_eq!(v.page(&link).await.0, 410, "the link works once");

        // Now she is in the demo store too, with her own password, and the admin sees her.
        assert_eq!(switch_store(&c, "M100001").await, 303);
        assert_eq!(app.client().sign_in(&olga, DEMO_PASSWORD).await.status(), 303);
        let (_, page) = admin.page(&format!("/portal/users/{id}")).await;
        assert!(page.contains("Olga Other") && page.contains("id=\"user-status\">Active<"));
        // Other AB's standing of hers never changed.
        let other = app.db().memberships_of(id).await.unwrap();
        assert!(other
            .iter()
            .all(|m| m.status.code() == "active" && m.deactivated_at.is_none()));
    })
    .await;
}
