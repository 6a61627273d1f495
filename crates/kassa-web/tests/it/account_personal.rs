//! Personal details over HTTP on both databases: E.164 phone numbers, the email change
//! confirmed from the new address (the old one told and able to cancel), the browser's
//! timezone at first sign-in, and the member's sessions, each of which they can end.

use crate::support::*;
use kassa_core::audit::AuditAction;
use std::sync::Arc;

const USER: &str = "user@demo.kassa.test";
const FIREFOX_LINUX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
const SAFARI_IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
const EDGE_WINDOWS: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0";

/// Signs in as `email` from a browser that says `user_agent` and offers `timezone` (the
/// cookie app.js sets), as a browser would: the sign-in page first, then the form.
async fn sign_in_from(app: &TestApp, email: &str, user_agent: &str, timezone: Option<&str>) -> (Client, u16) {
    let c = app.client();
    c.page("/portal/sign-in").await;
    let csrf = c.csrf();
    let mut cookie = format!("kassa_csrf={csrf}");
    if let Some(tz) = timezone {
        cookie.push_str(&format!("; kassa_tz={tz}"));
    }
    let res = c
        .http()
        .post(format!("{}/portal/sign-in", c.base))
        .header("origin", &c.base)
        .header("user-agent", user_agent)
        .header("cookie", cookie)
        .form(&[("csrf", csrf.as_str()), ("email", email), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (c, status)
}

async fn user(app: &TestApp, email: &str) -> Option<kassa_db::UserRow> {
    app.db().user_by_email(email).await.unwrap()
}

async fn audited(app: &TestApp, action: AuditAction) -> usize {
    app.db().audit_events(Some(action), 500).await.unwrap().len()
}

#[tokio::test]
async fn phone_numbers_are_e164_or_empty_and_a_refusal_changes_nothing() {
    on_each_backend(|app| async move {
        let c = app.signed_in(USER).await;
        let before = user(&app, USER).await.unwrap();
        let refused = [
            "46812345678",              // no country code sign
            "+0 8 123 456 78",          // country codes do not start with 0
            "+46 812",                  // too short
            "+46 8 123 456 789 012 34", // too long (18 digits)
            "+46 8 123 abc",
            "0046",
            "++46 8 123 456 78",
            "tel:+46812345678",
            "+46 8 123 456 78 ext. 9",
        ];
        for bad in refused {
            c.page("/portal/account").await;
            let res = c
                .post_form(
                    "/portal/account/profile",
                    &[
                        ("name", "Someone Else"),
                        ("phone", bad),
                        ("timezone", "Europe/Helsinki"),
                    ],
                )
                .await;
            assert_eq!(res.status(), 422, "{bad:?}");
            let page = res.text().await.unwrap();
            assert!(page.contains("in international form with the country code"), "{bad:?}");
            let now = user(&app, USER).await.unwrap();
            assert_eq!(
                (now.name, now.phone, now.timezone),
                (before.name.clone(), before.phone.clone(), before.timezone.clone()),
                "{bad:?} changed the profile"
            );
        }
        let accepted = [
            ("+46 8 123 456 78", "+46812345678"),
            ("0046 (8) 123-456-78", "+46812345678"),
            ("+1 415.555.2671", "+14155552671"),
            ("  +358 9 1234567 ", "+35891234567"),
            ("", ""),
        ];
        for (entered, stored) in accepted {
            c.page("/portal/account").await;
            let res = c
                .post_form(
                    "/portal/account/profile",
                    &[
                        ("name", "Ulla User"),
                        ("phone", entered),
                        ("timezone", "Europe/Helsinki"),
                    ],
                )
                .await;
            assert_eq!(location(&res), "/portal/account?saved=profile", "{entered:?}");
            let now = user(&app, USER).await.unwrap();
            assert_eq!(now.phone, stored, "{entered:?}");
            assert_eq!(now.timezone, "Europe/Helsinki");
        }
        // Not an IANA zone: refused the same way.
        c.page("/portal/account").await;
        let res = c
            .post_form(
                "/portal/account/profile",
                &[("name", "Ulla User"), ("phone", ""), ("timezone", "UTC+02:00")],
            )
            .await;
        assert_eq!(res.status(), 422);
        assert_eq!(user(&app, USER).await.unwrap().timezone, "Europe/Helsinki");
    })
    .await;
}

#[tokio::test]
async fn an_email_change_applies_once_from_the_new_address_and_the_old_one_is_told() {
    on_each_backend(|app| async move {
        let id = user(&app, USER).await.unwrap().id;
        let elsewhere = app.signed_in(USER).await;
        let c = app.signed_in(USER).await;

        // Refusals: wrong password, not an address, the current address. No mail.
        for (new_email, password, says) in [
            ("new.address@example.com", "not my password", "current password"),
            ("not an address", DEMO_PASSWORD, "valid email address"),
            ("USER@demo.kassa.test", DEMO_PASSWORD, "valid email address"),
        ] {
            c.page("/portal/account").await;
            let res = c
                .post_form(
                    "/portal/account/email",
                    &[("new_email", new_email), ("current_password", password)],
                )
                .await;
            assert_eq!(res.status(), 422, "{new_email}");
            assert!(res.text().await.unwrap().contains(says), "{new_email}");
        }
        assert!(app.mails().is_empty());

        c.page("/portal/account").await;
        let res = c
            .post_form(
                "/portal/account/email",
                &[
                    ("new_email", " New.Address@Example.com "),
                    ("current_password", DEMO_PASSWORD),
                ],
            )
            .await;
        assert_eq!(location(&res), "/portal/account?saved=email");
        let (_, page) = c.page("/portal/account?saved=email").await;
        assert!(page.contains("a confirmation link is on its way"));
        assert!(page.contains("A change to new.address@example.com is waiting for confirmation"));
        let mails = app.mails();
        assert_eq!(mails.len(), 2, "one to the new address, one to the old");
        let told = mails.iter().find(|m| m.to == USER).expect("the old address is told");
        assert_eq!(told.subject, "Your Kassa email address is being changed");
        assert!(told
            .text
            .contains("from user@demo.kassa.test to new.address@example.com"));
        assert!(told.links[0].contains("/portal/account/email/cancel/"));
        assert!(told.links[1].ends_with("/portal/password-reset"));
        let confirm = mails.iter().find(|m| m.to == "new.address@example.com").unwrap();
        assert_eq!(confirm.subject, "Confirm your new email address for Kassa");
        assert_eq!(confirm.links.len(), 1);
        assert_eq!(audited(&app, AuditAction::EmailChangeRequested).await, 1);

        // Nothing changes until the link is opened, and opening it only shows a page.
        let link = app.last_link_to("new.address@example.com");
        assert!(user(&app, "new.address@example.com").await.is_none());
        let (status, page) = c.page(&link).await;
        assert_eq!(status, 200);
        assert!(page.contains("Use new.address@example.com as the email address"));
        assert!(user(&app, "new.address@example.com").await.is_none());

        let res = c.post_form(&link, &[]).await;
        assert_eq!(location(&res), "/portal/account?saved=email_changed");
        let changed = user(&app, "new.address@example.com").await.expect("changed");
        assert_eq!(changed.id, id, "the same account, with its new address");
        assert!(user(&app, USER).await.is_none());
        assert_eq!(audited(&app, AuditAction::EmailChanged).await, 1);
        // This browser stays signed in; every other session of the user has ended.
        let (status, page) = c.page("/portal/account?saved=email_changed").await;
        assert_eq!(status, 200);
        assert!(page.contains("new.address@example.com"));
        let res = elsewhere.get("/portal").await;
        assert_eq!(res.status(), 303);
        assert!(location(&res).starts_with("/portal/sign-in"));

        // The link works once.
        assert_eq!(c.post_form(&link, &[]).await.status(), 410);
        assert_eq!(c.page(&link).await.0, 410);
        // The old address no longer signs in; the new one does.
        assert_eq!(app.client().sign_in(USER, DEMO_PASSWORD).await.status(), 401);
        assert_eq!(
            app.client()
                .sign_in("new.address@example.com", DEMO_PASSWORD)
                .await
                .status(),
            303
        );
    })
    .await;
}

#[tokio::test]
async fn expired_cancelled_and_taken_email_changes_change_nothing() {
    on_each_backend(|app| async move {
        let c = app.signed_in(USER).await;
        let ask = |new_email: &'static str| {
            let c = &c;
            async move {
                c.page("/portal/account").await;
                let res = c
                    .post_form(
                        "/portal/account/email",
                        &[("new_email", new_email), ("current_password", DEMO_PASSWORD)],
                    )
                    .await;
                assert_eq!(location(&res), "/portal/account?saved=email", "{new_email}");
            }
        };

        // Expired: refused on the page and on the button.
        ask("late@example.com").await;
        let late = app.last_link_to("late@example.com");
        app.db()
            .execute_trusted("UPDATE email_changes SET expires_at = expires_at - 86400001")
            .await
            .unwrap();
        assert_eq!(c.page(&late).await.0, 410);
        assert_eq!(c.post_form(&late, &[]).await.status(), 410);
        assert!(user(&app, "late@example.com").await.is_none());

        // Cancelled from the old address: the link to the new one stops working.
        ask("cancelled@example.com").await;
        let confirm = app.last_link_to("cancelled@example.com");
        let told = app.mails().into_iter().rev().find(|m| m.to == USER).unwrap();
        let cancel = told.links[0].strip_prefix(&app.url).unwrap().to_owned();
        let visitor = app.client();
        let (status, page) = visitor.page(&cancel).await;
        assert_eq!(status, 200);
        assert!(page.contains("cancel the change to cancelled@example.com"));
        let res = visitor.post_form(&cancel, &[]).await;
        assert_eq!(res.status(), 200);
        assert!(res.text().await.unwrap().contains("The change has been cancelled"));
        assert_eq!(visitor.post_form(&cancel, &[]).await.status(), 410, "cancels once");
        assert_eq!(visitor.page(&confirm).await.0, 410);
        assert_eq!(visitor.post_form(&confirm, &[]).await.status(), 410);
        assert!(user(&app, "cancelled@example.com").await.is_none());
        assert_eq!(audited(&app, AuditAction::EmailChangeCancelled).await, 1);

        // A newer request retires the older link.
        ask("first@example.com").await;
        let first = app.last_link_to("first@example.com");
        ask("second@example.com").await;
        assert_eq!(visitor.post_form(&first, &[]).await.status(), 410);

        // Another account's address: the same answer, no link; its owner hears someone tried.
        let mails = app.mails().len();
        ask("admin@demo.kassa.test").await;
        let sent = app.mails();
        assert_eq!(sent.len(), mails + 2);
        let owner = sent.iter().rev().find(|m| m.to == "admin@demo.kassa.test").unwrap();
        assert_eq!(owner.subject, "Someone tried to use your email address at Kassa");
        assert!(owner.links.is_empty(), "nothing that opens an account");
        assert!(sent[mails..]
            .iter()
            .all(|m| m.to != "admin@demo.kassa.test" || m.links.is_empty()));
        // The pending change to second@ stays; admin@ keeps its account.
        let (_, page) = c.page("/portal/account").await;
        assert!(page.contains("A change to second@example.com is waiting"));
        assert!(user(&app, "admin@demo.kassa.test").await.is_some());
        assert!(user(&app, USER).await.is_some());

        // Five requests an hour at most.
        let res = c
            .post_form(
                "/portal/account/email",
                &[("new_email", "sixth@example.com"), ("current_password", DEMO_PASSWORD)],
            )
            .await;
        assert_eq!(res.status(), 422);
        assert!(res.text().await.unwrap().contains("Too many email changes"));
    })
    .await;
}

/// Two hundred accounts that each hold a link to the same new address open them at once:
/// the unique address decides, exactly one account gets it, and the others are told it is
/// taken (no error, no second account with the address).
#[tokio::test]
async fn the_same_new_address_goes_to_one_account_under_200_concurrent_confirmations() {
    on_each_backend(|app| async move {
        use kassa_app::auth::password::{random_token, token_hash};
        let now = kassa_web::now_ms();
        let mut links = Vec::new();
        for n in 0..200 {
            let email = format!("racer{n}@example.com");
            let user_id = app
                .db()
                .create_user(
                    &kassa_db::NewUser {
                        email: &email,
                        name: "Racer",
                        password_hash: None,
                        language: "en",
                        status: "active",
                        access_expires_at: None,
                    },
                    now,
                )
                .await
                .unwrap();
            let token = random_token();
            let change = kassa_db::NewEmailChange {
                token_hash: &token_hash(&token),
                cancel_hash: &token_hash(&random_token()),
                user_id,
                old_email: &email,
                new_email: "wanted@example.com",
                expires_at: now + 3_600_000,
                taken: false,
            };
            let event = kassa_db::AuditEvent::of(AuditAction::EmailChangeRequested);
            app.db().create_email_change(&change, &event, now).await.unwrap();
            links.push(format!("/portal/account/email/confirm/{token}"));
        }
        let c = Arc::new(app.client());
        c.page("/portal/sign-in").await;
        let mut tasks = tokio::task::JoinSet::new();
        for link in links {
            let c = c.clone();
            tasks.spawn(async move { c.post_form(&link, &[]).await.status().as_u16() });
        }
        let mut statuses = Vec::new();
        while let Some(status) = tasks.join_next().await {
            statuses.push(status.unwrap());
        }
        let won = statuses.iter().filter(|s| **s == 303).count();
        let taken = statuses.iter().filter(|s| **s == 409).count();
        assert_eq!((won, taken), (1, 199), "{statuses:?}");
        let winner = user(&app, "wanted@example.com").await.expect("one account has it");
        assert!(winner.name == "Racer");
        assert_eq!(audited(&app, AuditAction::EmailChanged).await, 1);
        // Every link is used up: opening one again changes nothing.
        let (status, _) = c.page("/portal/account/email/confirm/0123").await;
        assert_eq!(status, 410);
    })
    .await;
}

#[tokio::test]
async fn the_browsers_timezone_is_taken_at_first_sign_in_only() {
    on_each_backend(|app| async move {
        app.seed_demo_user("new@demo.kassa.test", "user").await;
        app.seed_demo_user("odd@demo.kassa.test", "user").await;
        let (_, status) = sign_in_from(&app, "new@demo.kassa.test", FIREFOX_LINUX, Some("America/New_York")).await;
        assert_eq!(status, 303);
        assert_eq!(
            user(&app, "new@demo.kassa.test").await.unwrap().timezone,
            "America/New_York"
        );
        // Later sign-ins keep it, whatever the browser says.
        let (c, _) = sign_in_from(&app, "new@demo.kassa.test", FIREFOX_LINUX, Some("Asia/Tokyo")).await;
        assert_eq!(
            user(&app, "new@demo.kassa.test").await.unwrap().timezone,
            "America/New_York"
        );
        // Dates in the portal are in it: the last sign-in on the account page.
        let (_, page) = c.page("/portal/account").await;
        assert!(
            page.contains(" EST") || page.contains(" EDT"),
            "times in the user's zone"
        );

        // Not an IANA name: ignored, and the next real offer is still taken.
        let (_, status) = sign_in_from(&app, "odd@demo.kassa.test", FIREFOX_LINUX, Some("Mars/Olympus_Mons")).await;
        assert_eq!(status, 303);
        assert_eq!(
            user(&app, "odd@demo.kassa.test").await.unwrap().timezone,
            "Europe/Stockholm"
        );
        sign_in_from(&app, "odd@demo.kassa.test", FIREFOX_LINUX, Some("Europe/Helsinki")).await;
        assert_eq!(
            user(&app, "odd@demo.kassa.test").await.unwrap().timezone,
            "Europe/Helsinki"
        );

        // A member who chose a zone in the profile keeps it.
        c.page("/portal/account").await;
        let res = c
            .post_form(
                "/portal/account/profile",
                &[("name", "New"), ("phone", ""), ("timezone", "Europe/Oslo")],
            )
            .await;
        assert_eq!(res.status(), 303);
        sign_in_from(&app, "new@demo.kassa.test", FIREFOX_LINUX, Some("Asia/Tokyo")).await;
        assert_eq!(user(&app, "new@demo.kassa.test").await.unwrap().timezone, "Europe/Oslo");
    })
    .await;
}

/// The `session` field of the first sign-out form on the sessions page.
fn session_ids(page: &str) -> Vec<String> {
    page.match_indices("name=\"session\" value=\"")
        .map(|(i, m)| {
            let rest = &page[i + m.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

#[tokio::test]
async fn sessions_are_listed_with_device_and_address_and_can_be_signed_out_remotely() {
    on_each_backend(|app| async move {
        let (laptop, _) = sign_in_from(&app, USER, FIREFOX_LINUX, None).await;
        let (phone, _) = sign_in_from(&app, USER, SAFARI_IPHONE, None).await;
        let (admin, _) = sign_in_from(&app, "admin@demo.kassa.test", EDGE_WINDOWS, None).await;

        let (status, page) = laptop.page("/portal/account/sessions").await;
        assert_eq!(status, 200);
        assert!(page.contains("Firefox on Linux"));
        assert!(page.contains("Safari on iPhone"));
        assert!(page.contains("127.0.0.1"));
        assert!(page.contains("This device"));
        assert!(!page.contains("Edge on Windows"), "another person's session");
        let ids = session_ids(&page);
        assert_eq!(ids.len(), 1, "only the other session has a sign-out button");
        let phone_session = ids[0].clone();

        // Nobody else can end it, nor learn that it exists.
        admin.page("/portal/account/sessions").await;
        let res = admin
            .post_form(
                "/portal/account/sessions/sign-out",
                &[("session", phone_session.as_str())],
            )
            .await;
        assert_eq!(res.status(), 404);
        assert_eq!(phone.get("/portal").await.status(), 200);

        // Its owner can, and it takes effect at the phone's next request.
        laptop.page("/portal/account/sessions").await;
        let res = laptop
            .post_form(
                "/portal/account/sessions/sign-out",
                &[("session", phone_session.as_str())],
            )
            .await;
        assert_eq!(location(&res), "/portal/account/sessions?done=one");
        let res = phone.get("/portal/orders").await;
        assert_eq!(res.status(), 303);
        assert!(location(&res).starts_with("/portal/sign-in"));
        let (_, page) = laptop.page("/portal/account/sessions?done=one").await;
        assert!(page.contains("The session has been signed out."));
        assert!(!page.contains("Safari on iPhone"));
        assert_eq!(audited(&app, AuditAction::SessionSignedOut).await, 1);
        assert_eq!(admin.get("/portal").await.status(), 200, "other people's sessions stay");

        // Sign out all others: two more browsers, both ended; this one stays.
        let (second, _) = sign_in_from(&app, USER, SAFARI_IPHONE, None).await;
        let (third, _) = sign_in_from(&app, USER, EDGE_WINDOWS, None).await;
        let (_, page) = laptop.page("/portal/account/sessions").await;
        assert_eq!(session_ids(&page).len(), 2);
        let res = laptop.post_form("/portal/account/sessions/sign-out-others", &[]).await;
        assert_eq!(location(&res), "/portal/account/sessions?done=others");
        for other in [&second, &third] {
            let res = other.get("/portal").await;
            assert_eq!(res.status(), 303);
            assert!(location(&res).starts_with("/portal/sign-in"));
        }
        let (status, page) = laptop.page("/portal/account/sessions?done=others").await;
        assert_eq!(status, 200);
        assert!(page.contains("All other sessions have been signed out."));
        assert!(page.contains("You are signed in nowhere else."));
        assert!(session_ids(&page).is_empty());
        assert_eq!(audited(&app, AuditAction::OtherSessionsSignedOut).await, 1);
        assert_eq!(admin.get("/portal").await.status(), 200);
    })
    .await;
}
