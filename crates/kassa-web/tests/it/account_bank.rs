//! Account settings → Payouts over HTTP on both databases: the schedule and expected payout,
//! and the bank account change — refused without re-authentication, confirmed by a Super
//! Admin through the emailed link (once, however many confirmations race), held for 3 days
//! in the payout job and the test helper, and blocked by the provider's finance staff.

use crate::account_security::enrol;
use crate::support::*;
use kassa_core::audit::AuditAction;
use kassa_core::ops_access::OperatorRole;
use kassa_web::two_factor;

const PAGE: &str = "/portal/account/payouts";
const REQUEST: &str = "/portal/account/payouts/bank-account";
const SUPER_ADMIN: &str = "superadmin@demo.kassa.test";
const SECOND: &str = "second-sa@demo.kassa.test";
const NEW_IBAN: &str = "DE89 3704 0044 0532 0130 00";
const NEW_IBAN_COMPACT: &str = "DE89370400440532013000";
const OLD_IBAN: &str = "SE4550000000058398257466";

/// The playground store's current account (IBAN, BIC, holder) and payout hold.
async fn account(app: &TestApp) -> (String, String, String, Option<i64>) {
    let s = app
        .db()
        .store_detail(kassa_web::demo::PLAYGROUND_STORE)
        .await
        .unwrap()
        .unwrap()
        .store;
    let hold = app.db().payout_hold_until(&s.id).await.unwrap();
    (s.payout_iban, s.payout_bic, s.payout_account_holder, hold)
}

async fn audits(app: &TestApp, action: AuditAction) -> usize {
    app.db().audit_events(Some(action), 100).await.unwrap().len()
}

/// Gives the playground store a known account, as onboarding would have.
async fn with_old_account(app: &TestApp) {
    app.db()
        .execute_trusted(&format!(
            "UPDATE stores SET payout_iban = '{OLD_IBAN}', payout_bic = 'ESSESESS', \
             payout_account_holder = 'Demo AB' WHERE id = 'M100001'"
        ))
        .await
        .unwrap();
}

/// The code of the authenticator app at the next time step (the current one was used by
/// the set-up or an earlier form).
fn next_code(secret: &str) -> String {
    two_factor::code_at(secret, kassa_web::now_ms() + 30_000)
}

async fn request_change(c: &Client, iban: &str, password: &str, code: &str) -> reqwest::Response {
    c.page(PAGE).await;
    c.post_form(
        REQUEST,
        &[
            ("iban", iban),
            ("bic", "COBADEFFXXX"),
            ("account_holder", "Demo Shop GmbH"),
            ("current_password", password),
            ("code", code),
        ],
    )
    .await
}

/// The confirmation links emailed so far, by recipient.
fn links_to(app: &TestApp, to: &str) -> Vec<String> {
    app.mails()
        .into_iter()
        .filter(|m| m.to == to && m.subject.starts_with("Confirm the new bank account"))
        .map(|m| m.links[0].strip_prefix(&app.url).unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_bank_change_needs_reauthentication_and_a_confirmation_and_holds_payouts() {
    on_each_backend(|app| async move {
        with_old_account(&app).await;
        app.seed_demo_user(SECOND, "super_admin").await;
        let api = app.api("M100001").await;
        let order = api.authorized_order(&sample_order()).await;
        assert_eq!(api.capture(&order, 60000, None).await.status(), 201);

        // A Super Admin in New York (the cut-off is Stockholm's).
        let id = app.db().user_by_email(SUPER_ADMIN).await.unwrap().unwrap().id;
        assert!(app
            .db()
            .offer_timezone(id, "America/New_York", kassa_web::now_ms())
            .await
            .unwrap());
        let sa = app.signed_in(SUPER_ADMIN).await;
        let (status, page) = sa.page(PAGE).await;
        assert_eq!(status, 200);
        assert!(
            page.contains("Payouts and bank account") && page.contains("Weekly on Monday"),
            "{page}"
        );
        assert!(page.contains("23:59 on each payout day (Europe/Stockholm time)"));
        // The member's own zone, and the cut-off's zone beside it when they differ.
        let next = page
            .split_once("<dd id=\"next-payout\">")
            .and_then(|(_, rest)| rest.split_once("</dd>"))
            .map(|(dd, _)| dd.to_owned())
            .expect("the next payout");
        assert!(
            (next.contains("EST (") || next.contains("EDT (")) && (next.contains("CET)") || next.contains("CEST)")),
            "{next}"
        );
        assert!(
            page.contains("SE •••• 7466") && !page.contains(OLD_IBAN),
            "the account is masked"
        );
        assert!(
            page.contains("data-expected"),
            "an expected amount from the open balance"
        );
        assert!(page.contains("id=\"bank-needs-two-factor\""));

        // Without two-factor the change is refused and the member told to turn it on.
        let res = request_change(&sa, NEW_IBAN, DEMO_PASSWORD, "123456").await;
        assert_eq!(res.status(), 403);
        assert!(res.text().await.unwrap().contains("Turn on two-factor authentication"));

        let (secret, _) = enrol(&sa).await;
        assert!(sa.page(PAGE).await.1.contains("id=\"bank-change-form\""));
        let before = account(&app).await;
        let mails = app.mails().len();
        // Wrong password, wrong or missing code, bad fields: nothing changes, nothing is sent.
        let res = request_change(&sa, NEW_IBAN, "not the password", &next_code(&secret)).await;
        assert_eq!(res.status(), 422);
        assert!(res.text().await.unwrap().contains("The current password is not right."));
        let res = request_change(&sa, NEW_IBAN, DEMO_PASSWORD, "000000").await;
        assert_eq!(res.status(), 422);
        assert!(res.text().await.unwrap().contains("That code is not right."));
        assert_eq!(request_change(&sa, NEW_IBAN, DEMO_PASSWORD, "").await.status(), 422);
        let res = request_change(&sa, "DE89 3704 0044 0532 0130 01", DEMO_PASSWORD, &next_code(&secret)).await;
        assert_eq!(res.status(), 422);
        let body = res.text().await.unwrap();
        assert!(
            body.contains("IBAN:") && body.contains("aria-invalid=\"true\""),
            "{body}"
        );
        assert_eq!(account(&app).await, before);
        assert_eq!(app.mails().len(), mails);
        assert_eq!(audits(&app, AuditAction::BankChangeReauthFailed).await, 3);
        assert_eq!(audits(&app, AuditAction::BankChangeRequested).await, 0);

        // Re-authenticated: every Super Admin is emailed a link; the account stays as it was.
        let res = request_change(&sa, NEW_IBAN, DEMO_PASSWORD, &next_code(&secret)).await;
        assert_eq!(location(&res), format!("{PAGE}?done=requested"));
        assert_eq!(account(&app).await, before, "nothing changes before a confirmation");
        let (mine, second) = (links_to(&app, SUPER_ADMIN), links_to(&app, SECOND));
        assert_eq!((mine.len(), second.len()), (1, 1));
        let mail = app.mails().into_iter().rfind(|m| m.to == SECOND).unwrap();
        assert!(mail.text.contains("DE •••• 3000") && mail.text.contains("Demo Shop GmbH"));
        assert!(
            !mail.text.contains(NEW_IBAN_COMPACT),
            "the mail does not carry the whole IBAN"
        );
        let page = sa.page(PAGE).await.1;
        assert!(page.contains("id=\"pending-change\"") && page.contains("Waiting for confirmation"));
        let user = app.db().user_by_email(SUPER_ADMIN).await.unwrap().unwrap();
        assert_eq!(
            user.failed_sign_ins, 0,
            "a successful re-authentication clears the count"
        );

        // A link opens only for the Super Admin it was sent to.
        assert_eq!(sa.page(&second[0]).await.0, 410);
        let other = app.signed_in(SECOND).await;
        assert_eq!(other.page(&mine[0]).await.0, 410);
        let (status, page) = other.page(&second[0]).await;
        assert_eq!(status, 200);
        assert!(page.contains(NEW_IBAN) && page.contains("SE •••• 7466"), "{page}");
        let res = other.post_form(&second[0], &[]).await;
        assert_eq!(location(&res), format!("{PAGE}?done=confirmed"));
        let (iban, bic, holder, hold) = account(&app).await;
        assert_eq!(
            (iban.as_str(), bic.as_str(), holder.as_str()),
            (NEW_IBAN_COMPACT, "COBADEFFXXX", "Demo Shop GmbH")
        );
        let hold = hold.expect("payouts are held");
        let now = kassa_web::now_ms();
        assert!((hold - now - 3 * 24 * 3600 * 1000).abs() < 60_000, "held for 3 days");
        assert_eq!(audits(&app, AuditAction::BankChangeConfirmed).await, 1);
        // Every Super Admin is told the account changed, the one who asked included.
        for to in [SUPER_ADMIN, SECOND] {
            let told: Vec<_> = app
                .mails()
                .into_iter()
                .filter(|m| m.to == to && m.subject.starts_with("The payout account of M100001 has changed"))
                .collect();
            assert_eq!(told.len(), 1, "{to} is told once");
            assert!(
                told[0].text.contains("DE •••• 3000") && told[0].text.contains("Payouts are held until"),
                "{}",
                told[0].text
            );
            assert!(!told[0].text.contains(NEW_IBAN_COMPACT), "no whole IBAN in mail");
        }

        // Used once; the other Super Admin's link is retired with it.
        assert_eq!(other.post_form(&second[0], &[]).await.status(), 410);
        assert_eq!(sa.page(&mine[0]).await.0, 410);
        assert_eq!(sa.post_form(&mine[0], &[]).await.status(), 410);
        let page = sa.page(PAGE).await.1;
        assert!(page.contains("id=\"payout-hold\"") && page.contains("DE •••• 3000"));
        assert!(page.contains("Confirmed"));

        // No payout before the hold ends: not the test helper, not finance, not the job.
        let res = api.payout_now().await;
        assert_eq!(res.status(), 409);
        assert_eq!(error_code(res).await, "PAYOUT_HELD");
        let finance = app.seed_operator("finance@ops.kassa.test", OperatorRole::Finance).await;
        let actor = kassa_app::Actor::operator(finance, "finance@ops.kassa.test", OperatorRole::Finance, "127.0.0.1");
        assert!(matches!(
            kassa_app::settlements::payout_now(app.db(), &actor, "M100001").await,
            Err(kassa_app::AppError::PayoutHeld(until)) if until == hold
        ));
        let close = kassa_db::PayoutClose {
            store_id: "M100001",
            cutoff: now + 1,
            kind: "manual",
            period_end: now,
            payout_date: now,
            references: vec!["HELDREF001".into()],
            created_by: "test",
            now: hold - 1,
            job: Some(&|p| ("notify".into(), format!("held:{}", p.payment_reference), "{}".into())),
        };
        assert!(app.db().has_open_entries("M100001", now + 1).await.unwrap());
        assert!(
            app.db().close_payout(close).await.unwrap().is_empty(),
            "the store's lock sees the hold"
        );
        assert!(
            app.db().job("notify", "held:HELDREF001").await.unwrap().is_none(),
            "no payout, no notice"
        );
        let just_before = kassa_app::settlements::run_scheduled_payouts(app.db(), hold - 1)
            .await
            .unwrap();
        assert!(just_before.iter().all(|p| p.store_id != "M100001"));
        // A week after the hold the weekly schedule has passed a cut-off: paid to the new account.
        let after = kassa_app::settlements::run_scheduled_payouts(app.db(), hold + 8 * 24 * 3600 * 1000)
            .await
            .unwrap();
        let paid = after
            .iter()
            .find(|p| p.store_id == "M100001")
            .expect("paid after the hold");
        assert_eq!(paid.iban, NEW_IBAN_COMPACT);
        assert!(paid.payout_date >= hold);
    })
    .await;
}

#[tokio::test]
async fn a_new_request_replaces_the_pending_one_and_finance_can_block_it() {
    on_each_backend(|app| async move {
        kassa_app::operators::set_two_factor_policy(app.db(), false)
            .await
            .unwrap();
        with_old_account(&app).await;
        app.seed_demo_user(SECOND, "super_admin").await;
        let sa = app.signed_in(SUPER_ADMIN).await;
        let (secret, _) = enrol(&sa).await;
        let second = app.signed_in(SECOND).await;
        let (second_secret, _) = enrol(&second).await;
        let res = request_change(&sa, NEW_IBAN, DEMO_PASSWORD, &next_code(&secret)).await;
        assert_eq!(res.status(), 303);
        let first_link = links_to(&app, SECOND).pop().unwrap();
        let res = request_change(
            &second,
            "NL91 ABNA 0417 1643 00",
            DEMO_PASSWORD,
            &next_code(&second_secret),
        )
        .await;
        assert_eq!(res.status(), 303);
        assert_eq!(audits(&app, AuditAction::BankChangeReplaced).await, 1);
        assert_eq!(
            second.page(&first_link).await.0,
            410,
            "the replaced change's links stop working"
        );
        let newest = links_to(&app, SUPER_ADMIN).pop().unwrap();
        assert_eq!(sa.page(&newest).await.0, 200);

        // Finance sees it; other operators may not.
        app.seed_operator("finance@ops.kassa.test", OperatorRole::Finance).await;
        app.seed_operator("support@ops.kassa.test", OperatorRole::Support).await;
        let finance = app.ops_signed_in("finance@ops.kassa.test").await;
        let (status, list) = finance.page("/ops/bank-changes").await;
        assert_eq!(status, 200);
        assert!(
            list.contains("href=\"/ops/bank-changes\""),
            "finance has the menu entry"
        );
        assert!(list.contains("NL91 ABNA 0417 1643 00") && list.contains("Waiting for confirmation"));
        assert!(list.contains("Replaced") && list.contains(SECOND));
        let support = app.ops_signed_in("support@ops.kassa.test").await;
        assert_eq!(support.get("/ops/bank-changes").await.status(), 403);
        let id = list
            .split("action=\"/ops/bank-changes/")
            .nth(1)
            .and_then(|s| s.split('/').next())
            .expect("a block button")
            .to_owned();
        let block = format!("/ops/bank-changes/{id}/block");
        assert_eq!(support.post_form(&block, &[]).await.status(), 403);

        let before = account(&app).await;
        let res = finance.post_form(&block, &[]).await;
        assert_eq!(location(&res), "/ops/bank-changes?done=blocked");
        assert_eq!(account(&app).await, before, "a blocked change changes nothing");
        assert_eq!(before.0, OLD_IBAN);
        let told = app.mails().into_iter().rfind(|m| m.to == SECOND).unwrap();
        assert!(told.subject.contains("blocked"), "{}", told.subject);
        assert_eq!(sa.post_form(&newest, &[]).await.status(), 410, "its links stop working");
        assert_eq!(audits(&app, AuditAction::BankChangeBlocked).await, 1);
        let res = finance.post_form(&block, &[]).await;
        assert_eq!(location(&res), "/ops/bank-changes?done=gone");
        let (_, list) = finance.page("/ops/bank-changes").await;
        assert!(list.contains("Blocked") && list.contains("finance@ops.kassa.test"));
        assert!(second.page(PAGE).await.1.contains("Blocked"));
    })
    .await;
}

#[tokio::test]
async fn two_hundred_concurrent_confirmations_apply_the_change_once() {
    on_each_backend(|app| async move {
        let sa = app.signed_in(SUPER_ADMIN).await;
        let (secret, _) = enrol(&sa).await;
        assert_eq!(
            request_change(&sa, NEW_IBAN, DEMO_PASSWORD, &next_code(&secret))
                .await
                .status(),
            303
        );
        let link = links_to(&app, SUPER_ADMIN).pop().unwrap();
        sa.page(&link).await;
        let sa = std::sync::Arc::new(sa);
        let mut tries = tokio::task::JoinSet::new();
        for _ in 0..200 {
            let (sa, link) = (sa.clone(), link.clone());
            tries.spawn(async move { sa.post_form(&link, &[]).await.status().as_u16() });
        }
        let statuses = tries.join_all().await;
        assert_eq!(statuses.iter().filter(|s| **s == 303).count(), 1, "{statuses:?}");
        assert_eq!(statuses.iter().filter(|s| **s == 410).count(), 199, "{statuses:?}");
        assert_eq!(audits(&app, AuditAction::BankChangeConfirmed).await, 1);
        assert_eq!(account(&app).await.0, NEW_IBAN_COMPACT);
    })
    .await;
}

#[tokio::test]
async fn wrong_codes_on_the_bank_form_count_toward_the_lockout() {
    on_each_backend(|app| async move {
        let sa = app.signed_in(SUPER_ADMIN).await;
        let (secret, _) = enrol(&sa).await;
        for _ in 0..9 {
            assert_eq!(
                request_change(&sa, NEW_IBAN, DEMO_PASSWORD, "000000").await.status(),
                422
            );
        }
        let res = request_change(&sa, NEW_IBAN, DEMO_PASSWORD, "000000").await;
        assert_eq!(res.status(), 429, "the tenth wrong try locks the account");
        assert!(res.text().await.unwrap().contains("locked"));
        // Locked: even the right password and code are not checked now.
        let res = request_change(&sa, NEW_IBAN, DEMO_PASSWORD, &next_code(&secret)).await;
        assert_eq!(res.status(), 429);
        assert_eq!(audits(&app, AuditAction::AccountLocked).await, 1);
        assert_eq!(app.client().sign_in(SUPER_ADMIN, DEMO_PASSWORD).await.status(), 401);
        assert!(account(&app).await.3.is_none() && links_to(&app, SUPER_ADMIN).is_empty());
    })
    .await;
}

#[tokio::test]
async fn who_sees_the_payout_page_and_who_may_change_the_account() {
    on_each_backend(|app| async move {
        for (email, sees, changes) in [
            ("admin@demo.kassa.test", true, false),
            ("settlement@demo.kassa.test", true, false),
            ("user@demo.kassa.test", false, false),
            ("external@demo.kassa.test", false, false),
        ] {
            let c = app.signed_in(email).await;
            let (status, page) = c.page(PAGE).await;
            assert_eq!(status == 200, sees, "{email}: {status}");
            let (_, account) = c.page("/portal/account").await;
            assert_eq!(
                account.contains("href=\"/portal/account/payouts\""),
                sees,
                "{email}: the tab"
            );
            if sees {
                assert!(page.contains("Only a Super Admin can change the bank account."));
                assert!(!page.contains("bank-change-form"));
            }
            let res = c.post_form(REQUEST, &[("iban", NEW_IBAN)]).await;
            assert_eq!(res.status() != 403, changes, "{email}");
        }
        assert_eq!(links_to(&app, SUPER_ADMIN).len(), 0);
    })
    .await;
}
