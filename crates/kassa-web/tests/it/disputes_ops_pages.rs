//! The back office's disputes pages over HTTP, on both databases: a risk operator opens a
//! dispute (amounts to the minor unit, mistakes by field), filters the list across merchants,
//! asks a question the merchant answers with a file, and decides; support reads everything
//! and changes nothing; every step is audited under the merchant.

use crate::disputes_pages::{
    captured_order, open, respond_as_platform, respond_with_pdf, risk_actor, DISPUTES_USER, PDF, STORE,
};
use crate::support::*;
use kassa_app::disputes;
use kassa_core::audit::AuditAction;
use kassa_core::dispute::{Reason, Stage};
use kassa_core::ops_access::OperatorRole;
use kassa_db::DisputeRow;

/// The effect of the order's dispute postings on the store's balance.
async fn dispute_net(app: &TestApp, order_id: &str) -> i64 {
    app.db()
        .ledger_of_order(STORE, order_id)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.reversal_reference.is_some())
        .map(|e| e.net)
        .sum()
}

/// The newest dispute of `order_id`.
async fn dispute_of(app: &TestApp, order_id: &str) -> DisputeRow {
    let filter = disputes::DisputeFilter {
        order_id: Some(order_id.to_owned()),
        ..Default::default()
    };
    let (rows, _) = disputes::disputes(app.db(), &risk_actor(app).await, &filter, 0, 1)
        .await
        .unwrap();
    rows.into_iter().next().expect("a dispute").dispute
}

#[tokio::test]
async fn a_risk_operator_opens_questions_and_decides_a_dispute_in_the_back_office() {
    on_each_backend(|app| async move {
        kassa_app::operators::set_two_factor_policy(app.db(), false)
            .await
            .unwrap();
        app.seed_operator("risk@ops.kassa.test", OperatorRole::Risk).await;
        let risk = app.ops_signed_in("risk@ops.kassa.test").await;
        let order = captured_order(&app, 15_000, "REF-OPS-1").await;

        // Opening: the amount is read to the minor unit; mistakes are explained by field.
        let (status, html) = risk.page(&format!("/ops/disputes/new?order={order}")).await;
        assert_eq!(status, 200);
        assert!(html.contains(&format!("value=\"{order}\"")), "the order is filled in");
        let form = |amount: &'static str, order: &str| {
            vec![
                ("order_id", order.to_owned()),
                ("reason", "goods_not_received".to_owned()),
                ("amount", amount.to_owned()),
                ("claim", "The parcel never arrived.".to_owned()),
            ]
        };
        let post = |fields: Vec<(&'static str, String)>| {
            let risk = &risk;
            async move {
                let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                risk.post_form("/ops/disputes/new", &fields).await
            }
        };
        for (fields, status, expected) in [
            (form("12.345", &order), 422, "at most two decimals"),
            (form("150.01", &order), 422, "up to 150.00"),
            (form("10", "no-such-order"), 422, "There is no order with this ID."),
        ] {
            let res = post(fields).await;
            assert_eq!(res.status(), status, "{expected}");
            assert!(res.text().await.unwrap().contains(expected), "{expected}");
        }
        let res = post(form("120,50", &order)).await;
        assert_eq!(res.status(), 303);
        let d = dispute_of(&app, &order).await;
        assert_eq!(location(&res), format!("/ops/disputes/{}?notice=opened", d.id));
        assert_eq!((d.amount, d.stage), (12_050, Stage::ResponseRequired));
        assert_eq!(dispute_net(&app, &order).await, -12_050, "held from the payout");
        let res = post(form("1", &order)).await;
        assert_eq!(res.status(), 409, "one open dispute per order");

        // The list across merchants, with its filters.
        let merchant = app.db().store(STORE).await.unwrap().unwrap().merchant_id;
        let later = jiff::Zoned::now()
            .date()
            .checked_add(jiff::Span::new().days(30))
            .unwrap();
        for (query, found) in [
            (String::new(), true),
            ("stage=response_required".to_owned(), true),
            ("stage=closed".to_owned(), false),
            ("reason=goods_not_received".to_owned(), true),
            ("reason=return".to_owned(), false),
            (format!("merchant={merchant}"), true),
            ("merchant=999999".to_owned(), false),
            (format!("before={later}"), true),
            (format!("before={}", jiff::Zoned::now().date()), false),
            (format!("q={order}"), true),
        ] {
            let (status, html) = risk.page(&format!("/ops/disputes?{query}")).await;
            assert_eq!(status, 200, "{query}");
            assert_eq!(html.contains(&format!("data-dispute=\"{}\"", d.id)), found, "{query}");
        }
        assert_eq!(risk.get("/ops/disputes?before=next-week").await.status(), 400);

        // A question with the fields it asks for; the merchant sees it and answers.
        let page = format!("/ops/disputes/{}", d.id);
        risk.page(&page).await;
        let res = risk
            .post_form(
                &format!("{page}/ask"),
                &[
                    ("question", "Which carrier, and the tracking number?"),
                    ("fields", "tracking_number"),
                    ("fields", "invoice"),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), format!("{page}?notice=asked"));
        let merchant_user = app.signed_in(DISPUTES_USER).await;
        let (_, html) = merchant_user.page(&format!("/portal/disputes/{}", d.id)).await;
        assert!(html.contains("Which carrier, and the tracking number?"));
        assert!(html.contains("Tracking number") && html.contains("Invoice"));
        let attachment = respond_with_pdf(&app, &merchant_user, &d.id, "PostNord, 12345.").await;

        // The operator sees the whole exchange, names and files included.
        let (_, html) = risk.page(&page).await;
        assert!(html.contains("PostNord, 12345.") && html.contains("disputes@demo.kassa.test"));
        assert!(html.contains("risk@ops.kassa.test"), "operators see who asked");
        let href = format!("{page}/attachments/{attachment}");
        assert!(html.contains(&format!("href=\"{href}\"")));
        let res = risk.get(&href).await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], "application/pdf");
        assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);

        // Decided won: the hold is released; a second decision is refused in words.
        risk.page(&page).await;
        let res = risk
            .post_form(
                &format!("{page}/decide"),
                &[("note", "Tracking shows delivery."), ("outcome", "won")],
            )
            .await;
        assert_eq!(res.status(), 303);
        let (_, html) = risk.page(&location(&res)).await;
        assert!(html.contains("Closed: won") && html.contains("Tracking shows delivery."));
        assert!(!html.contains("id=\"decide-form\""), "nothing left to decide");
        assert_eq!(dispute_net(&app, &order).await, 0, "the hold is released");
        let res = risk.post_form(&format!("{page}/decide"), &[("outcome", "lost")]).await;
        assert_eq!(res.status(), 409);
        assert!(res.text().await.unwrap().contains("This dispute is closed"));

        // Every step is in the audit log, under the merchant, by the operator.
        for action in [
            AuditAction::DisputeOpened,
            AuditAction::DisputeQuestionAsked,
            AuditAction::DisputeDecided,
        ] {
            let events = app.db().audit_events(Some(action), 10).await.unwrap();
            let e = events
                .iter()
                .find(|e| e.subject == d.id)
                .unwrap_or_else(|| panic!("{action:?}"));
            assert_eq!(
                (e.actor.as_str(), e.merchant_id),
                ("risk@ops.kassa.test", Some(merchant))
            );
            assert!(e.actor_operator_id.is_some());
        }
        let decided = app
            .db()
            .audit_events(Some(AuditAction::DisputeDecided), 1)
            .await
            .unwrap();
        assert!(decided[0].after_json.as_deref().unwrap().contains("\"won\""));
    })
    .await;
}

#[tokio::test]
async fn support_reads_disputes_but_may_not_change_them_and_inquiries_are_withdrawn_not_decided() {
    on_each_backend(|app| async move {
        kassa_app::operators::set_two_factor_policy(app.db(), false)
            .await
            .unwrap();
        app.seed_operator("support@ops.kassa.test", OperatorRole::Support).await;
        app.seed_operator("risk@ops.kassa.test", OperatorRole::Risk).await;
        let order = captured_order(&app, 7_000, "REF-OPS-2").await;
        let d = open(&app, &order, Reason::Other, true).await;
        let attachment = respond_as_platform(&app, &d.id).await;
        let page = format!("/ops/disputes/{}", d.id);

        let support = app.ops_signed_in("support@ops.kassa.test").await;
        let (_, html) = support.page("/ops").await;
        assert!(html.contains("href=\"/ops/disputes\""), "the menu leads to disputes");
        let (status, html) = support.page("/ops/disputes").await;
        assert_eq!(status, 200);
        assert!(html.contains(&format!("data-dispute=\"{}\"", d.id)));
        assert!(
            !html.contains("id=\"open-dispute\""),
            "no button for what support may not do"
        );
        let (status, html) = support.page(&page).await;
        assert_eq!(status, 200);
        assert!(html.contains("Proof attached."));
        assert!(!html.contains("id=\"ask-form\"") && !html.contains("id=\"withdraw-form\""));
        assert_eq!(
            support.get(&format!("{page}/attachments/{attachment}")).await.status(),
            200
        );
        assert_eq!(support.get("/ops/disputes/new").await.status(), 403);
        for (action, fields) in [
            ("ask", vec![("question", "Why?")]),
            ("decide", vec![("outcome", "won")]),
            ("withdraw", vec![]),
        ] {
            let res = support.post_form(&format!("{page}/{action}"), &fields).await;
            assert_eq!(res.status(), 403, "{action}");
        }
        let res = support
            .post_form("/ops/disputes/new", &[("order_id", order.as_str())])
            .await;
        assert_eq!(res.status(), 403);
        let still = disputes::dispute(app.db(), &risk_actor(&app).await, &d.id)
            .await
            .unwrap();
        assert_eq!(still.dispute.stage, Stage::UnderReview, "support changed nothing");

        // A merchant user learns nothing under /ops.
        let merchant_user = app.signed_in(DISPUTES_USER).await;
        assert_eq!(merchant_user.get(&page).await.status(), 404);

        // Risk: an under-review inquiry answer can be decided; a fresh inquiry only withdrawn.
        let inquiry = open(
            &app,
            &captured_order(&app, 3_000, "REF-OPS-3").await,
            Reason::Return,
            true,
        )
        .await;
        let risk = app.ops_signed_in("risk@ops.kassa.test").await;
        let inquiry_page = format!("/ops/disputes/{}", inquiry.id);
        let (_, html) = risk.page(&inquiry_page).await;
        assert!(!html.contains("id=\"decide-form\"") && html.contains("id=\"withdraw-form\""));
        let res = risk
            .post_form(&format!("{inquiry_page}/decide"), &[("outcome", "lost")])
            .await;
        assert_eq!(res.status(), 409);
        assert!(res.text().await.unwrap().contains("An inquiry is not decided"));
        let res = risk.post_form(&format!("{inquiry_page}/decide"), &[]).await;
        assert_eq!(res.status(), 422, "won or lost must be chosen");
        risk.page(&inquiry_page).await;
        let res = risk
            .post_form(
                &format!("{inquiry_page}/withdraw"),
                &[("note", "The shopper took it back.")],
            )
            .await;
        assert_eq!(res.status(), 303);
        let (_, html) = risk.page(&location(&res)).await;
        assert!(html.contains("Closed: withdrawn") && html.contains("The hold is released."));
        let events = app
            .db()
            .audit_events(Some(AuditAction::DisputeWithdrawn), 5)
            .await
            .unwrap();
        assert!(events.iter().any(|e| e.subject == inquiry.id));
    })
    .await;
}
