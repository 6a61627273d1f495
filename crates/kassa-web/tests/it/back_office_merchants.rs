//! The back office's merchant and store pages over HTTP: creating and editing merchants
//! (refused forms write nothing), search and keyset pages, stores with allocated Store IDs,
//! money settings that only finance may change, suspension, and support's read-only view.

use crate::support::*;
use kassa_app::operators::set_two_factor_policy;
use kassa_app::ops::{self, MerchantInput};
use kassa_app::Actor;
use kassa_core::access::Onboarding;
use kassa_core::ops_access::OperatorRole;
use kassa_core::store_settings::PaymentMethod;
use std::collections::HashSet;

/// A signed-in operator of `role` (two-factor policy off), named after the role.
async fn operator(app: &TestApp, role: OperatorRole) -> Client {
    set_two_factor_policy(app.db(), false).await.unwrap();
    let email = format!("{}@ops.kassa.test", role.code());
    app.seed_operator(&email, role).await;
    app.ops_signed_in(&email).await
}

fn merchant_form<'a>(name: &'a str, org: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("legal_name", name),
        ("country", "SE"),
        ("org_number", org),
        ("vat_id", ""),
        ("address_line", "Storgatan 1"),
        ("postal_code", "111 22"),
        ("city", "Stockholm"),
        ("onboarding", "direct"),
        ("require_two_factor", "on"),
    ]
}

fn store_form<'a>(name: &'a str, environment: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", name),
        ("url", "https://shop.example.se"),
        ("country", "SE"),
        ("currency", "SEK"),
        ("statement_descriptor", "SHOP*EXAMPLE"),
        ("environment", environment),
        ("reservation_days", "28"),
    ]
}

/// The merchant id a creation redirected to.
fn created_merchant(res: &reqwest::Response) -> i64 {
    let to = location(res);
    let rest = to.strip_prefix("/ops/merchants/").unwrap_or_else(|| panic!("{to}"));
    rest.split('?').next().unwrap().parse().unwrap()
}

/// The Store ID a store creation redirected with.
fn created_store(res: &reqwest::Response) -> String {
    let to = location(res);
    to.split("store=").nth(1).unwrap_or_else(|| panic!("{to}")).to_owned()
}

/// Every merchant linked from a page (`/ops/merchants/<number>`).
fn linked_merchants(html: &str) -> Vec<i64> {
    html.split("href=\"/ops/merchants/")
        .skip(1)
        .filter_map(|s| {
            let end = s.find('"')?;
            s[..end].parse().ok()
        })
        .collect()
}

async fn merchant_count(app: &TestApp) -> usize {
    let all = kassa_db::MerchantQuery::default();
    app.db().merchants_page(&all, 10_000).await.unwrap().len()
}

/// HTML's escapes of `&` undone (askama writes `&#38;`).
fn unescape(html: &str) -> String {
    html.replace("&amp;", "&").replace("&#38;", "&")
}

/// An amount as the English pages write it: `SEK 1,234.50`.
fn english_money(minor: i64, currency: &str) -> String {
    let major = (minor / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in major.chars().enumerate() {
        if i > 0 && (major.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{currency}\u{a0}{grouped}.{:02}", minor % 100)
}

#[tokio::test]
async fn onboarding_creates_and_edits_a_merchant_and_search_finds_it() {
    on_each_backend(|app| async move {
        let c = operator(&app, OperatorRole::Onboarding).await;
        let (status, html) = c.page("/ops/merchants").await;
        assert_eq!(status, 200);
        assert!(html.contains("href=\"/ops/merchants/new\""));
        let (status, html) = c.page("/ops/merchants/new").await;
        assert_eq!(status, 200);
        assert!(html.contains("name=\"org_number\""));

        // A mistyped organisation number: 422, said next to the field, nothing created.
        let before = merchant_count(&app).await;
        let res = c
            .post_form("/ops/merchants", &merchant_form("Nordic Bikes AB", "556036-0794"))
            .await;
        assert_eq!(res.status(), 422);
        let html = res.text().await.unwrap();
        assert!(html.contains("The check digit does not match"), "{html}");
        assert!(
            html.contains("value=\"Nordic Bikes AB\""),
            "the form keeps what was typed"
        );
        assert!(html.contains("aria-invalid=\"true\" aria-describedby=\"m-org-number-error\""));
        assert_eq!(merchant_count(&app).await, before);

        let res = c
            .post_form("/ops/merchants", &merchant_form("Nordic Bikes AB", "556036-0793"))
            .await;
        assert_eq!(res.status(), 303);
        let id = created_merchant(&res);
        assert_eq!(merchant_count(&app).await, before + 1);
        let (status, html) = c.page(&format!("/ops/merchants/{id}?notice=created")).await;
        assert_eq!(status, 200);
        assert!(html.contains("The merchant was created."));
        assert!(html.contains("556036-0793") && html.contains("Stockholm"));
        assert!(html.contains("This merchant has no store yet"));

        // Edit: the form is filled from the merchant; the change is audited before/after.
        let (status, html) = c.page(&format!("/ops/merchants/{id}/edit")).await;
        assert_eq!(status, 200);
        assert!(html.contains("value=\"Storgatan 1\""));
        let version = html
            .split("name=\"version\" value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("the version the form was filled from")
            .to_owned();
        let mut edit = merchant_form("Nordic Bikes AB", "556036-0793");
        edit.retain(|(k, _)| *k != "city");
        edit.push(("city", "Malmö"));
        edit.push(("version", &version));
        let res = c.post_form(&format!("/ops/merchants/{id}/edit"), &edit).await;
        assert_eq!(res.status(), 303);
        let (_, html) = c.page(&format!("/ops/merchants/{id}")).await;
        assert!(html.contains("Malmö"));
        // The same form again was filled from the old version: refused, not overwritten.
        let res = c.post_form(&format!("/ops/merchants/{id}/edit"), &edit).await;
        assert_eq!(res.status(), 422);
        assert!(res
            .text()
            .await
            .unwrap()
            .contains("Someone else changed this meanwhile"));

        let admin = operator(&app, OperatorRole::OpsAdmin).await;
        let (_, audit) = admin.page(&format!("/ops/audit?merchant={id}")).await;
        assert!(audit.contains("Company details changed"), "{audit}");
        assert!(
            audit.contains("city: Stockholm") && audit.contains("city: Malmö"),
            "{audit}"
        );

        // A store and a user, so every kind of search term has something to find.
        let res = c
            .post_form(
                &format!("/ops/merchants/{id}/stores/new"),
                &store_form("Bike Shop", "live"),
            )
            .await;
        assert_eq!(res.status(), 303);
        let store = created_store(&res);
        let user = app
            .db()
            .create_user(
                &kassa_db::NewUser {
                    email: "owner@nordicbikes.example",
                    name: "Owner",
                    password_hash: None,
                    language: "en",
                    status: "active",
                    access_expires_at: None,
                },
                kassa_web::now_ms(),
            )
            .await
            .unwrap();
        app.db().set_membership(user, &store, "super_admin", 0).await.unwrap();
        for term in ["nordic bikes", "5560360793", store.as_str(), "owner@nordicbikes"] {
            let (status, html) = c.page(&format!("/ops/merchants?q={}", urlencode(term))).await;
            assert_eq!(status, 200);
            assert!(linked_merchants(&html).contains(&id), "{term} finds the merchant");
            assert!(!html.contains("Demo Shop AB"), "{term} finds only it");
        }
        let (_, html) = c.page("/ops/merchants?q=no-such-merchant-anywhere").await;
        assert!(linked_merchants(&html).is_empty());
        assert!(html.contains("No merchant matches this search"));
    })
    .await;
}

#[tokio::test]
async fn merchant_pages_cover_every_merchant_exactly_once() {
    on_each_backend(|app| async move {
        let c = operator(&app, OperatorRole::Support).await;
        let admin_id = app.seed_operator("seeder@ops.kassa.test", OperatorRole::OpsAdmin).await;
        let seeder = Actor::operator(admin_id, "seeder@ops.kassa.test", OperatorRole::OpsAdmin, "127.0.0.1");
        for i in 0..60 {
            let input = MerchantInput {
                legal_name: format!("Paged Merchant {i:02} AB"),
                org_number: "5560360793".into(),
                vat_id: String::new(),
                address_line: "Storgatan 1".into(),
                postal_code: "111 22".into(),
                city: "Stockholm".into(),
                country: "SE".into(),
                onboarding: if i % 3 == 0 {
                    Onboarding::Partner
                } else {
                    Onboarding::Direct
                },
                require_two_factor: false,
            };
            ops::create_merchant(app.db(), &seeder, &input).await.unwrap();
        }
        let total = merchant_count(&app).await;
        assert_eq!(total, 61, "the demo merchant and 60 more");
        let mut seen = Vec::new();
        let mut next = Some("/ops/merchants".to_owned());
        let mut pages = 0;
        while let Some(path) = next {
            let (status, html) = c.page(&path).await;
            assert_eq!(status, 200);
            seen.extend(linked_merchants(&html));
            next = html
                .split("rel=\"next\"")
                .next()
                .filter(|_| html.contains("rel=\"next\""))
                .and_then(|before| before.rsplit("href=\"").next())
                .map(|s| unescape(s.trim_end_matches(['"', ' '])));
            pages += 1;
            assert!(pages < 10, "the pages end");
        }
        assert!(pages >= 2, "60 merchants take more than one page");
        let distinct: HashSet<_> = seen.iter().collect();
        assert_eq!(distinct.len(), seen.len(), "no merchant on two pages");
        assert_eq!(seen.len(), total, "every merchant on a page");
        // Searching pages too, and keeps the term.
        let (_, html) = c.page("/ops/merchants?q=Paged").await;
        assert!(html.contains("Through a partner"), "onboarding type shown");
        assert!(html.contains("rel=\"next\""));
        assert!(
            unescape(&html).contains("/ops/merchants?q=Paged&after="),
            "the next page keeps the term"
        );
    })
    .await;
}

#[tokio::test]
async fn stores_get_allocated_ids_and_only_finance_changes_their_money() {
    on_each_backend(|app| async move {
        let onboarding = operator(&app, OperatorRole::Onboarding).await;
        let finance = operator(&app, OperatorRole::Finance).await;
        let res = onboarding
            .post_form("/ops/merchants", &merchant_form("Store Owner AB", "5560360793"))
            .await;
        let id = created_merchant(&res);

        // Bad settings first: 422, nothing created.
        let mut bad = store_form("Bad", "live");
        bad.retain(|(k, _)| *k != "currency");
        bad.push(("currency", "EUR"));
        let res = onboarding
            .post_form(&format!("/ops/merchants/{id}/stores/new"), &bad)
            .await;
        assert_eq!(res.status(), 422);
        assert!(res
            .text()
            .await
            .unwrap()
            .contains("This currency is not used for payments"));
        assert!(app.db().merchant_stores(id).await.unwrap().is_empty());

        let res = onboarding
            .post_form(
                &format!("/ops/merchants/{id}/stores/new"),
                &store_form("Live Shop", "live"),
            )
            .await;
        assert_eq!(res.status(), 303);
        let live = created_store(&res);
        let res = onboarding
            .post_form(
                &format!("/ops/merchants/{id}/stores/new"),
                &store_form("Test Shop", "playground"),
            )
            .await;
        let playground = created_store(&res);
        for s in [&live, &playground] {
            assert!(
                s.len() == 7 && s.starts_with('M') && s[1..].chars().all(|c| c.is_ascii_digit()),
                "{s}"
            );
        }
        assert_ne!(live, playground);
        let (_, html) = onboarding
            .page(&format!("/ops/merchants/{id}?notice=store_created&store={live}"))
            .await;
        assert!(html.contains(&format!("Store {live} was created.")));
        assert!(html.contains(&format!("href=\"/ops/stores/{live}/settings\"")));
        assert!(
            !html.contains("/money\""),
            "onboarding has no link to the money settings"
        );
        assert!(html.contains("badge-success\">Live") && html.contains("Playground"));

        // Money settings are finance's.
        let money = format!("/ops/stores/{live}/money");
        assert_eq!(onboarding.get(&money).await.status(), 403);
        assert_eq!(onboarding.post_form(&money, &[]).await.status(), 403);
        assert_eq!(finance.get(&format!("/ops/stores/{live}/settings")).await.status(), 403);
        let (status, html) = finance.page(&money).await;
        assert_eq!(status, 200);
        let version = html
            .split("name=\"version\" value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap()
            .to_owned();
        let mut form: Vec<(&str, &str)> = vec![
            ("version", &version),
            ("fee_card_bps", "1,80"),
            ("fee_card_fixed_minor", "1.50"),
            ("fee_pay_in_x_bps", "2.5"),
            ("fee_pay_in_x_fixed_minor", ""),
            ("fee_invoice_bps", ""),
            ("fee_invoice_fixed_minor", ""),
            ("payout_schedule", "weekly"),
            ("payout_weekday", "5"),
            ("payout_monthday", ""),
            ("payout_account_holder", "Store Owner AB"),
            ("payout_iban", "SE45 5000 0000 0583 9825 7467"),
            ("payout_bic", "ESSESESS"),
        ];
        let res = finance.post_form(&money, &form).await;
        assert_eq!(res.status(), 422);
        let html = res.text().await.unwrap();
        assert!(html.contains("check digits do not match"), "{html}");
        assert!(html.contains("value=\"1,80\""), "the form keeps what was typed");
        let detail = app.db().store_detail(&live).await.unwrap().unwrap();
        assert_eq!(detail.store.payout_iban, "", "nothing changed");
        assert_eq!(detail.fees.of(PaymentMethod::Card).bps(), 0);
        assert_eq!(detail.store.payout_schedule, "daily");

        form.retain(|(k, _)| !matches!(*k, "payout_iban" | "fee_invoice_bps"));
        form.push(("payout_iban", "SE45 5000 0000 0583 9825 7466"));
        form.push(("fee_invoice_bps", "1.234"));
        let res = finance.post_form(&money, &form).await;
        assert_eq!(res.status(), 422);
        assert!(res.text().await.unwrap().contains("at most two decimals"));

        form.retain(|(k, _)| *k != "fee_invoice_bps");
        form.push(("fee_invoice_bps", "0"));
        let res = finance.post_form(&money, &form).await;
        assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
        let detail = app.db().store_detail(&live).await.unwrap().unwrap();
        let card = detail.fees.of(PaymentMethod::Card);
        assert_eq!((card.bps(), card.fixed_minor()), (180, 150));
        assert_eq!(detail.fees.of(PaymentMethod::PayInX).bps(), 250);
        assert_eq!(detail.store.payout_iban, "SE4550000000058398257466");
        assert_eq!(
            (detail.store.payout_schedule.as_str(), detail.store.payout_day),
            ("weekly", Some(5))
        );
        let (_, html) = finance.page(&format!("/ops/merchants/{id}")).await;
        assert!(html.contains("Card 1.80 % + SEK\u{a0}1.50"), "{html}");
        assert!(html.contains("Weekly on Friday"));
        assert!(html.contains("•••• 7466") && !html.contains("SE4550000000058398257466"));

        // Onboarding renames the store; the money settings stay as finance set them.
        let settings = format!("/ops/stores/{live}/settings");
        let (status, html) = onboarding.page(&settings).await;
        assert_eq!(status, 200);
        assert!(html.contains("value=\"Live Shop\""));
        let mut rename = store_form("Renamed Shop", "live");
        rename.retain(|(k, _)| *k != "environment");
        rename.push(("environment", "playground"));
        let res = onboarding.post_form(&settings, &rename).await;
        assert_eq!(res.status(), 422, "the environment is fixed");
        let res = onboarding
            .post_form(&settings, &store_form("Renamed Shop", "live"))
            .await;
        assert_eq!(res.status(), 303);
        let detail = app.db().store_detail(&live).await.unwrap().unwrap();
        assert_eq!(detail.store.name, "Renamed Shop");
        assert_eq!(detail.store.payout_day, Some(5));
        assert_eq!(detail.fees.of(PaymentMethod::Card).bps(), 180);
    })
    .await;
}

#[tokio::test]
async fn suspension_shows_and_support_sees_everything_read_only() {
    on_each_backend(|app| async move {
        let demo = app
            .db()
            .store_detail(kassa_web::demo::PLAYGROUND_STORE)
            .await
            .unwrap()
            .unwrap()
            .store
            .merchant_id;
        // Something authorized and not captured, for the stores table.
        let api = app.api(kassa_web::demo::PLAYGROUND_STORE).await;
        api.authorized_order(&sample_order()).await;
        let uncaptured: i64 = app
            .db()
            .uncaptured(kassa_web::demo::PLAYGROUND_STORE)
            .await
            .unwrap()
            .iter()
            .map(|(_, amount, _)| amount)
            .sum();
        assert!(uncaptured > 0);

        let risk = operator(&app, OperatorRole::Risk).await;
        let page = format!("/ops/merchants/{demo}");
        let (status, html) = risk.page(&page).await;
        assert_eq!(status, 200);
        assert!(
            html.contains(&english_money(uncaptured, "SEK")),
            "uncaptured total shown"
        );
        assert!(html.contains(&format!("action=\"/ops/merchants/{demo}/suspend\"")));
        assert!(
            !html.contains(&format!("/ops/merchants/{demo}/edit")),
            "risk does not edit"
        );

        let res = risk.post_form(&format!("{page}/suspend"), &[("reason", " ")]).await;
        assert_eq!(res.status(), 422, "a reason is required");
        assert!(res.text().await.unwrap().contains("Fill this in."));
        let res = risk
            .post_form(&format!("{page}/suspend"), &[("reason", "Chargebacks under review")])
            .await;
        assert_eq!(res.status(), 303);
        let (_, html) = risk.page(&page).await;
        assert!(html.contains("badge-danger\">Suspended"));
        assert!(html.contains("Chargebacks under review"));
        assert!(html.contains(&format!("action=\"/ops/merchants/{demo}/reinstate\"")));
        let (_, list) = risk.page("/ops/merchants?q=Demo").await;
        assert!(list.contains("badge-danger\">Suspended"));

        // Support reads everything and changes nothing.
        let support = operator(&app, OperatorRole::Support).await;
        let (status, html) = support.page(&page).await;
        assert_eq!(status, 200);
        assert!(html.contains("Chargebacks under review") && html.contains("M100001"));
        for link in [
            "/suspend\"",
            "/reinstate\"",
            "/edit\"",
            "/stores/new\"",
            "/settings\"",
            "/money\"",
        ] {
            assert!(!html.contains(link), "no {link} link or form for support");
        }
        let (_, list) = support.page("/ops/merchants").await;
        assert!(!list.contains("/ops/merchants/new"));
        for path in [
            "/ops/merchants".to_owned(),
            format!("{page}/edit"),
            format!("{page}/suspend"),
            format!("{page}/reinstate"),
            format!("{page}/stores/new"),
            "/ops/stores/M100001/settings".to_owned(),
            "/ops/stores/M100001/money".to_owned(),
        ] {
            let res = support.post_form(&path, &merchant_form("X AB", "5560360793")).await;
            assert_eq!(res.status(), 403, "support may not POST {path}");
        }
        assert_eq!(support.get(&format!("{page}/edit")).await.status(), 403);

        let res = risk.post_form(&format!("{page}/reinstate"), &[]).await;
        assert_eq!(res.status(), 303);
        let (_, html) = risk.page(&page).await;
        assert!(!html.contains("badge-danger\">Suspended"));
        assert!(html.contains("badge-success\">Active"));
        assert_eq!(support.get("/ops/merchants/999999").await.status(), 404);
        assert_eq!(support.get("/ops/merchants/not-a-number").await.status(), 404);
    })
    .await;
}
