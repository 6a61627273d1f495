//! A dispute end to end in headless Chromium: the disputes user sees it on Home, opens it
//! and responds with a PDF through the file picker; a risk operator reads the response and
//! decides it won in the back office; the held amount is released and the next payout pays
//! it. The pages fit a phone and keep working in dark mode.

use crate::browser::{arrive, assert_fits, click, connect, fill, open_browser, sign_in, snap, text_of, wait_text};
use crate::disputes_pages::{captured_order, risk_actor, DISPUTES_USER, PDF, STORE};
use crate::support::*;
use kassa_core::dispute::{Reason, Stage};
use kassa_core::ops_access::OperatorRole;

/// What the store's next payout would pay in SEK now (its settlement amount).
async fn next_payout(app: &TestApp) -> i64 {
    let api = app.api(STORE).await;
    let platform = kassa_app::Actor::api_key(api.username.clone(), STORE);
    let balance = kassa_app::settlements::balance(app.db(), &platform, None)
        .await
        .unwrap();
    balance
        .currencies
        .iter()
        .find(|c| c.currency == "SEK")
        .map_or(0, |c| c.next_payout.settlement_amount)
}

#[tokio::test]
async fn a_dispute_is_answered_with_a_pdf_and_won_and_the_payout_releases_the_amount() {
    on_each_backend(|app| async move {
        let Some((driver, b)) = open_browser().await else {
            return;
        };
        kassa_app::operators::set_two_factor_policy(app.db(), false)
            .await
            .unwrap();
        app.seed_operator("risk@ops.kassa.test", OperatorRole::Risk).await;
        let order = captured_order(&app, 30_000, "REF-BROWSER").await;
        let before = next_payout(&app).await;
        let cmd = kassa_app::disputes::OpenDispute {
            order_id: order.clone(),
            reason: Reason::GoodsNotReceived,
            amount: Some(12_000),
            claim: "The parcel never arrived.".into(),
            inquiry: false,
        };
        let d = kassa_app::disputes::open_dispute(app.db(), &risk_actor(&app).await, &cmd)
            .await
            .unwrap();
        assert_eq!(next_payout(&app).await, before - 12_000, "the amount is held");

        // The disputes user finds it on Home and opens it.
        sign_in(&b, &app.url, DISPUTES_USER).await;
        b.goto(&format!("{}/portal", app.url)).await.unwrap();
        arrive(&b, "#home-disputes").await;
        assert_eq!(text_of(&b, "#disputes-awaiting").await, "1");
        assert!(text_of(&b, "#home-disputes").await.contains("21 days left"));
        snap(&b, "disputes-home").await;
        click(&b, "#nearest-dispute").await;
        arrive(&b, "#respond-form").await;
        assert!(text_of(&b, "#dispute-deadline").await.contains("21 days left"));
        assert!(text_of(&b, "#dispute-thread")
            .await
            .contains("The parcel never arrived."));

        // Responds with a PDF from the file picker.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("proof-of-delivery.pdf");
        std::fs::write(&file, PDF).unwrap();
        fill(
            &b,
            "respond-text",
            "Delivered on Monday; the signed receipt is attached.",
        )
        .await;
        fill(&b, "respond-files", &file.display().to_string()).await;
        click(&b, "#respond-submit").await;
        arrive(&b, "main .notice").await;
        assert_eq!(wait_text(&b, "#dispute-stage", "Under review").await, "Under review");
        assert!(text_of(&b, "#dispute-thread").await.contains("proof-of-delivery.pdf"));
        snap(&b, "disputes-responded").await;

        // The pages fit a phone, light and dark.
        b.set_window_size(375, 800).await.unwrap();
        for path in [
            "/portal/disputes?tab=all".to_owned(),
            format!("/portal/disputes/{}", d.id),
            "/portal".to_owned(),
        ] {
            b.goto(&format!("{}{path}", app.url)).await.unwrap();
            arrive(&b, "main").await;
            assert_fits(&b, &format!("{path} at 375 px")).await;
            snap(&b, &format!("disputes-375{}", path.replace(['/', '?', '='], "-"))).await;
        }
        b.set_window_size(1280, 900).await.unwrap();

        // A risk operator reads the response and decides the dispute won.
        let ops = connect(&driver).await;
        ops.goto(&format!("{}/ops/sign-in", app.url)).await.unwrap();
        fill(&ops, "email", "risk@ops.kassa.test").await;
        fill(&ops, "password", DEMO_PASSWORD).await;
        click(&ops, "form.form button[type=submit]").await;
        arrive(&ops, "nav.sidenav").await;
        click(&ops, "nav.sidenav a[href='/ops/disputes']").await;
        arrive(&ops, &format!("tr[data-dispute='{}'] a", d.id)).await;
        click(&ops, &format!("tr[data-dispute='{}'] a", d.id)).await;
        arrive(&ops, "#decide-form").await;
        let thread = text_of(&ops, "#dispute-thread").await;
        assert!(thread.contains("Delivered on Monday") && thread.contains("proof-of-delivery.pdf"));
        ops.set_window_size(375, 800).await.unwrap();
        assert_fits(&ops, "the back office's dispute page at 375 px").await;
        ops.set_window_size(1280, 900).await.unwrap();
        fill(&ops, "decide-note", "The carrier's receipt shows delivery.").await;
        click(&ops, "#decide-form summary").await;
        click(&ops, "#decide-won").await;
        arrive(&ops, "main .notice").await;
        assert_eq!(wait_text(&ops, "#dispute-stage", "Closed: won").await, "Closed: won");
        snap(&ops, "disputes-decided").await;

        // The merchant sees the outcome; the hold is released and paid out.
        b.goto(&format!("{}/portal/disputes/{}", app.url, d.id)).await.unwrap();
        assert_eq!(text_of(&b, "#dispute-stage").await, "Closed: won");
        let view = kassa_app::disputes::dispute(app.db(), &risk_actor(&app).await, &d.id)
            .await
            .unwrap();
        assert_eq!(view.dispute.stage, Stage::Closed);
        assert_eq!(next_payout(&app).await, before, "winning released the held amount");
        let payouts = app.payout_now(STORE).await;
        let sek = payouts.iter().find(|p| p.currency == "SEK").expect("a SEK payout");
        assert_eq!(sek.settlement_amount, before, "the payout pays the released amount");
        assert_eq!(sek.reversal_amount, 0, "the hold and its release cancel out");
        ops.close().await.unwrap();
        b.close().await.unwrap();
    })
    .await;
}
