//! Home's figures over HTTP: the sales chart counts what shoppers complete.

use crate::support::*;

/// The table row behind today's bar: (purchases, amount).
fn today_row(html: &str) -> Option<(String, String)> {
    let today = jiff::Timestamp::now().strftime("%Y-%m-%d").to_string();
    let start = html.find(&format!("<tr data-day=\"{today}\">"))?;
    let row = &html[start..start + html[start..].find("</tr>")?];
    let cell = |marker: &str| {
        let from = row.find(marker)? + marker.len();
        Some(row[from..from + row[from..].find('<')?].to_owned())
    };
    Some((cell("data-count>")?, cell("data-amount>")?))
}

#[tokio::test]
async fn a_completed_checkout_shows_in_todays_sales_bar() {
    on_each_backend(|app| async move {
        let portal = app.signed_in("admin@demo.kassa.test").await;
        let (status, html) = portal.page("/portal").await;
        assert_eq!(status, 200);
        assert!(html.contains("id=\"sales-empty\""), "no sales yet: an empty state");
        assert!(!html.contains("<svg class=\"chart\""), "no empty chart");

        let api = app.api("M100001").await;
        // An open checkout is not a sale; only completed ones count.
        assert_eq!(api.create_checkout(&sample_order()).await.status(), 201);
        let completed = 1 + uuid::Uuid::new_v4().as_bytes()[0] as usize % 3;
        for _ in 0..completed {
            api.authorized_order(&sample_order()).await;
        }
        let (_, html) = portal.page("/portal").await;
        assert!(!html.contains("id=\"sales-empty\""));
        let (count, amount) = today_row(&html).expect("today's row in the sales table");
        assert_eq!(count, completed.to_string());
        let sek = completed * 600;
        let expected = match sek / 1000 {
            0 => format!("SEK\u{a0}{sek}.00"),
            thousands => format!("SEK\u{a0}{thousands},{:03}.00", sek % 1000),
        };
        assert_eq!(amount, expected);
        assert!(html.contains(&format!("id=\"sales-total\">{expected}<")), "the total");

        // The chart is one graphic without links (the table has them).
        let svg_start = html.find("<svg class=\"chart\"").unwrap();
        let svg = &html[svg_start..svg_start + html[svg_start..].find("</svg>").unwrap()];
        assert!(svg.contains("role=\"img\"") && svg.contains("<title id=\"sales-chart-title\">"));
        assert!(!svg.contains("<a "), "no links inside the chart: {svg}");
    })
    .await;
}

/// The demo's orders were made now and then moved back in time: the chart counts each on the
/// day it now has (it was empty on the demo before).
#[tokio::test]
async fn the_demo_store_has_sales_spread_over_the_month() {
    on_each_backend(|app| async move {
        kassa_web::demo::seed_orders(app.db(), 80).await.unwrap();
        let portal = app.signed_in("admin@demo.kassa.test").await;
        let (_, html) = portal.page("/portal").await;
        assert!(!html.contains("id=\"sales-empty\""), "the demo has sales");
        let days: Vec<&str> = html.split("<tr data-day=\"").skip(1).map(|row| &row[..10]).collect();
        let counts: i64 = html
            .split("data-count>")
            .skip(1)
            .map(|c| c[..c.find('<').unwrap()].parse::<i64>().unwrap())
            .sum();
        assert!(days.len() >= 5, "sales on many days, not all today: {days:?}");
        assert!(counts >= days.len() as i64);
    })
    .await;
}

/// The same checkout completed by many requests at once is one sale, counted once.
#[tokio::test]
async fn a_checkout_completed_by_many_requests_at_once_counts_once() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let created: serde_json::Value = api.create_checkout(&sample_order()).await.json().await.unwrap();
        let id = created["order_id"].as_str().unwrap().to_owned();
        let tries = 200;
        let tasks: Vec<_> = (0..tries)
            .map(|_| {
                let (api, id) = (api.clone(), id.clone());
                tokio::spawn(async move { api.complete(&id, None).await.status().as_u16() })
            })
            .collect();
        let mut done = 0;
        for t in tasks {
            done += (t.await.unwrap() == 200) as usize;
        }
        assert_eq!(done, 1, "one completion of {tries}");
        let portal = app.signed_in("admin@demo.kassa.test").await;
        let (_, html) = portal.page("/portal").await;
        let (count, amount) = today_row(&html).expect("today's row");
        assert_eq!((count.as_str(), amount.as_str()), ("1", "SEK\u{a0}600.00"));
    })
    .await;
}
