//! Notifications (issue 15 item 4): defaults by role, choices, each event kind on Home and by
//! email as chosen, the unsubscribe link that needs no sign-in, the bell, and the daily
//! digest run once however many runners take it up.

use crate::support::*;
use kassa_app::notifications::{self, Event, NotificationMailer};
use kassa_core::access::Role;
use kassa_core::notification::{Channel, Kind};
use kassa_db::{Db, JobRow, NotificationRow, NotifyRecipient};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const STORE: &str = "M100001";
const DAY_MS: i64 = 24 * 3600 * 1000;

/// SPEC's roles in order: Super Admin, Admin, User, Settlement, Disputes, Read Only,
/// Terminated, External. Per kind: whom it shows to on Home, and whom it emails, unless
/// they chose otherwise. Written out by hand, so a changed default shows up here.
const DEFAULTS: &[(&str, [bool; 8], [bool; 8])] = &[
    (
        "authorizations_expiring",
        [true, true, true, true, true, true, true, true],
        [true, true, true, false, false, false, false, true],
    ),
    (
        "dispute_opened",
        [true, true, false, false, true, false, true, false],
        [true, true, false, false, true, false, true, false],
    ),
    (
        "dispute_deadline",
        [true, true, false, false, true, false, true, false],
        [true, true, false, false, true, false, true, false],
    ),
    (
        "dispute_outcome",
        [true, true, false, false, true, false, true, false],
        [true, true, false, false, true, false, true, false],
    ),
    (
        "payout_paid",
        [true, true, false, true, false, false, true, true],
        [true, false, false, true, false, false, false, false],
    ),
    (
        "report_ready",
        [true, true, false, true, false, false, true, true],
        [true, true, false, true, false, false, true, true],
    ),
    (
        "api_key_disabled",
        [true, true, false, false, false, false, false, false],
        [true, true, false, false, false, false, false, false],
    ),
    (
        "webhook_disabled",
        [true, true, false, false, false, false, false, false],
        [true, true, false, false, false, false, false, false],
    ),
    (
        "new_sign_in",
        [true, true, true, true, true, true, true, true],
        [true, true, true, true, true, true, true, true],
    ),
];

fn email_of(role: Role) -> String {
    kassa_web::demo::demo_users()
        .into_iter()
        .find(|(_, r)| *r == role)
        .unwrap()
        .0
}

/// The settings page's boxes: kind → (home ticked, email ticked); kinds not offered are absent.
fn boxes(body: &str) -> BTreeMap<String, (bool, bool)> {
    let mut out = BTreeMap::new();
    for kind in Kind::ALL {
        let code = kind.code();
        let ticked = |channel: &str| {
            let id = format!("id=\"pref-{code}-{channel}\"");
            body.find(&id).map(|at| {
                let tag_end = body[at..].find('>').unwrap() + at;
                body[at..tag_end].contains("checked")
            })
        };
        if let (Some(home), Some(email)) = (ticked("home"), ticked("email")) {
            out.insert(code.to_owned(), (home, email));
        }
    }
    out
}

#[tokio::test]
async fn defaults_follow_the_role_and_only_what_it_may_see_is_offered() {
    on_each_backend(|app| async move {
        for (column, role) in Role::ALL.into_iter().enumerate() {
            let c = app.signed_in(&email_of(role)).await;
            let (status, body) = c.page("/portal/account/notifications").await;
            assert_eq!(status, 200, "{role}");
            assert!(
                body.contains("href=\"/portal/account/notifications\" aria-current=\"page\""),
                "{role}: the tab"
            );
            let shown = boxes(&body);
            for (kind, home, email) in DEFAULTS {
                let expected = (home[column], email[column]);
                match shown.get(*kind) {
                    Some(got) => assert_eq!(*got, expected, "{role} {kind}"),
                    None => assert_eq!(expected, (false, false), "{role} {kind}: offered"),
                }
            }
        }
        assert!(
            app.db().notification_prefs(1).await.unwrap().is_empty(),
            "nothing stored by looking"
        );
    })
    .await;
}

#[tokio::test]
async fn a_choice_is_kept_and_only_what_differs_from_the_default_is_stored() {
    on_each_backend(|app| async move {
        let c = app.signed_in("settlement@demo.kassa.test").await;
        c.page("/portal/account/notifications").await;
        // Payouts: Home off, email stays on; reports: email off; a new sign-in: both stay on.
        let res = c
            .post_form(
                "/portal/account/notifications",
                &[
                    ("payout_paid", "email"),
                    ("report_ready", "home"),
                    ("authorizations_expiring", "home"),
                    ("new_sign_in", "home"),
                    ("new_sign_in", "email"),
                    // A kind the role may not see is ignored.
                    ("dispute_opened", "email"),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/portal/account/notifications?done=saved");
        let (_, body) = c.page("/portal/account/notifications?done=saved").await;
        assert!(body.contains("Notification settings saved."));
        let shown = boxes(&body);
        assert_eq!(shown["payout_paid"], (false, true));
        assert_eq!(shown["report_ready"], (true, false));
        assert!(!shown.contains_key("dispute_opened"));
        let user = app
            .db()
            .user_by_email("settlement@demo.kassa.test")
            .await
            .unwrap()
            .unwrap()
            .id;
        let mut stored: Vec<(String, Kind, Channel, bool)> = app
            .db()
            .notification_prefs(user)
            .await
            .unwrap()
            .into_iter()
            .map(|p| (p.store_id, p.kind, p.channel, p.enabled))
            .collect();
        stored.sort_by_key(|p| (p.1.code(), p.2.code()));
        assert_eq!(
            stored,
            vec![
                (STORE.to_owned(), Kind::PayoutPaid, Channel::Home, false),
                (STORE.to_owned(), Kind::ReportReady, Channel::Email, false),
            ]
        );
        // Back to the defaults: nothing stored.
        let all_default = [
            ("payout_paid", "home"),
            ("payout_paid", "email"),
            ("report_ready", "home"),
            ("report_ready", "email"),
            ("authorizations_expiring", "home"),
            ("new_sign_in", "home"),
            ("new_sign_in", "email"),
        ];
        c.post_form("/portal/account/notifications", &all_default).await;
        assert!(app.db().notification_prefs(user).await.unwrap().is_empty());
    })
    .await;
}

/// Waits (up to 10 s) until `pick` holds for the app's notifications of `email`.
async fn items_of(app: &TestApp, email: &str, pick: impl Fn(&NotificationRow) -> bool) -> Vec<NotificationRow> {
    let user = app.db().user_by_email(email).await.unwrap().unwrap().id;
    for _ in 0..200 {
        let rows: Vec<_> = app
            .db()
            .home_notifications(user, STORE, false, 500)
            .await
            .unwrap()
            .into_iter()
            .filter(|n| pick(n))
            .collect();
        if !rows.is_empty() {
            // One tick more, so a job telling several people has finished.
            tokio::time::sleep(Duration::from_millis(150)).await;
            return app
                .db()
                .home_notifications(user, STORE, false, 500)
                .await
                .unwrap()
                .into_iter()
                .filter(|n| pick(n))
                .collect();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Vec::new()
}

/// The notification of `kind` each demo user has on Home, by email, once the worker has
/// stored them.
async fn told(app: &TestApp, kind: Kind, expect_someone: &str) -> BTreeMap<String, NotificationRow> {
    items_of(app, expect_someone, |n| n.kind == kind).await;
    let mut out = BTreeMap::new();
    for (email, _) in kassa_web::demo::demo_users() {
        let user = app.db().user_by_email(&email).await.unwrap().unwrap().id;
        for n in app.db().home_notifications(user, STORE, false, 500).await.unwrap() {
            if n.kind == kind {
                out.insert(email.clone(), n);
            }
        }
    }
    out
}

fn mails_about<'a>(
    mails: &'a [kassa_web::mail::OutboxMessage],
    to: &str,
    needle: &str,
) -> Vec<&'a kassa_web::mail::OutboxMessage> {
    mails
        .iter()
        .filter(|m| m.to == to && (m.subject.contains(needle) || m.text.contains(needle)))
        .collect()
}

async fn wait_for_mail(app: &TestApp, to: &str, needle: &str) -> kassa_web::mail::OutboxMessage {
    for _ in 0..200 {
        if let Some(m) = mails_about(&app.mails(), to, needle).first() {
            return (*m).clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "no mail to {to} about {needle}: {:?}",
        app.mails().iter().map(|m| (&m.to, &m.subject)).collect::<Vec<_>>()
    );
}

/// A payout of the demo store (a captured order, paid out now); its payment reference.
async fn payout(app: &TestApp) -> String {
    let api = app.api(STORE).await;
    let order = api.authorized_order(&sample_order()).await;
    assert_eq!(api.capture(&order, 60000, None).await.status(), 201);
    app.payout_now(STORE).await.remove(0).payment_reference
}

#[tokio::test]
async fn a_payout_tells_each_role_as_its_defaults_say_and_the_unsubscribe_link_needs_no_sign_in() {
    on_each_backend(|app| async move {
        let reference = payout(&app).await;
        // The notice was queued in the payout's own commit, so no crash can come between.
        assert!(
            app.db()
                .job(notifications::NOTIFY, &format!("payout_paid:{STORE}:{reference}"))
                .await
                .unwrap()
                .is_some(),
            "the payout's notice is queued with it"
        );
        let told = told(&app, Kind::PayoutPaid, "settlement@demo.kassa.test").await;
        let mut who: Vec<&str> = told.keys().map(String::as_str).collect();
        who.sort();
        assert_eq!(
            who,
            [
                "admin@demo.kassa.test",
                "external@demo.kassa.test",
                "settlement@demo.kassa.test",
                "superadmin@demo.kassa.test",
                "terminated@demo.kassa.test"
            ],
            "on Home for the roles that see settlements"
        );
        assert!(told.values().all(|n| n.subject == reference));
        // Email to the Settlement role and the Super Admin only, in their language, with the
        // one-click unsubscribe header.
        let mail = wait_for_mail(&app, "settlement@demo.kassa.test", &reference).await;
        wait_for_mail(&app, "superadmin@demo.kassa.test", &reference).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let mails = app.mails();
        assert!(
            mails_about(&mails, "admin@demo.kassa.test", &reference).is_empty(),
            "admins: Home only"
        );
        assert_eq!(mails_about(&mails, "settlement@demo.kassa.test", &reference).len(), 1);
        assert!(
            mail.subject.starts_with(&format!("Payout {reference} paid")),
            "{}",
            mail.subject
        );
        let unsubscribe = mail.list_unsubscribe.clone().expect("List-Unsubscribe");
        assert!(mail.links.contains(&unsubscribe) && mail.text.contains(&unsubscribe));
        let path = unsubscribe.strip_prefix(&app.url).unwrap().to_owned();
        assert!(path.starts_with("/unsubscribe/"));

        // Not signed in: a confirmation page, then the one-click POST a mail client sends
        // (no cookie, no Origin, no CSRF token).
        let stranger = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let page = stranger.get(format!("{}{path}", app.url)).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let body = page.text().await.unwrap();
        assert!(
            body.contains("Stop emails to settlement@demo.kassa.test about “Payout paid” in store M100001?"),
            "{body}"
        );
        let user = app
            .db()
            .user_by_email("settlement@demo.kassa.test")
            .await
            .unwrap()
            .unwrap()
            .id;
        assert!(
            app.db().notification_prefs(user).await.unwrap().is_empty(),
            "a GET changes nothing"
        );

        // A tampered token is refused, whichever part is changed.
        let token = path.strip_prefix("/unsubscribe/").unwrap();
        let mut last = token.to_owned();
        let flipped = if last.ends_with('0') { '1' } else { '0' };
        last.pop();
        last.push(flipped);
        let other_user = token.replacen(&user.to_string(), "1", 1);
        let other_kind = token.replace("payout_paid", "report_ready");
        for bad in [last, other_user, other_kind, "1.M100001.payout_paid.00".to_owned()] {
            let res = stranger
                .post(format!("{}/unsubscribe/{bad}", app.url))
                .form(&[("List-Unsubscribe", "One-Click")])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 404, "{bad}");
            let res = stranger
                .get(format!("{}/unsubscribe/{bad}", app.url))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 404, "{bad}");
        }
        assert!(app.db().notification_prefs(user).await.unwrap().is_empty());

        let res = stranger
            .post(format!("{}{path}", app.url))
            .form(&[("List-Unsubscribe", "One-Click")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert!(res
            .text()
            .await
            .unwrap()
            .contains("gets no more emails about “Payout paid”"));
        let prefs = app.db().notification_prefs(user).await.unwrap();
        assert_eq!(prefs.len(), 1);
        assert_eq!(
            (
                prefs[0].store_id.as_str(),
                prefs[0].kind,
                prefs[0].channel,
                prefs[0].enabled
            ),
            (STORE, Kind::PayoutPaid, Channel::Email, false)
        );

        // The next payout: still on Home, no email.
        let next = payout(&app).await;
        let items = items_of(&app, "settlement@demo.kassa.test", |n| n.subject == next).await;
        assert_eq!(items.len(), 1);
        assert!(!items[0].email_wanted);
        wait_for_mail(&app, "superadmin@demo.kassa.test", &next).await;
        assert!(mails_about(&app.mails(), "settlement@demo.kassa.test", &next).is_empty());
    })
    .await;
}

#[tokio::test]
async fn disputes_reports_keys_and_sign_ins_notify_the_right_people() {
    on_each_backend(|app| async move {
        // A dispute handler who turned the opening email off still sees it on Home.
        let c = app.signed_in("disputes@demo.kassa.test").await;
        c.page("/portal/account/notifications").await;
        let fields = [
            ("dispute_opened", "home"),
            ("dispute_deadline", "home"),
            ("dispute_deadline", "email"),
            ("dispute_outcome", "home"),
            ("dispute_outcome", "email"),
            ("authorizations_expiring", "home"),
            ("new_sign_in", "home"),
            ("new_sign_in", "email"),
        ];
        assert_eq!(c.post_form("/portal/account/notifications", &fields).await.status(), 303);
        let order = crate::disputes_pages::captured_order(&app, 10_000, "REF-NOTIFY").await;
        let dispute = crate::disputes_pages::open(&app, &order, kassa_core::dispute::Reason::GoodsNotReceived, false)
            .await
            .id;
        let opened = told(&app, Kind::DisputeOpened, "admin@demo.kassa.test").await;
        let mut who: Vec<&str> = opened.keys().map(String::as_str).collect();
        who.sort();
        assert_eq!(
            who,
            [
                "admin@demo.kassa.test",
                "disputes@demo.kassa.test",
                "superadmin@demo.kassa.test",
                "terminated@demo.kassa.test"
            ]
        );
        assert!(!opened["disputes@demo.kassa.test"].email_wanted);
        let admin_mail = wait_for_mail(&app, "admin@demo.kassa.test", &dispute).await;
        assert!(admin_mail.list_unsubscribe.is_some(), "the dispute emails carry the header too");
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(mails_about(&app.mails(), "disputes@demo.kassa.test", &dispute).is_empty());
        assert_eq!(
            mails_about(&app.mails(), "admin@demo.kassa.test", &dispute).len(),
            1,
            "one email per event, not one from the old dispute notice as well"
        );

        // A custom report: only its requester is told.
        let report = app.ready_report("settlement@demo.kassa.test", "transactions", "csv").await;
        let ready = told(&app, Kind::ReportReady, "settlement@demo.kassa.test").await;
        assert_eq!(ready.keys().collect::<Vec<_>>(), ["settlement@demo.kassa.test"]);
        assert_eq!(ready["settlement@demo.kassa.test"].subject, report.to_string());
        wait_for_mail(&app, "settlement@demo.kassa.test", "custom report").await;

        // An API key unused for 60 days: the store's administrators.
        let key = app.api(STORE).await.username;
        let later = kassa_web::now_ms() + 61 * DAY_MS;
        let disabled = kassa_app::api_keys::disable_idle_keys(app.db(), later).await.unwrap();
        assert!(disabled.contains(&key));
        let keys = told(&app, Kind::ApiKeyDisabled, "admin@demo.kassa.test").await;
        let mut who: Vec<&str> = keys.keys().map(String::as_str).collect();
        who.sort();
        assert_eq!(who, ["admin@demo.kassa.test", "superadmin@demo.kassa.test"]);
        wait_for_mail(&app, "superadmin@demo.kassa.test", &key).await;

        // A sign-in from a new device (another browser): the account's owner, once.
        let user = app.db().user_by_email("readonly@demo.kassa.test").await.unwrap().unwrap().id;
        app.signed_in("readonly@demo.kassa.test").await;
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1";
        for _ in 0..2 {
            sign_in_with(&app, "readonly@demo.kassa.test", iphone).await;
        }
        let mail = wait_for_mail(&app, "readonly@demo.kassa.test", "Safari on iOS").await;
        assert!(mail.text.contains("127.0.0.1"));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(mails_about(&app.mails(), "readonly@demo.kassa.test", "Safari on iOS").len(), 1);
        let signs: Vec<_> = app
            .db()
            .home_notifications(user, STORE, false, 50)
            .await
            .unwrap()
            .into_iter()
            .filter(|n| n.kind == Kind::NewSignIn)
            .collect();
        assert_eq!(signs.len(), 1, "a known device is not news");
        assert_eq!(signs[0].store_id, "", "about the account, in every store");
        // Its unsubscribe link names no store.
        let token = mail.list_unsubscribe.unwrap();
        assert!(token.contains(&format!("/unsubscribe/{user}..new_sign_in.")), "{token}");
    })
    .await;
}

/// Signs in through the form with a browser's User-Agent.
async fn sign_in_with(app: &TestApp, email: &str, user_agent: &str) {
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .user_agent(user_agent)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let body = http
        .get(format!("{}/portal/sign-in", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_in(&body).unwrap();
    let res = http
        .post(format!("{}/portal/sign-in", app.url))
        .header("origin", &app.url)
        .form(&[("csrf", csrf.as_str()), ("email", email), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
}

#[tokio::test]
async fn the_bell_counts_unread_notifications_and_lists_them_until_read() {
    on_each_backend(|app| async move {
        let c = app.signed_in("settlement@demo.kassa.test").await;
        let (_, body) = c.page("/portal").await;
        assert!(body.contains("aria-label=\"Notifications, 0 unread\""));
        assert!(!body.contains("id=\"bell-count\""));
        let first = payout(&app).await;
        let second = payout(&app).await;
        items_of(&app, "settlement@demo.kassa.test", |n| n.subject == second).await;
        let (_, body) = c.page("/portal").await;
        assert!(
            body.contains("id=\"bell-count\" aria-hidden=\"true\">2</span>"),
            "two unread"
        );
        assert!(body.contains("aria-label=\"Notifications, 2 unread\""));
        assert!(body.contains(&format!("Payout {first} paid")) && body.contains(&format!("Payout {second} paid")));
        assert!(body.contains("id=\"home-notifications\""), "Home lists them too");

        // The list page, then one marked read (following it leads to the payout).
        let (status, list) = c.page("/portal/notifications").await;
        assert_eq!(status, 200);
        assert_eq!(list.matches("class=\"notification-unread\"").count(), 2);
        let user = app
            .db()
            .user_by_email("settlement@demo.kassa.test")
            .await
            .unwrap()
            .unwrap()
            .id;
        let rows = app.db().home_notifications(user, STORE, true, 10).await.unwrap();
        let target = rows.iter().find(|n| n.subject == first).unwrap();
        let res = c
            .post_form(
                &format!("/portal/notifications/{}/read", target.id),
                &[("next", &format!("/portal/settlements/payouts/{first}"))],
            )
            .await;
        assert_eq!(location(&res), format!("/portal/settlements/payouts/{first}"));
        let (_, body) = c.page("/portal").await;
        assert!(body.contains("id=\"bell-count\" aria-hidden=\"true\">1</span>"));
        assert!(
            !body.contains(&format!("Payout {first} paid")),
            "read: gone from the bell and Home"
        );

        // Someone else's notification cannot be marked read.
        let admin = app.signed_in("admin@demo.kassa.test").await;
        admin.page("/portal").await;
        let other = rows.iter().find(|n| n.subject == second).unwrap();
        let res = admin
            .post_form(&format!("/portal/notifications/{}/read", other.id), &[])
            .await;
        assert_eq!(res.status(), 404);

        let res = c.post_form("/portal/notifications/read-all", &[]).await;
        assert_eq!(location(&res), "/portal/notifications?done=read");
        let (_, body) = c.page("/portal/notifications?done=read").await;
        assert!(body.contains("Marked as read."));
        assert_eq!(body.matches("class=\"notification-unread\"").count(), 0);
        assert_eq!(body.matches("data-notification=").count(), 2, "read ones stay listed");
        assert!(!body.contains("id=\"bell-count\""));
    })
    .await;
}

#[tokio::test]
async fn the_bell_counts_up_to_99_and_then_says_99_plus() {
    on_each_backend(|app| async move {
        let email = "settlement@demo.kassa.test";
        let user = app.db().user_by_email(email).await.unwrap().unwrap().id;
        let c = app.signed_in(email).await;
        let add = |from: usize, to: usize| {
            let app = &app;
            async move {
                for i in from..to {
                    let key = format!("bell-cap-{i}");
                    let n = kassa_db::NewNotification {
                        user_id: user,
                        store_id: STORE,
                        kind: Kind::ReportReady,
                        event_key: &key,
                        subject: &i.to_string(),
                        params: "{}",
                        on_home: true,
                        email_wanted: false,
                    };
                    assert!(app
                        .db()
                        .insert_notification(&n, 1_700_000_000_000 + i as i64)
                        .await
                        .unwrap());
                }
            }
        };
        // Three: fewer than the bell lists, so the list itself is the count.
        add(0, 3).await;
        let (_, body) = c.page("/portal").await;
        assert!(
            body.contains("id=\"bell-count\" aria-hidden=\"true\">3</span>"),
            "three"
        );
        // Seven: more than the bell lists, counted.
        add(3, 7).await;
        let (_, body) = c.page("/portal").await;
        assert!(
            body.contains("id=\"bell-count\" aria-hidden=\"true\">7</span>"),
            "seven"
        );
        assert!(body.contains("aria-label=\"Notifications, 7 unread\""));
        // 99 is still a number; from 100 on the count stops and reads 99+.
        add(7, 99).await;
        let (_, body) = c.page("/portal").await;
        assert!(
            body.contains("id=\"bell-count\" aria-hidden=\"true\">99</span>"),
            "ninety-nine"
        );
        add(99, 250).await;
        let (_, body) = c.page("/portal").await;
        assert!(
            body.contains("id=\"bell-count\" aria-hidden=\"true\">99+</span>"),
            "capped"
        );
        assert!(body.contains("aria-label=\"Notifications, 99+ unread\""));
        assert!(
            body.contains("<span class=\"badge badge-info\">99+</span>"),
            "Home's count too"
        );
        assert_eq!(
            app.db().unread_notifications(user, STORE, 1_000).await.unwrap(),
            250,
            "all are kept"
        );
        let res = c.post_form("/portal/notifications/read-all", &[]).await;
        assert_eq!(res.status(), 303);
        let (_, body) = c.page("/portal").await;
        assert!(!body.contains("id=\"bell-count\""));
    })
    .await;
}

/// Counts the emails it is asked to send, per address.
#[derive(Default)]
struct CountingMailer {
    sent: Mutex<Vec<String>>,
}

impl NotificationMailer for CountingMailer {
    fn send<'a>(
        &'a self,
        _db: &'a Db,
        to: &'a NotifyRecipient,
        _notification: &'a NotificationRow,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(async move {
            tokio::time::sleep(Duration::from_millis(5)).await;
            self.sent.lock().unwrap().push(to.email.clone());
            Ok(())
        })
    }
}

#[tokio::test]
async fn the_daily_digest_tells_each_person_once_however_many_runners_take_it_up() {
    on_each_backend(|app| async move {
        let db = app.db().clone();
        // Today's digest ran before this store had anything expiring.
        let now = kassa_web::now_ms();
        notifications::queue_daily_digest(&db, now).await.unwrap();
        let today = jiff::Timestamp::from_millisecond(now)
            .unwrap()
            .strftime("%Y-%m-%d")
            .to_string();
        for _ in 0..200 {
            if db
                .job(notifications::DIGEST, &today)
                .await
                .unwrap()
                .unwrap()
                .2
                .is_some()
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        // An authorization that expires in 2 days.
        let api = app.api(STORE).await;
        let order = api.authorized_order(&sample_order()).await;
        db.shift_order_history(&order, 26 * DAY_MS).await.unwrap();

        // The digest of a later day, queued and run by many at once, besides the app's worker.
        let day = now + 2 * DAY_MS;
        let date = jiff::Timestamp::from_millisecond(day)
            .unwrap()
            .strftime("%Y-%m-%d")
            .to_string();
        let mut queueing = tokio::task::JoinSet::new();
        for _ in 0..6 {
            let db = db.clone();
            queueing.spawn(async move { notifications::queue_daily_digest(&db, day).await.unwrap() });
        }
        while queueing.join_next().await.is_some() {}
        let job = |kind: &str, key: &str, payload: String| JobRow {
            id: -1,
            kind: kind.to_owned(),
            job_key: key.to_owned(),
            payload,
            run_at: now,
            attempts: 1,
            created_at: now,
        };
        let event = Event::new(Kind::AuthorizationsExpiring, STORE, &date).with(serde_json::json!({
            "count": 1, "amount": 60000, "currency": "SEK"
        }));
        let mailer = Arc::new(CountingMailer::default());
        let mut runners = tokio::task::JoinSet::new();
        for _ in 0..4 {
            let (db, digest) = (db.clone(), job(notifications::DIGEST, &date, String::new()));
            runners.spawn(async move { notifications::run_digest(&db, &digest).await.unwrap() });
        }
        for _ in 0..4 {
            let (db, mailer) = (db.clone(), mailer.clone());
            let notice = job(
                notifications::NOTIFY,
                &event.key,
                serde_json::to_string(&event).unwrap(),
            );
            runners.spawn(async move { notifications::deliver(&db, mailer.as_ref(), &notice).await.unwrap() });
        }
        while let Some(r) = runners.join_next().await {
            r.unwrap();
        }
        // Let the app's worker finish its share.
        for _ in 0..100 {
            if db
                .job(notifications::NOTIFY, &event.key)
                .await
                .unwrap()
                .is_some_and(|j| j.2.is_some())
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;

        let managers = [
            "admin@demo.kassa.test",
            "external@demo.kassa.test",
            "superadmin@demo.kassa.test",
            "user@demo.kassa.test",
        ];
        let worker_mails = app.mails();
        let counted = mailer.sent.lock().unwrap().clone();
        for (email, role) in kassa_web::demo::demo_users() {
            let user = db.user_by_email(&email).await.unwrap().unwrap().id;
            let items: Vec<_> = db
                .home_notifications(user, STORE, false, 100)
                .await
                .unwrap()
                .into_iter()
                .filter(|n| n.event_key == event.key)
                .collect();
            assert_eq!(items.len(), 1, "{role}: one digest of the day on Home");
            assert!(items[0].params.contains("\"count\":1"), "{}", items[0].params);
            let mailed = counted.iter().filter(|e| **e == email).count()
                + mails_about(&worker_mails, &email, "expire within 3 days").len();
            let expected = usize::from(managers.contains(&email.as_str()));
            assert_eq!(mailed, expected, "{role}: emailed once if at all");
        }
        // Queued again that day: nothing new.
        notifications::queue_daily_digest(&db, day).await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(app.mails().len(), worker_mails.len());
    })
    .await;
}
