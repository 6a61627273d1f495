//! Changing the payout bank account in a real browser: a Super Admin without two-factor is
//! sent to set it up, then asks for the change with password and a TOTP code, opens the
//! confirmation link from the outbox, confirms, and sees the new account and the 3-day hold.

use crate::browser::{click, fill, open_browser, sign_in, snap, text_of};
use crate::support::*;
use fantoccini::{Client as Browser, Locator};
use kassa_web::two_factor;

/// Waits (up to 5 s) until the element's text contains `expected`, as the page after a form
/// post replaces the one before.
async fn wait_contains(b: &Browser, css: &str, expected: &str) {
    let mut seen = String::new();
    for _ in 0..50 {
        if let Ok(el) = b.find(Locator::Css(css)).await {
            seen = el.text().await.unwrap_or_default();
            if seen.contains(expected) {
                return;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{css}: {expected:?} not in {seen:?}");
}

#[tokio::test]
async fn a_super_admin_changes_the_bank_account_with_a_code_and_the_emailed_link() {
    on_each_backend(|app| async move {
        let Some((_driver, b)) = open_browser().await else {
            return;
        };
        app.seed_demo_user("second-sa@demo.kassa.test", "super_admin").await;
        sign_in(&b, &app.url, "superadmin@demo.kassa.test").await;
        b.goto(&format!("{}/portal/account", app.url)).await.unwrap();
        click(&b, "nav.tabs a[href='/portal/account/payouts']").await;
        b.wait().for_element(Locator::Id("payout-schedule")).await.unwrap();
        assert!(text_of(&b, "#schedule").await.contains("Weekly on Monday"));
        assert!(text_of(&b, "#bank-needs-two-factor").await.contains("two-factor"));
        snap(&b, "bank-needs-two-factor").await;

        // Two-factor first, as the page says.
        click(&b, "#bank-needs-two-factor a").await;
        click(&b, "form[action='/portal/account/two-factor/setup'] button").await;
        b.wait().for_element(Locator::Css("svg.qr")).await.unwrap();
        let secret = text_of(&b, "#totp-secret").await.replace(' ', "");
        fill(&b, "confirm-code", &two_factor::code_at(&secret, kassa_web::now_ms())).await;
        click(&b, "form[action='/portal/account/two-factor/confirm'] button").await;
        b.wait().for_element(Locator::Css("ul.recovery-codes")).await.unwrap();

        click(&b, "nav.tabs a[href='/portal/account/payouts']").await;
        b.wait()
            .for_element(Locator::Css("#bank-account details summary"))
            .await
            .unwrap();
        click(&b, "#bank-account details summary").await;
        fill(&b, "bank-iban", "DE89 3704 0044 0532 0130 00").await;
        fill(&b, "bank-bic", "COBADEFFXXX").await;
        fill(&b, "bank-holder", "Demo Shop GmbH").await;
        fill(&b, "bank-password", DEMO_PASSWORD).await;
        // A wrong code is refused and the form keeps what was typed (but not the secrets).
        fill(&b, "bank-code", "000000").await;
        snap(&b, "bank-change-form").await;
        click(&b, "#bank-change-form button[type=submit]").await;
        wait_contains(&b, "main div.alert", "That code is not right.").await;
        fill(&b, "bank-password", DEMO_PASSWORD).await;
        fill(
            &b,
            "bank-code",
            &two_factor::code_at(&secret, kassa_web::now_ms() + 30_000),
        )
        .await;
        click(&b, "#bank-change-form button[type=submit]").await;
        wait_contains(
            &b,
            "main div.notice",
            "Every Super Admin has been emailed a confirmation link.",
        )
        .await;
        assert!(text_of(&b, "#pending-change").await.contains("DE •••• 3000"));
        assert!(!text_of(&b, "#current-iban").await.contains("3000"), "not changed yet");

        // Both Super Admins got the mail; this one follows their link.
        let mails = app.mails();
        for to in ["superadmin@demo.kassa.test", "second-sa@demo.kassa.test"] {
            let m = mails
                .iter()
                .rfind(|m| m.to == to)
                .unwrap_or_else(|| panic!("no mail to {to}"));
            assert!(
                m.subject
                    .starts_with("Confirm the new bank account of Demo Shop (playground)"),
                "{}",
                m.subject
            );
        }
        let link = app.last_link_to("superadmin@demo.kassa.test");
        b.goto(&format!("{}{link}", app.url)).await.unwrap();
        b.wait().for_element(Locator::Id("bank-confirm")).await.unwrap();
        assert_eq!(text_of(&b, "#confirm-iban").await, "DE89 3704 0044 0532 0130 00");
        snap(&b, "bank-confirm").await;
        click(&b, "#bank-confirm-form button[type=submit]").await;
        wait_contains(&b, "main div.notice", "The bank account was changed.").await;
        assert!(text_of(&b, "#current-iban").await.contains("DE •••• 3000"));
        assert!(text_of(&b, "#payout-hold")
            .await
            .contains("the next payout waits until"));
        snap(&b, "bank-changed").await;

        // The link worked once.
        b.goto(&format!("{}{link}", app.url)).await.unwrap();
        b.wait().for_element(Locator::Id("bank-confirm-spent")).await.unwrap();
        b.close().await.unwrap();
    })
    .await;
}
