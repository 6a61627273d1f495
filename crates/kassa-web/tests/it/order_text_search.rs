//! Order search by substring (issue 9, item 11): what people type — a surname, a piece of an
//! email or of a reference — finds exactly the orders that contain it, in the list, in the
//! CSV export and under every plan the order list may choose, on both databases.

use crate::support::*;
use kassa_db::{Cursor, Db, Narrow, OrderFilter, OrderListRow, SearchPlan, SortOrder};
use serde_json::json;

fn billing(given: &str, family: &str, email: &str) -> serde_json::Value {
    json!({"given_name": given, "family_name": family, "email": email, "street_address": "Gatan 1",
           "postal_code": "111 22", "city": "Stockholm", "country": "SE"})
}

/// An order for `given family <email>` with merchant references `ref1` and `ref2`.
fn order_for(given: &str, family: &str, email: &str, ref1: &str, ref2: Option<&str>) -> serde_json::Value {
    let mut o = sample_order();
    o["merchant_reference1"] = json!(ref1);
    if let Some(r) = ref2 {
        o["merchant_reference2"] = json!(r);
    }
    o["billing_address"] = billing(given, family, email);
    o
}

/// The order ids a list page shows, in its order.
fn listed_ids(html: &str) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for s in html.split("href=\"/portal/orders/").skip(1) {
        let id = s.split('"').next().unwrap_or("");
        if id.len() == 36 && !ids.iter().any(|x| x == id) {
            ids.push(id.to_owned());
        }
    }
    ids
}

/// The order list and the CSV export for `q`, which must agree; returns the list's ids.
async fn search(c: &Client, q: &str) -> Vec<String> {
    let (status, html) = c.page(&format!("/portal/orders?q={}", urlencode(q))).await;
    assert_eq!(status, 200, "{q}");
    let list = listed_ids(&html);
    let res = c.get(&format!("/portal/orders/export.csv?q={}", urlencode(q))).await;
    assert_eq!(res.status(), 200, "export of {q}");
    let csv = res.text().await.unwrap();
    let exported: Vec<String> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().to_owned())
        .collect();
    assert_eq!(exported, list, "the CSV export of {q:?} equals the list");
    list
}

/// Does `q` occur, ignoring case, in one of the fields search covers? The oracle.
fn contains(r: &OrderListRow, q: &str) -> bool {
    let q = q.trim().to_lowercase();
    [
        Some(r.order_id.as_str()),
        Some(r.short_reference.as_str()),
        r.merchant_reference1.as_deref(),
        r.merchant_reference2.as_deref(),
        Some(r.customer_name.as_str()),
        Some(r.customer_email.as_str()),
    ]
    .into_iter()
    .flatten()
    .any(|field| field.to_lowercase().contains(&q))
}

/// Every order of the playground store, newest first.
async fn every_order(db: &Db) -> Vec<OrderListRow> {
    let f = OrderFilter {
        store_id: "M100001".into(),
        ..Default::default()
    };
    let mut pages = db.export_orders(&f, SearchPlan::Walk, 1_000);
    let mut all = Vec::new();
    while let Some(page) = pages.recv().await {
        all.extend(page.unwrap());
    }
    all
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

#[tokio::test]
async fn surnames_email_parts_and_reference_parts_find_exactly_their_orders() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let karin = api
            .authorized_order(&order_for(
                "Karin",
                "Olsson",
                "karin@example.com",
                "WEB-DS-1003-A",
                None,
            ))
            .await;
        let per = api
            .authorized_order(&order_for("Per", "Olsson", "per@kassa.test", "DS-2001", None))
            .await;
        let olle = api
            .authorized_order(&order_for("Olle", "Svensson", "olle@example.com", "DS-10034", None))
            .await;
        let ada = api
            .authorized_order(&order_for(
                "Ada",
                "Lovelace",
                "ada@lovelace.test",
                "DS-1030",
                Some("CAMPAIGN-OLSSONS"),
            ))
            .await;
        let grace = api
            .authorized_order(&order_for("Grace", "Hopper", "grace@navy.test", "GH-1", None))
            .await;
        let c = app.signed_in("user@demo.kassa.test").await;

        for (q, want) in [
            ("Olsson", vec![&karin, &per, &ada]),
            ("olsSON", vec![&karin, &per, &ada]),
            ("example.com", vec![&karin, &olle]),
            ("EXAMPLE.COM", vec![&karin, &olle]),
            ("DS-1003", vec![&karin, &olle]),
            ("ds-1003-a", vec![&karin]),
            ("navy", vec![&grace]),
            ("Hopper", vec![&grace]),
            ("zz-nowhere", vec![]),
        ] {
            let want = sorted(want.into_iter().cloned().collect());
            assert_eq!(sorted(search(&c, q).await), want, "{q}");
        }
        // Two characters are too few for the text index: exact values and a name's start.
        assert_eq!(search(&c, "Ol").await, vec![olle.clone()], "a name starting with Ol");

        // Fragments of generated references: checked against the oracle, since a piece of a
        // short reference might, rarely, also occur in some order id.
        let all = every_order(app.db()).await;
        assert_eq!(all.len(), 5);
        let g = app.db().order("M100001", &grace).await.unwrap().unwrap();
        let mid = g.order_id.len() / 2;
        for q in [
            g.short_reference[1..5].to_owned(),
            g.short_reference[2..6].to_lowercase(),
            g.order_id[mid - 4..mid + 4].to_uppercase(),
        ] {
            let want: Vec<String> = all
                .iter()
                .filter(|r| contains(r, &q))
                .map(|r| r.order_id.clone())
                .collect();
            assert!(want.contains(&grace), "{q} is part of Grace's order");
            assert_eq!(search(&c, &q).await, want, "{q}");
        }
    })
    .await;
}

#[tokio::test]
async fn an_order_is_found_by_its_new_name_and_reference_and_not_by_the_old() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let id = api
            .authorized_order(&order_for("Karin", "Olsson", "karin@example.com", "SHOP-4471", None))
            .await;
        let other = api
            .authorized_order(&order_for("Per", "Berg", "per@example.com", "SHOP-9000", None))
            .await;
        let c = app.signed_in("user@demo.kassa.test").await;
        assert_eq!(search(&c, "Olsson").await, vec![id.clone()]);

        let res = api
            .om(
                reqwest::Method::PATCH,
                &id,
                "customer-details",
                Some(&json!({"billing_address": billing("Karin", "Lindqvist", "karin@lindqvist.test")})),
            )
            .await;
        assert!(res.status().is_success(), "customer details: {}", res.status());
        let res = api
            .om(
                reqwest::Method::PATCH,
                &id,
                "merchant-references",
                Some(&json!({"merchant_reference1": "ERP-77310", "merchant_reference2": "Returns desk"})),
            )
            .await;
        assert!(res.status().is_success(), "merchant references: {}", res.status());

        for q in ["Lindqvist", "lindqvist.test", "ERP-773", "returns DESK"] {
            assert_eq!(search(&c, q).await, vec![id.clone()], "{q} is the order's now");
        }
        for q in ["Olsson", "karin@example", "SHOP-4471"] {
            assert_eq!(
                search(&c, q).await,
                Vec::<String>::new(),
                "{q} is no longer the order's"
            );
        }
        assert_eq!(search(&c, "example.com").await, vec![other]);
    })
    .await;
}

/// Every page of `f` read as `plan`, `page` rows at a time.
async fn all_pages(db: &Db, f: &OrderFilter, plan: SearchPlan, page: i64) -> Vec<String> {
    pages_of(db, f, Some(plan), page).await
}

/// Every page of `f`, `page` rows at a time: read as `plan`, or as the order list reads them
/// (`search_page`, which counts a rare term and reads its page in one statement).
async fn pages_of(db: &Db, f: &OrderFilter, plan: Option<SearchPlan>, page: i64) -> Vec<String> {
    let mut ids = Vec::new();
    let mut after: Option<Cursor> = None;
    loop {
        let rows = match plan {
            Some(plan) => db.search_orders(f, plan, after.as_ref(), page).await.unwrap(),
            None => db.search_page(f, after.as_ref(), page).await.unwrap(),
        };
        ids.extend(rows.iter().map(|r| r.order_id.clone()));
        match rows.last() {
            Some(last) if rows.len() as i64 == page => after = Some(Cursor::of(last, f.sort)),
            _ => return ids,
        }
    }
}

/// A small generator for the random fragments; its seed is printed so a failure can be rerun.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

#[tokio::test]
async fn random_fragments_find_what_the_oracle_finds_under_every_plan() {
    on_each_backend(|app| async move {
        let db = app.db();
        kassa_web::demo::seed_orders_bulk(db, 6_000).await.unwrap();
        let all = every_order(db).await;
        assert_eq!(all.len(), 6_000);
        let store = || OrderFilter {
            store_id: "M100001".into(),
            ..Default::default()
        };

        // A substring in every order is walked; a rare one is read from the text index.
        let common = OrderFilter {
            query: Some("EXAMPLE.com".into()),
            ..store()
        };
        assert_eq!(db.plan_search(&common).await.unwrap(), SearchPlan::Walk);
        assert_eq!(all_pages(db, &common, SearchPlan::Walk, 500).await.len(), 6_000);
        let rare = OrderFilter {
            query: Some("DS-10012".into()),
            ..store()
        };
        assert_eq!(db.plan_search(&rare).await.unwrap(), SearchPlan::Drive(Narrow::Search));
        assert_eq!(all_pages(db, &rare, SearchPlan::Walk, 50).await.len(), 100);

        let seed = std::env::var("KASSA_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| uuid::Uuid::new_v4().as_u64_pair().0 | 1);
        eprintln!("random fragments: KASSA_TEST_SEED={seed}");
        let mut dice = Dice(seed);
        let sorts = [
            SortOrder::NewestFirst,
            SortOrder::OldestFirst,
            SortOrder::LargestFirst,
            SortOrder::SmallestFirst,
        ];
        let mut round = 0;
        while round < 24 {
            let row = &all[dice.roll(all.len())];
            let fields = [
                row.order_id.clone(),
                row.short_reference.clone(),
                row.merchant_reference1.clone().unwrap_or_default(),
                row.customer_name.clone(),
                row.customer_email.clone(),
            ];
            let field: Vec<char> = fields[dice.roll(fields.len())].chars().collect();
            let len = 3 + dice.roll(6.min(field.len() - 2));
            let start = dice.roll(field.len() - len + 1);
            // Random case, so folding is tested too.
            let q: String = field[start..start + len]
                .iter()
                .map(|c| match dice.roll(2) {
                    0 => c.to_ascii_uppercase(),
                    _ => c.to_ascii_lowercase(),
                })
                .collect();
            if q.trim().chars().count() < 3 {
                continue; // a space at either end is trimmed: too short for a part of a field
            }
            round += 1;
            let f = OrderFilter {
                query: Some(q.clone()),
                sort: sorts[round % sorts.len()],
                statuses: if round % 3 == 0 {
                    vec![row.status.code().to_owned()]
                } else {
                    Vec::new()
                },
                ..store()
            };
            let mut want: Vec<&OrderListRow> = all
                .iter()
                .filter(|r| {
                    contains(r, &q) && (f.statuses.is_empty() || f.statuses.iter().any(|s| s == r.status.code()))
                })
                .collect();
            want.sort_by_key(|r| match f.sort {
                SortOrder::NewestFirst | SortOrder::OldestFirst => (r.created_at, r.order_id.clone()),
                SortOrder::LargestFirst | SortOrder::SmallestFirst => (r.order_amount, r.order_id.clone()),
            });
            if matches!(f.sort, SortOrder::NewestFirst | SortOrder::LargestFirst) {
                want.reverse();
            }
            let want: Vec<String> = want.into_iter().map(|r| r.order_id.clone()).collect();
            assert!(want.contains(&row.order_id), "{q:?} is part of {}", row.order_id);
            let chosen = db.plan_search(&f).await.unwrap();
            // A few pages each: keyset paging is exercised without reading thousands of pages.
            let page = 37.max(want.len() as i64 / 4);
            for plan in [SearchPlan::Walk, SearchPlan::Drive(Narrow::Search), chosen] {
                assert_eq!(
                    all_pages(db, &f, plan, page).await,
                    want,
                    "{plan:?} of {f:?} (seed {seed})"
                );
            }
            assert_eq!(
                pages_of(db, &f, None, page).await,
                want,
                "the list's own plan of {f:?} (seed {seed})"
            );
        }
    })
    .await;
}
