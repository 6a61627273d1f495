//! The portal's Disputes section and the back office's disputes pages over HTTP, on both
//! databases: the list's tabs, counts, search and order; the dispute page; responding with
//! files through the upload form (and the refusals that store nothing); accepting the loss
//! and refunding after a confirmation; who may see and do what.

use crate::ledger::order_of;
use crate::support::*;
use kassa_app::disputes::{self, OpenDispute, Upload};
use kassa_app::Actor;
use kassa_core::dispute::{Reason, Stage};
use kassa_core::ops_access::OperatorRole;
use kassa_db::DisputeRow;
use kassa_web::objects::{Objects, ObjectsConfig};

pub(crate) const STORE: &str = "M100001";
pub(crate) const DISPUTES_USER: &str = "disputes@demo.kassa.test";

/// A risk operator as the use cases know them (opens disputes for the tests' set-up).
pub(crate) async fn risk_actor(app: &TestApp) -> Actor {
    let email = "risk-setup@ops.kassa.test";
    let id = match app.db().operator_by_email(email).await.unwrap() {
        Some(o) => o.id,
        None => app.seed_operator(email, OperatorRole::Risk).await,
    };
    Actor::operator(id, email, OperatorRole::Risk, "127.0.0.1")
}

/// A captured order of `amount` in the playground store, with its merchant reference.
pub(crate) async fn captured_order(app: &TestApp, amount: i64, reference: &str) -> String {
    let api = app.api(STORE).await;
    let mut order = order_of(amount);
    order["merchant_reference1"] = serde_json::json!(reference);
    let id = api.authorized_order(&order).await;
    assert_eq!(api.capture(&id, amount, None).await.status(), 201);
    id
}

/// Opens a dispute on `order_id` as the provider.
pub(crate) async fn open(app: &TestApp, order_id: &str, reason: Reason, inquiry: bool) -> DisputeRow {
    let cmd = OpenDispute {
        order_id: order_id.to_owned(),
        reason,
        amount: None,
        claim: "I never got the parcel.".into(),
        inquiry,
    };
    disputes::open_dispute(app.db(), &risk_actor(app).await, &cmd)
        .await
        .expect("open a dispute")
}

/// Answers `dispute` as the store's platform (an API key) with one PDF, stored in the app's
/// object store; returns the attachment's id.
pub(crate) async fn respond_as_platform(app: &TestApp, dispute: &str) -> String {
    let files = Objects::new(&ObjectsConfig::Local(app.objects.path().to_owned()));
    let api = app.api(STORE).await;
    let platform = Actor::api_key(api.username.clone(), STORE);
    let pdf = Upload {
        filename: "proof.pdf".into(),
        bytes: PDF.to_vec(),
    };
    disputes::respond(app.db(), &files, &platform, dispute, "Proof attached.", vec![pdf])
        .await
        .expect("respond");
    let view = disputes::dispute(app.db(), &platform, dispute).await.unwrap();
    view.attachments.last().expect("the file").id.clone()
}

/// The count shown on the list's tab `tab`.
fn tab_count(html: &str, tab: &str) -> i64 {
    let start = html
        .find(&format!("data-tab=\"{tab}\""))
        .unwrap_or_else(|| panic!("no tab {tab}"));
    let rest = &html[start..];
    let count = rest.find("data-count>").expect("a count") + "data-count>".len();
    rest[count..rest[count..].find('<').unwrap() + count].parse().unwrap()
}

/// The dispute ids of the list's rows, top to bottom.
fn listed(html: &str) -> Vec<String> {
    html.split("<tr data-dispute=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].to_owned())
        .collect()
}

#[tokio::test]
async fn the_list_has_tabs_with_counts_searches_and_puts_the_most_urgent_first() {
    on_each_backend(|app| async move {
        let slow = open(
            &app,
            &captured_order(&app, 10_000, "REF-SLOW").await,
            Reason::FaultyGoods,
            false,
        )
        .await;
        let fraud_order = captured_order(&app, 20_000, "REF-FRAUD").await;
        let fraud = open(&app, &fraud_order, Reason::UnauthorizedPurchase, false).await;
        let inquiry = open(&app, &captured_order(&app, 3_000, "REF-ASK").await, Reason::Other, true).await;
        let won = open(
            &app,
            &captured_order(&app, 4_000, "REF-WON").await,
            Reason::Return,
            false,
        )
        .await;
        disputes::decide(app.db(), &risk_actor(&app).await, &won.id, true, "Returned in time.")
            .await
            .unwrap();

        let c = app.signed_in(DISPUTES_USER).await;
        let (status, html) = c.page("/portal/disputes").await;
        assert_eq!(status, 200);
        for (tab, n) in [
            ("response_required", 2),
            ("under_review", 0),
            ("inquiry", 1),
            ("closed", 1),
            ("all", 4),
        ] {
            assert_eq!(tab_count(&html, tab), n, "{tab}");
        }
        // Response required opens first, the 7-day unauthorized purchase before the 21-day one.
        assert_eq!(listed(&html), vec![fraud.id.clone(), slow.id.clone()]);
        assert!(html.contains("aria-current=\"page\">Response required"), "{html}");
        assert!(html.contains("7 days left") && html.contains("21 days left"));
        assert!(html.contains("Unauthorized purchase") && html.contains("Faulty goods"));
        assert!(html.contains("SEK\u{a0}200.00"), "amounts in currency");
        assert!(html.contains(&format!("href=\"/portal/orders/{fraud_order}\"")));
        // The exact deadline, in the user's timezone, on hover.
        let deadline = jiff::Timestamp::from_millisecond(fraud.deadline_at.unwrap())
            .unwrap()
            .to_zoned(jiff::tz::TimeZone::get("Europe/Stockholm").unwrap())
            .strftime("%Y-%m-%d %H:%M")
            .to_string();
        assert!(html.contains(&format!("title=\"{deadline}")), "{deadline}");

        let (_, html) = c.page("/portal/disputes?tab=inquiry").await;
        assert_eq!(listed(&html), vec![inquiry.id.clone()]);
        assert!(html.contains("No response needed"));
        let (_, html) = c.page("/portal/disputes?tab=closed").await;
        assert_eq!(listed(&html), vec![won.id.clone()]);
        assert!(html.contains("Closed: won") && html.contains("badge-success"));
        let (_, html) = c.page("/portal/disputes?tab=under_review").await;
        assert!(listed(&html).is_empty());
        assert!(
            html.contains("No dispute is being reviewed."),
            "each tab says why it is empty"
        );
        let (_, html) = c.page("/portal/disputes?tab=all").await;
        assert_eq!(listed(&html).len(), 4);

        // Search by order id, merchant reference or dispute id.
        for q in [fraud_order.as_str(), "REF-FRAUD", fraud.id.as_str()] {
            let (_, html) = c.page(&format!("/portal/disputes?tab=all&q={}", urlencode(q))).await;
            assert_eq!(listed(&html), vec![fraud.id.clone()], "{q}");
        }
        let (_, html) = c.page("/portal/disputes?tab=all&q=nothing-like-this").await;
        assert!(listed(&html).is_empty());
        assert!(html.contains("No dispute in this tab matches"));

        // A Swedish user reads it all in Swedish.
        app.db()
            .execute_trusted("UPDATE users SET language = 'sv' WHERE email = 'disputes@demo.kassa.test'")
            .await
            .unwrap();
        let (_, html) = c.page("/portal/disputes").await;
        assert!(
            html.contains("7 dagar kvar") && html.contains("Obehörigt köp"),
            "{html}"
        );
        assert!(html.contains("200,00\u{a0}SEK"));
    })
    .await;
}

#[tokio::test]
async fn only_roles_that_handle_disputes_see_the_section_and_only_their_stores_disputes() {
    on_each_backend(|app| async move {
        let d = open(
            &app,
            &captured_order(&app, 5_000, "REF-ROLE").await,
            Reason::Other,
            false,
        )
        .await;
        let user = app.signed_in("user@demo.kassa.test").await;
        let (_, home) = user.page("/portal").await;
        assert!(
            !home.contains("href=\"/portal/disputes\""),
            "no menu link for the user role"
        );
        assert_eq!(user.get("/portal/disputes").await.status(), 403);
        assert_eq!(user.get(&format!("/portal/disputes/{}", d.id)).await.status(), 403);

        let handler = app.signed_in(DISPUTES_USER).await;
        let (_, home) = handler.page("/portal").await;
        assert!(
            home.contains("href=\"/portal/disputes\""),
            "the disputes role has the link"
        );
        let (_, html) = handler.page("/portal/disputes").await;
        assert_eq!(listed(&html), vec![d.id.clone()]);

        // Another merchant's admin: the dispute does not exist for them.
        let stranger = app.seed_other_merchant().await;
        let other = app.signed_in(&stranger).await;
        let (status, html) = other.page("/portal/disputes?tab=all").await;
        assert_eq!(status, 200);
        assert!(listed(&html).is_empty());
        assert_eq!(tab_count(&html, "all"), 0);
        assert_eq!(other.get(&format!("/portal/disputes/{}", d.id)).await.status(), 404);
        assert_eq!(
            other.get(&format!("/portal/disputes/{}/respond", d.id)).await.status(),
            404
        );
        other.page("/portal").await;
        let res = other
            .post_form(&format!("/portal/disputes/{}/accept-loss", d.id), &[])
            .await;
        assert_eq!(res.status(), 404);
        assert_eq!(
            disputes::dispute(app.db(), &risk_actor(&app).await, &d.id)
                .await
                .unwrap()
                .dispute
                .stage,
            Stage::ResponseRequired
        );
    })
    .await;
}

#[tokio::test]
async fn the_dispute_page_shows_the_order_the_claim_the_requests_and_the_deadline() {
    on_each_backend(|app| async move {
        let order = captured_order(&app, 25_000, "REF-PAGE").await;
        let d = open(&app, &order, Reason::GoodsNotReceived, true).await;
        let fields = vec!["tracking_number".to_owned(), "proof_of_delivery".to_owned()];
        let risk = risk_actor(&app).await;
        disputes::ask(app.db(), &risk, &d.id, "Which carrier delivered it?", &fields)
            .await
            .unwrap();
        let c = app.signed_in(DISPUTES_USER).await;
        let (status, html) = c.page(&format!("/portal/disputes/{}", d.id)).await;
        assert_eq!(status, 200);
        assert!(
            html.contains(&format!("href=\"/portal/orders/{order}\"")),
            "links the order"
        );
        assert!(html.contains("REF-PAGE") && html.contains("SEK\u{a0}250.00"));
        assert!(html.contains("I never got the parcel."), "the shopper's claim");
        assert!(html.contains("Which carrier delivered it?") && html.contains("Tracking number"));
        assert!(html.contains("Proof of delivery"));
        assert!(html.contains("id=\"dispute-deadline\"") && html.contains("21 days left"));
        assert!(
            html.contains("Kassa disputes team"),
            "the provider, not the operator's email"
        );
        assert!(!html.contains("risk-setup@ops.kassa.test"));
        // The claim comes before the request: the exchange reads in order.
        assert!(html.find("I never got the parcel.").unwrap() < html.find("Which carrier").unwrap());
        assert!(
            html.contains("enctype=\"multipart/form-data\""),
            "the response form takes files"
        );
        assert!(html.contains("id=\"open-accept-loss\"") && html.contains("id=\"open-refund\""));
        let (status, html) = c.page(&format!("/portal/disputes/{}/respond", d.id)).await;
        assert_eq!(status, 200);
        assert!(html.contains("id=\"respond-form\""));
        assert_eq!(
            c.get("/portal/disputes/dsp_000000000000000000000000").await.status(),
            404
        );
    })
    .await;
}

#[tokio::test]
async fn accepting_the_loss_and_refunding_ask_for_confirmation_first() {
    on_each_backend(|app| async move {
        let lost = open(
            &app,
            &captured_order(&app, 12_000, "REF-LOSS").await,
            Reason::Return,
            false,
        )
        .await;
        let refund_order = captured_order(&app, 9_000, "REF-REFUND").await;
        let refunded = open(&app, &refund_order, Reason::FaultyGoods, false).await;
        let c = app.signed_in(DISPUTES_USER).await;

        // The confirmation says what happens, with the amount.
        let (status, html) = c.page(&format!("/portal/disputes/{}/accept-loss", lost.id)).await;
        assert_eq!(status, 200);
        assert!(html.contains("Accept the loss of SEK\u{a0}120.00?"), "{html}");
        let res = c
            .post_form(&format!("/portal/disputes/{}/accept-loss", lost.id), &[])
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), format!("/portal/disputes/{}?done=accepted", lost.id));
        let (_, html) = c.page(&location(&res)).await;
        assert!(html.contains("You accepted the loss.") && html.contains("Closed: lost"));
        assert!(!html.contains("id=\"respond-form\""), "nothing more to answer");
        // Again: refused in words, nothing changes.
        let res = c
            .post_form(&format!("/portal/disputes/{}/accept-loss", lost.id), &[])
            .await;
        assert_eq!(res.status(), 409);
        assert!(res.text().await.unwrap().contains("This dispute is closed"));
        let (status, html) = c.page(&format!("/portal/disputes/{}/refund", lost.id)).await;
        assert_eq!(status, 200);
        assert!(html.contains("id=\"step-unavailable\""));

        let (_, html) = c.page(&format!("/portal/disputes/{}/refund", refunded.id)).await;
        assert!(html.contains("Refund SEK\u{a0}90.00 to the customer?"));
        let res = c
            .post_form(&format!("/portal/disputes/{}/refund", refunded.id), &[])
            .await;
        assert_eq!(res.status(), 303);
        let (_, html) = c.page(&location(&res)).await;
        assert!(html.contains("Closed: refunded"));
        let row = app.db().order(STORE, &refund_order).await.unwrap().unwrap();
        assert_eq!(row.refunded_amount, 9_000, "the order is refunded through its refund");

        // A role without disputes may neither look nor act.
        let open_one = open(&app, &captured_order(&app, 5_000, "REF-RO").await, Reason::Other, false).await;
        let reader = app.signed_in("readonly@demo.kassa.test").await;
        reader.page("/portal").await;
        assert_eq!(
            reader.get(&format!("/portal/disputes/{}", open_one.id)).await.status(),
            403
        );
        let res = reader
            .post_form(&format!("/portal/disputes/{}/accept-loss", open_one.id), &[])
            .await;
        assert_eq!(res.status(), 403);
        let after = disputes::dispute(app.db(), &risk_actor(&app).await, &open_one.id)
            .await
            .unwrap();
        assert_eq!(after.dispute.stage, Stage::ResponseRequired);
    })
    .await;
}

#[tokio::test]
async fn home_shows_disputes_awaiting_a_response_to_those_who_handle_them() {
    on_each_backend(|app| async move {
        let c = app.signed_in(DISPUTES_USER).await;
        let (_, html) = c.page("/portal").await;
        assert!(html.contains("id=\"home-disputes\"") && html.contains("id=\"disputes-none\""));
        open(
            &app,
            &captured_order(&app, 8_000, "REF-LATER").await,
            Reason::Return,
            false,
        )
        .await;
        let first = open(
            &app,
            &captured_order(&app, 6_000, "REF-FIRST").await,
            Reason::HighRiskOrder,
            false,
        )
        .await;
        open(
            &app,
            &captured_order(&app, 2_000, "REF-INFO").await,
            Reason::Other,
            true,
        )
        .await;
        let (_, html) = c.page("/portal").await;
        assert!(
            html.contains("id=\"disputes-awaiting\">2<"),
            "an inquiry needs no response"
        );
        assert!(html.contains(&format!(
            "href=\"/portal/disputes/{}\" id=\"nearest-dispute\"",
            first.id
        )));
        assert!(html.contains("7 days left"));
        assert!(html.contains("href=\"/portal/disputes?tab=response_required\""));
        let user = app.signed_in("user@demo.kassa.test").await;
        let (_, html) = user.page("/portal").await;
        assert!(
            !html.contains("id=\"home-disputes\""),
            "only for roles that handle disputes"
        );
    })
    .await;
}

/// Every file kept in the app's object store (its local folder), as paths.
fn stored_files(app: &TestApp) -> Vec<String> {
    fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(path.display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(app.objects.path(), &mut out);
    out.into_iter().filter(|p| p.contains("disputes")).collect()
}

pub(crate) const PDF: &[u8] = b"%PDF-1.4\n% tracking: delivered to the door on Monday\n%%EOF\n";

/// Responds to `dispute` as `c` with `text` and one PDF; returns the attachment's id.
pub(crate) async fn respond_with_pdf(app: &TestApp, c: &Client, dispute: &str, text: &str) -> String {
    c.page(&format!("/portal/disputes/{dispute}")).await;
    let res = c
        .post_upload(
            &format!("/portal/disputes/{dispute}/respond"),
            true,
            &[("text", text)],
            vec![("tracking.pdf".into(), PDF.to_vec())],
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    assert_eq!(location(&res), format!("/portal/disputes/{dispute}?done=responded"));
    let view = disputes::dispute(app.db(), &risk_actor(app).await, dispute)
        .await
        .unwrap();
    view.attachments.last().expect("the file is kept").id.clone()
}

#[tokio::test]
async fn a_response_with_a_pdf_goes_through_the_upload_form_and_downloads_as_sent() {
    on_each_backend(|app| async move {
        let d = open(
            &app,
            &captured_order(&app, 15_000, "REF-PDF").await,
            Reason::GoodsNotReceived,
            false,
        )
        .await;
        let c = app.signed_in(DISPUTES_USER).await;
        let attachment = respond_with_pdf(&app, &c, &d.id, "Delivered on Monday, signed by the customer.").await;
        let (_, html) = c.page(&format!("/portal/disputes/{}?done=responded", d.id)).await;
        assert!(html.contains("Your response was sent."));
        assert!(html.contains("Under review") && html.contains("Delivered on Monday, signed by the customer."));
        assert!(
            html.contains("disputes@demo.kassa.test"),
            "the response names its author"
        );
        let href = format!("/portal/disputes/{}/attachments/{attachment}", d.id);
        assert!(html.contains(&format!("href=\"{href}\"")) && html.contains("tracking.pdf"));
        assert!(
            !html.contains("id=\"respond-form\""),
            "no second response while under review"
        );

        let res = c.get(&href).await;
        assert_eq!(res.status(), 200);
        let header = |name: &str| res.headers()[name].to_str().unwrap().to_owned();
        assert_eq!(header("content-type"), "application/pdf");
        assert!(header("content-disposition").starts_with("attachment; filename=\"tracking.pdf\""));
        assert_eq!(header("x-content-type-options"), "nosniff");
        assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);
        assert_eq!(stored_files(&app).len(), 1, "kept in the object store");

        // Roles without disputes, and other stores, get none of it.
        let user = app.signed_in("user@demo.kassa.test").await;
        assert_eq!(user.get(&href).await.status(), 403);
        let stranger = app.seed_other_merchant().await;
        let other = app.signed_in(&stranger).await;
        assert_eq!(other.get(&href).await.status(), 404);
        assert_eq!(app.client().get(&href).await.status(), 303, "signed out: to sign-in");
    })
    .await;
}

#[tokio::test]
async fn refused_files_are_named_in_words_and_nothing_is_stored() {
    on_each_backend(|app| async move {
        let d = open(
            &app,
            &captured_order(&app, 15_000, "REF-BAD").await,
            Reason::FaultyGoods,
            false,
        )
        .await;
        let c = app.signed_in(DISPUTES_USER).await;
        c.page(&format!("/portal/disputes/{}", d.id)).await;
        let path = format!("/portal/disputes/{}/respond", d.id);
        let text = [("text", "See the attached invoice.")];
        let mut too_large = b"%PDF-1.4\n".to_vec();
        too_large.resize(kassa_core::dispute::MAX_ATTACHMENT_BYTES + 1, b' ');
        let eleven: Vec<(String, Vec<u8>)> = (0..11).map(|i| (format!("page-{i}.pdf"), PDF.to_vec())).collect();
        for (files, expected) in [
            (
                vec![("invoice.pdf".to_owned(), b"GIF89a\x01\x00\x01\x00 not a pdf".to_vec())],
                "invoice.pdf: not a PDF, JPEG or PNG file.",
            ),
            (vec![("scan.pdf".to_owned(), too_large)], "scan.pdf: larger than 7 MB."),
            (eleven, "Attach at most 10 files to one response."),
        ] {
            let res = c.post_upload(&path, true, &text, files).await;
            assert_eq!(res.status(), 422, "{expected}");
            let html = res.text().await.unwrap();
            assert!(html.contains(expected), "{expected}: {html}");
            assert!(html.contains("id=\"respond-error\""), "shown next to the form");
            assert!(
                html.contains(">See the attached invoice.</textarea>"),
                "the text is kept"
            );
        }
        // An empty response, and forged uploads.
        let res = c.post_upload(&path, true, &[("text", "  ")], vec![]).await;
        assert_eq!(res.status(), 422);
        assert!(res.text().await.unwrap().contains("Write a response or attach a file."));
        let pdf = || vec![("tracking.pdf".to_owned(), PDF.to_vec())];
        assert_eq!(
            c.post_upload(&path, false, &text, pdf()).await.status(),
            403,
            "no CSRF token"
        );
        // A file sent where no files are taken is refused like a form without its token.
        let res = c
            .post_upload(&format!("/portal/disputes/{}/accept-loss", d.id), true, &[], pdf())
            .await;
        assert_eq!(res.status(), 403);

        let view = disputes::dispute(app.db(), &risk_actor(&app).await, &d.id)
            .await
            .unwrap();
        assert_eq!(view.dispute.stage, Stage::ResponseRequired, "nothing was answered");
        assert!(view.attachments.is_empty());
        assert_eq!(view.messages.iter().filter(|m| m.kind == "response").count(), 0);
        assert!(stored_files(&app).is_empty(), "{:?}", stored_files(&app));

        // A Swedish member reads why in Swedish.
        app.db()
            .execute_trusted("UPDATE users SET language = 'sv' WHERE email = 'disputes@demo.kassa.test'")
            .await
            .unwrap();
        let res = c
            .post_upload(
                &path,
                true,
                &text,
                vec![("faktura.pdf".into(), b"PK\x03\x04 a zip".to_vec())],
            )
            .await;
        assert!(res
            .text()
            .await
            .unwrap()
            .contains("faktura.pdf: inte en PDF-, JPEG- eller PNG-fil."));

        // After the deadline: refused, nothing kept.
        app.db()
            .execute_trusted(&format!(
                "UPDATE disputes SET deadline_at = {} WHERE id = '{}'",
                kassa_web::now_ms() - 1000,
                d.id
            ))
            .await
            .unwrap();
        let res = c.post_upload(&path, true, &text, pdf()).await;
        assert_eq!(res.status(), 409);
        let html = res.text().await.unwrap();
        assert!(html.contains("Tidsfristen för svar har gått ut"), "{html}");
        assert!(stored_files(&app).is_empty(), "a refused response's file is removed");
    })
    .await;
}

#[tokio::test]
async fn long_lists_come_in_pages_of_25_most_urgent_first() {
    on_each_backend(|app| async move {
        let mut opened = Vec::new();
        for i in 0..27 {
            let order = captured_order(&app, 1_000 + i, &format!("REF-PAGE-{i}")).await;
            opened.push(open(&app, &order, Reason::Other, false).await.id);
        }
        let c = app.signed_in(DISPUTES_USER).await;
        let (_, first) = c.page("/portal/disputes").await;
        assert_eq!(listed(&first).len(), 25);
        assert!(first.contains("Disputes 1–25 of 27"));
        assert!(first.contains("href=\"/portal/disputes?tab=response_required&#38;page=2\" rel=\"next\""));
        assert!(!first.contains("rel=\"prev\""));
        let (_, second) = c.page("/portal/disputes?tab=response_required&page=2").await;
        assert_eq!(listed(&second).len(), 2);
        assert!(second.contains("Disputes 26–27 of 27") && second.contains("rel=\"prev\""));
        assert!(!second.contains("rel=\"next\""));
        // Same deadlines in days: the earliest opened is due first, and each shows once.
        let mut seen: Vec<String> = listed(&first).into_iter().chain(listed(&second)).collect();
        assert_eq!(seen.first(), opened.first());
        seen.sort();
        opened.sort();
        assert_eq!(seen, opened);
    })
    .await;
}
