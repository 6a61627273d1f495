//! Account settings → Company over HTTP: who may see and change the company details, the
//! validation of every field (refused in the user's language, nothing changed), store
//! addresses and statement descriptors, the support contact on the hosted checkout, and
//! requests to change the verified identity that the back office applies or declines.

use crate::support::*;
use kassa_app::operators::set_two_factor_policy;
use kassa_core::access::{allows, Onboarding, Permission};
use kassa_core::audit::AuditAction;
use kassa_core::ops_access::OperatorRole;
use kassa_db::{AuditRow, IdentityRequestStatus};

const PAGE: &str = "/portal/account/company";
const ADMIN: &str = "admin@demo.kassa.test";
const SUPER_ADMIN: &str = "superadmin@demo.kassa.test";

async fn merchant_id(app: &TestApp) -> i64 {
    app.db().store("M100001").await.unwrap().unwrap().merchant_id
}

/// Everything the company page can change, as one comparable text.
async fn snapshot(app: &TestApp) -> String {
    let m = merchant_id(app).await;
    let c = app.db().company(m).await.unwrap().unwrap();
    let stores: Vec<String> = app
        .db()
        .merchant_stores(m)
        .await
        .unwrap()
        .into_iter()
        .map(|s| format!("{} {} {} {}", s.id, s.url, s.statement_descriptor, s.updated_at))
        .collect();
    let requests = app.db().identity_requests_of(m, 100).await.unwrap().len();
    let newest_audit = app.db().audit_events(None, 1).await.unwrap().first().map(|e| e.id);
    format!("{c:?}\n{stores:?}\n{requests}\n{newest_audit:?}")
}

/// What a page shows of `text` (askama escapes these).
fn escaped(text: &str) -> String {
    text.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// Whether `html` shows `text`, however askama escaped it.
fn shows(html: &str, text: &str) -> bool {
    html.contains(text) || html.contains(&escaped(text)) || html.contains(&text.replace('\'', "&#x27;"))
}

/// A message of `lang`'s main.ftl without arguments.
fn words(lang: &str, key: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("locales/{lang}/main.ftl"));
    let text = std::fs::read_to_string(path).unwrap();
    let prefix = format!("{key} = ");
    text.lines()
        .rev()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("{key} missing in {lang}"))
        .to_owned()
}

fn details<'a>(overrides: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("trading_name", "Demo Shop"),
        ("address_line", "Drottninggatan 1"),
        ("postal_code", "111 51"),
        ("city", "Stockholm"),
        ("billing_address_line", ""),
        ("billing_postal_code", ""),
        ("billing_city", ""),
        ("billing_country", ""),
        ("support_email", "help@shop.demo.kassa.test"),
        ("support_phone", "+46 8 123 456 78"),
    ];
    for (k, v) in overrides {
        form.iter_mut().find(|(n, _)| n == k).expect("a field of the form").1 = v;
    }
    form
}

async fn audits(app: &TestApp, action: AuditAction) -> Vec<AuditRow> {
    app.db().audit_events(Some(action), 10).await.unwrap()
}

async fn operator(app: &TestApp, role: OperatorRole) -> Client {
    set_two_factor_policy(app.db(), false).await.unwrap();
    let email = format!("{}@ops.kassa.test", role.code());
    app.seed_operator(&email, role).await;
    app.ops_signed_in(&email).await
}

async fn request_change(c: &Client, legal_name: &str, org: &str, vat: &str) -> reqwest::Response {
    c.page(PAGE).await;
    c.post_form(
        "/portal/account/company/identity",
        &[("legal_name", legal_name), ("org_number", org), ("vat_id", vat)],
    )
    .await
}

#[tokio::test]
async fn each_role_sees_or_changes_the_company_as_the_matrix_says() {
    on_each_backend(|app| async move {
        for (email, role) in kassa_web::demo::demo_users() {
            let c = app.signed_in(&email).await;
            let may_view = allows(role, Onboarding::Direct, Permission::ViewCompany);
            let may_manage = allows(role, Onboarding::Direct, Permission::ManageCompany);
            let (_, account) = c.page("/portal/account").await;
            assert_eq!(
                account.contains("href=\"/portal/account/company\""),
                may_view,
                "{role}: tab"
            );
            let (status, html) = c.page(PAGE).await;
            if !may_view {
                assert_eq!(status, 403, "{role}");
                continue;
            }
            assert_eq!(status, 200, "{role}");
            assert!(html.contains("556677-8899") && html.contains("Demo Shop AB"), "{role}");
            assert!(html.contains("https://shop.demo.kassa.test"), "{role}: store URL");
            for form in ["details", "stores", "identity"] {
                let action = format!("action=\"/portal/account/company/{form}\"");
                assert_eq!(html.contains(&action), may_manage, "{role}: {form} form");
            }
            if !may_manage {
                let before = snapshot(&app).await;
                for form in ["details", "stores", "identity"] {
                    let res = c
                        .post_form(
                            &format!("/portal/account/company/{form}"),
                            &[
                                ("store", "M100001"),
                                ("url", "https://evil.example"),
                                ("legal_name", "X AB"),
                            ],
                        )
                        .await;
                    assert_eq!(res.status(), 403, "{role} {form}");
                }
                assert_eq!(snapshot(&app).await, before, "{role} changed something");
            }
        }
    })
    .await;
}

#[tokio::test]
async fn bad_input_is_refused_per_field_in_the_users_language_and_changes_nothing() {
    on_each_backend(|app| async move {
        let c = app.signed_in(ADMIN).await;
        c.page("/portal/account").await;
        let res = c.post_form("/portal/language", &[("lang", "sv"), ("next", PAGE)]).await;
        assert_eq!(res.status(), 303);
        let before = snapshot(&app).await;
        let long_name = "N".repeat(201);
        // (form, fields, field whose problem shows, reason code)
        let details_table: Vec<(Vec<(&str, &str)>, &str)> = vec![
            (details(&[("support_phone", "08 123 456 78")]), "phone"),
            (details(&[("support_phone", "+0 123 456 789")]), "phone"),
            (details(&[("support_phone", "+1234567890123456")]), "phone"),
            (details(&[("support_email", "not-an-email")]), "email"),
            (details(&[("address_line", "  ")]), "required"),
            (details(&[("billing_city", "Lund")]), "required"),
            (
                details(&[
                    ("billing_address_line", "Box 1"),
                    ("billing_postal_code", "221 00"),
                    ("billing_city", "Lund"),
                    ("billing_country", "XX"),
                ]),
                "country",
            ),
            (details(&[("trading_name", &long_name)]), "too-long"),
        ];
        for (form, reason) in &details_table {
            c.page(PAGE).await;
            let res = c.post_form("/portal/account/company/details", form).await;
            assert_eq!(res.status(), 422, "{form:?}");
            let html = res.text().await.unwrap();
            let message = words("sv", &format!("ops-error-{reason}"));
            assert!(shows(&html, &message), "{form:?}: {message}");
            assert!(html.contains("aria-invalid=\"true\""), "{form:?}");
            // What was typed stays in the form.
            for (name, value) in form {
                if !value.trim().is_empty() && *name != "billing_country" {
                    assert!(shows(&html, value), "{name}={value} kept");
                }
            }
        }
        let store_table = [
            ("ftp://shop.example", "DEMO SHOP", "url"),
            ("shop.example", "DEMO SHOP", "url"),
            ("", "DEMO SHOP", "required"),
            ("https://shop.example", "ABCD", "descriptor-length"),
            ("https://shop.example", "DEMO SHOP OF STOCKHOLMS", "descriptor-length"),
            ("https://shop.example", "Café Malmö", "descriptor-characters"),
            ("https://shop.example", "SHOP<script>", "descriptor-characters"),
            ("https://shop.example", "12345-678", "descriptor-no-letter"),
        ];
        for (url, descriptor, reason) in store_table {
            c.page(PAGE).await;
            let res = c
                .post_form(
                    "/portal/account/company/stores",
                    &[("store", "M100001"), ("url", url), ("statement_descriptor", descriptor)],
                )
                .await;
            assert_eq!(res.status(), 422, "{url} {descriptor}");
            let html = res.text().await.unwrap();
            assert!(
                shows(&html, &words("sv", &format!("ops-error-{reason}"))),
                "{url} {descriptor}"
            );
            assert!(shows(&html, descriptor), "{descriptor} kept");
        }
        let identity_table = [
            ("Demo Shop AB", "556677-8890", "", "org-number-checksum"),
            ("Demo Shop AB", "55667-78899", "", "org-number-format"),
            ("Demo Shop AB", "5566778899X", "", "org-number-format"),
            ("Demo Shop AB", "556677-8899", "DE123456789", "vat-country"),
            ("Demo Shop AB", "556677-8899", "SE55667788990", "vat-format"),
            ("Demo Shop AB", "556677-8899", "SE556036079301", "vat-org-mismatch"),
            ("  ", "556677-8899", "", "required"),
            ("Demo Shop AB", "556677-8899", "SE556677889901", "identity-unchanged"),
        ];
        for (name, org, vat, reason) in identity_table {
            let res = request_change(&c, name, org, vat).await;
            assert_eq!(res.status(), 422, "{org} {vat}");
            let html = res.text().await.unwrap();
            assert!(
                shows(&html, &words("sv", &format!("ops-error-{reason}"))),
                "{org} {vat}: {reason}"
            );
            assert!(shows(&html, org), "{org} kept");
        }
        // A store of another merchant is not found, and changes nothing either.
        app.seed_other_merchant().await;
        c.page(PAGE).await;
        let res = c
            .post_form(
                "/portal/account/company/stores",
                &[
                    ("store", "M200001"),
                    ("url", "https://x.example"),
                    ("statement_descriptor", "MINE NOW"),
                ],
            )
            .await;
        assert_eq!(res.status(), 404);
        assert_eq!(snapshot(&app).await, before, "a refused form changed something");
        assert_eq!(app.db().store("M200001").await.unwrap().unwrap().url, "");
    })
    .await;
}

#[tokio::test]
async fn company_details_and_store_listings_are_saved_audited_and_shown_to_shoppers() {
    on_each_backend(|app| async move {
        let m = merchant_id(&app).await;
        let c = app.signed_in(ADMIN).await;
        c.page(PAGE).await;
        let form = details(&[
            ("billing_address_line", "Box 123"),
            ("billing_postal_code", "101 23"),
            ("billing_city", "Stockholm"),
            ("billing_country", "se"),
            ("support_email", " Help@Shop.Demo.Kassa.Test "),
        ]);
        let res = c.post_form("/portal/account/company/details", &form).await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), format!("{PAGE}?saved=details"));
        let company = app.db().company(m).await.unwrap().unwrap();
        assert_eq!(company.trading_name, "Demo Shop");
        assert_eq!(company.support_email, "help@shop.demo.kassa.test");
        assert_eq!(company.support_phone, "+46812345678");
        assert_eq!(company.billing_country, "SE");
        let event = &audits(&app, AuditAction::CompanyUpdated).await[0];
        assert_eq!(event.merchant_id, Some(m));
        assert_eq!(event.actor, ADMIN);
        let before: serde_json::Value = serde_json::from_str(event.before_json.as_deref().unwrap()).unwrap();
        let after: serde_json::Value = serde_json::from_str(event.after_json.as_deref().unwrap()).unwrap();
        assert_eq!(before["support_phone"], "");
        assert_eq!(after["support_phone"], "+46812345678");
        assert_eq!(after["billing_city"], "Stockholm");
        assert!(after.get("address_line").is_none(), "only what changed: {after}");
        // The same form again changes nothing and records nothing.
        c.page(PAGE).await;
        assert_eq!(
            c.post_form("/portal/account/company/details", &form).await.status(),
            303
        );
        assert_eq!(audits(&app, AuditAction::CompanyUpdated).await.len(), 1);
        // A form filled before someone else's change is refused, not overwriting it.
        let stale = app.db().company(m).await.unwrap().unwrap().updated_at - 1;
        let stale = stale.to_string();
        let mut old = details(&[("trading_name", "Stale")]);
        old.push(("version", &stale));
        let res = c.post_form("/portal/account/company/details", &old).await;
        assert_eq!(res.status(), 422);
        assert!(shows(
            &res.text().await.unwrap(),
            &words("en", "ops-error-changed-meanwhile")
        ));
        assert_eq!(app.db().company(m).await.unwrap().unwrap().trading_name, "Demo Shop");

        c.page(PAGE).await;
        let res = c
            .post_form(
                "/portal/account/company/stores",
                &[
                    ("store", "M100001"),
                    ("url", "HTTPS://Shop.Example.com/sv"),
                    ("statement_descriptor", " DEMO*SHOP STHLM "),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        let store = app.db().store_detail("M100001").await.unwrap().unwrap().store;
        assert_eq!(store.url, "https://shop.example.com/sv");
        assert_eq!(store.statement_descriptor, "DEMO*SHOP STHLM");
        let event = &audits(&app, AuditAction::StoreUpdated).await[0];
        assert_eq!(event.subject, "M100001");
        assert_eq!(event.merchant_id, Some(m));
        let after: serde_json::Value = serde_json::from_str(event.after_json.as_deref().unwrap()).unwrap();
        assert_eq!(after["statement_descriptor"], "DEMO*SHOP STHLM");
        let (_, html) = c.page(PAGE).await;
        assert!(html.contains("DEMO*SHOP STHLM") && html.contains("help@shop.demo.kassa.test"));

        // Shoppers see the support contact on the hosted checkout.
        let api = app.api("M100001").await;
        let res = api.create_checkout(&sample_order()).await;
        let id = res.json::<serde_json::Value>().await.unwrap()["order_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let html = app.client().get(&format!("/checkout/{id}")).await.text().await.unwrap();
        assert!(html.contains("mailto:help@shop.demo.kassa.test"), "{html}");
        assert!(html.contains("tel:+46812345678"));
        assert!(
            html.contains(&words("sv", "checkout-support-heading")),
            "in the order's language"
        );
    })
    .await;
}

#[tokio::test]
async fn an_identity_change_is_a_request_the_back_office_applies() {
    on_each_backend(|app| async move {
        let m = merchant_id(&app).await;
        let c = app.signed_in(ADMIN).await;
        // The Super Admin reads Swedish: the outcome reaches each admin in their language.
        let sa = app.signed_in(SUPER_ADMIN).await;
        sa.page("/portal/account").await;
        sa.post_form("/portal/language", &[("lang", "sv"), ("next", "/portal")])
            .await;
        let res = request_change(&c, "Demo Shop Holding AB", "5560360793", "se 5560360793 01").await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), format!("{PAGE}?saved=request"));
        // Nothing changes until the provider applies it.
        let company = app.db().company(m).await.unwrap().unwrap();
        assert_eq!(company.legal_name, "Demo Shop AB");
        let (_, html) = c.page(PAGE).await;
        assert!(html.contains("id=\"company-pending-request\"") && html.contains("556036-0793"));
        assert!(html.contains("SE556036079301"));
        let requested = &audits(&app, AuditAction::CompanyIdentityRequested).await[0];
        assert_eq!(requested.merchant_id, Some(m));
        // A second request while one is pending is refused.
        let res = request_change(&c, "Other Name AB", "556677-8899", "").await;
        assert_eq!(res.status(), 422);
        assert!(shows(
            &res.text().await.unwrap(),
            &words("en", "company-request-already-pending")
        ));

        let request = app.db().identity_requests_of(m, 10).await.unwrap();
        assert_eq!(request.len(), 1);
        let request_id = request[0].id;
        let support = operator(&app, OperatorRole::Support).await;
        let (status, html) = support.page("/ops/company-requests").await;
        assert_eq!(status, 200);
        assert!(html.contains("Demo Shop Holding AB"));
        assert!(!html.contains("/apply\""), "support may look, not decide");
        let apply = format!("/ops/company-requests/{request_id}/apply");
        assert_eq!(support.post_form(&apply, &[]).await.status(), 403);
        let onboarding = operator(&app, OperatorRole::Onboarding).await;
        let (_, merchant_page) = onboarding.page(&format!("/ops/merchants/{m}")).await;
        assert!(
            merchant_page.contains(&format!("action=\"{apply}\"")),
            "decided on the merchant page too"
        );
        let res = onboarding.post_form(&apply, &[("back", "merchant")]).await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), format!("/ops/merchants/{m}?notice=identity_applied"));
        // Applied twice is applied once.
        let res = onboarding.post_form(&apply, &[]).await;
        assert_eq!(location(&res), "/ops/company-requests?notice=decided");

        let company = app.db().company(m).await.unwrap().unwrap();
        assert_eq!(
            (
                company.legal_name.as_str(),
                company.org_number.as_str(),
                company.vat_id.as_str()
            ),
            ("Demo Shop Holding AB", "556036-0793", "SE556036079301")
        );
        let applied = audits(&app, AuditAction::CompanyIdentityApplied).await;
        assert_eq!(applied.len(), 1);
        assert_eq!(applied[0].merchant_id, Some(m));
        assert_eq!(applied[0].actor, "onboarding@ops.kassa.test");
        let before: serde_json::Value = serde_json::from_str(applied[0].before_json.as_deref().unwrap()).unwrap();
        let after: serde_json::Value = serde_json::from_str(applied[0].after_json.as_deref().unwrap()).unwrap();
        assert_eq!(before["org_number"], "556677-8899");
        assert_eq!(after["org_number"], "556036-0793");
        assert_eq!(after["legal_name"], "Demo Shop Holding AB");
        // The admins are told, each in their language; nobody else is.
        let mails = app.mails();
        let to_sa = mails
            .iter()
            .find(|m| m.to == SUPER_ADMIN)
            .expect("mail to the Super Admin");
        assert_eq!(to_sa.subject, words("sv", "mail-identity-applied-subject"));
        let to_admin = mails.iter().find(|m| m.to == ADMIN).expect("mail to the Admin");
        assert_eq!(to_admin.subject, words("en", "mail-identity-applied-subject"));
        assert!(to_admin.text.contains("Demo Shop Holding AB"));
        assert!(!mails.iter().any(|m| m.to == "settlement@demo.kassa.test"));
        let (_, html) = c.page(PAGE).await;
        assert!(!html.contains("id=\"company-pending-request\""));
        assert!(html.contains(&words("en", "company-request-applied")));
    })
    .await;
}

#[tokio::test]
async fn a_declined_request_keeps_the_merchant_and_says_why() {
    on_each_backend(|app| async move {
        let m = merchant_id(&app).await;
        let c = app.signed_in(SUPER_ADMIN).await;
        assert_eq!(
            request_change(&c, "Renamed AB", "556677-8899", "SE556677889901")
                .await
                .status(),
            303
        );
        let request_id = app.db().identity_requests_of(m, 10).await.unwrap()[0].id;
        let ops = operator(&app, OperatorRole::OpsAdmin).await;
        ops.page("/ops/company-requests").await;
        let decline = format!("/ops/company-requests/{request_id}/decline");
        let res = ops.post_form(&decline, &[("reason", "  ")]).await;
        assert_eq!(res.status(), 422, "a reason is required");
        assert!(res.text().await.unwrap().contains(&words("en", "ops-error-required")));
        let reason = "The company register still shows the old name.";
        let res = ops.post_form(&decline, &[("reason", reason)]).await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/ops/company-requests?notice=declined");
        let company = app.db().company(m).await.unwrap().unwrap();
        assert_eq!(company.legal_name, "Demo Shop AB");
        let r = app.db().identity_request(request_id).await.unwrap().unwrap();
        assert_eq!(r.status, IdentityRequestStatus::Declined);
        assert_eq!(r.decline_reason, reason);
        assert_eq!(audits(&app, AuditAction::CompanyIdentityDeclined).await.len(), 1);
        assert!(audits(&app, AuditAction::CompanyIdentityApplied).await.is_empty());
        let mail = app.mails().into_iter().find(|m| m.to == SUPER_ADMIN).expect("mail");
        assert_eq!(mail.subject, words("en", "mail-identity-declined-subject"));
        assert!(mail.text.contains(reason));
        // Applying a declined request does nothing.
        let res = ops
            .post_form(&format!("/ops/company-requests/{request_id}/apply"), &[])
            .await;
        assert_eq!(location(&res), "/ops/company-requests?notice=decided");
        assert_eq!(app.db().company(m).await.unwrap().unwrap().legal_name, "Demo Shop AB");
        let (_, html) = c.page(PAGE).await;
        assert!(html.contains(reason) && html.contains(&words("en", "company-request-declined")));
        // After a decision the merchant may ask again.
        assert_eq!(request_change(&c, "Renamed AB", "556677-8899", "").await.status(), 303);
    })
    .await;
}

#[tokio::test]
async fn fifty_requests_at_once_leave_exactly_one_pending() {
    on_each_backend(|app| async move {
        let m = merchant_id(&app).await;
        let c = std::sync::Arc::new(app.signed_in(ADMIN).await);
        c.page(PAGE).await;
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..50 {
            let c = c.clone();
            tasks.spawn(async move {
                let name = format!("Demo Shop {i} AB");
                c.post_form(
                    "/portal/account/company/identity",
                    &[
                        ("legal_name", name.as_str()),
                        ("org_number", "556677-8899"),
                        ("vat_id", ""),
                    ],
                )
                .await
                .status()
                .as_u16()
            });
        }
        let mut statuses = Vec::new();
        while let Some(s) = tasks.join_next().await {
            statuses.push(s.unwrap());
        }
        assert_eq!(statuses.iter().filter(|s| **s == 303).count(), 1, "{statuses:?}");
        assert!(statuses.iter().all(|s| *s == 303 || *s == 422), "{statuses:?}");
        let requests = app.db().identity_requests_of(m, 100).await.unwrap();
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].status, IdentityRequestStatus::Pending);
        assert_eq!(audits(&app, AuditAction::CompanyIdentityRequested).await.len(), 1);
    })
    .await;
}

#[tokio::test]
async fn the_merchant_withdraws_its_pending_request_once_however_many_try() {
    on_each_backend(|app| async move {
        let m = merchant_id(&app).await;
        let c = std::sync::Arc::new(app.signed_in(ADMIN).await);
        assert_eq!(request_change(&c, "Renamed AB", "556677-8899", "").await.status(), 303);
        let request_id = app.db().identity_requests_of(m, 10).await.unwrap()[0].id;
        let (_, html) = c.page(PAGE).await;
        assert!(
            html.contains("id=\"withdraw-request\""),
            "the pending request can be withdrawn"
        );
        // A member who may only look sees no button, and cannot post one.
        let viewer = app.signed_in("settlement@demo.kassa.test").await;
        let (_, html) = viewer.page(PAGE).await;
        assert!(html.contains("id=\"company-pending-request\"") && !html.contains("id=\"withdraw-request\""));
        let res = viewer
            .post_form(
                "/portal/account/company/identity/withdraw",
                &[("request", request_id.to_string().as_str())],
            )
            .await;
        assert_eq!(res.status(), 403);
        // A tampered id changes nothing.
        for bad in ["abc", "", "999999999"] {
            let res = c
                .post_form("/portal/account/company/identity/withdraw", &[("request", bad)])
                .await;
            assert_eq!(res.status(), 200, "{bad:?}");
            assert!(res
                .text()
                .await
                .unwrap()
                .contains(&escaped(&words("en", "company-withdraw-gone"))));
        }
        assert_eq!(
            app.db().identity_request(request_id).await.unwrap().unwrap().status,
            IdentityRequestStatus::Pending
        );

        // Fifty withdrawals at once: one is recorded, the others find it gone.
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..50 {
            let c = c.clone();
            let id = request_id.to_string();
            tasks.spawn(async move {
                let res = c
                    .post_form("/portal/account/company/identity/withdraw", &[("request", id.as_str())])
                    .await;
                res.status().as_u16()
            });
        }
        let mut statuses = Vec::new();
        while let Some(s) = tasks.join_next().await {
            statuses.push(s.unwrap());
        }
        assert_eq!(statuses.iter().filter(|s| **s == 303).count(), 1, "{statuses:?}");
        assert!(statuses.iter().all(|s| *s == 303 || *s == 200), "{statuses:?}");
        let r = app.db().identity_request(request_id).await.unwrap().unwrap();
        assert_eq!(r.status, IdentityRequestStatus::Withdrawn);
        assert_eq!(r.decided_by, r.requested_by, "withdrawn by the member who asked");
        let withdrawn = audits(&app, AuditAction::CompanyIdentityWithdrawn).await;
        assert_eq!(withdrawn.len(), 1);
        assert_eq!(withdrawn[0].merchant_id, Some(m));
        assert_eq!(withdrawn[0].actor, ADMIN);
        let (_, html) = c.page(PAGE).await;
        assert!(!html.contains("id=\"company-pending-request\""));
        assert!(html.contains(&words("en", "company-request-withdrawn")));
        // The back office can no longer apply it; the merchant may ask again.
        let ops = operator(&app, OperatorRole::OpsAdmin).await;
        ops.page("/ops/company-requests").await;
        ops.post_form(&format!("/ops/company-requests/{request_id}/apply"), &[])
            .await;
        assert_eq!(app.db().company(m).await.unwrap().unwrap().legal_name, "Demo Shop AB");
        assert_eq!(request_change(&c, "Renamed AB", "556677-8899", "").await.status(), 303);
    })
    .await;
}
