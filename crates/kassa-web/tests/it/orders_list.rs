//! The order list's form and pages over HTTP: filters from links shown, bad input explained,
//! where a page is in the result, and bulk capture that asks first.

use crate::support::*;

/// The `<select id=…>` of a page, and the value of its selected option.
fn selected_in(html: &str, select_id: &str) -> Option<String> {
    let start = html.find(&format!("<select id=\"{select_id}\""))?;
    let select = &html[start..start + html[start..].find("</select>")?];
    let at = select.find(" selected>")?;
    let value_at = select[..at].rfind("value=\"")? + "value=\"".len();
    Some(select[value_at..value_at + select[value_at..].find('"')?].to_owned())
}

#[tokio::test]
async fn filters_that_a_home_link_applies_show_in_the_form() {
    on_each_backend(|app| async move {
        let c = app.signed_in("user@demo.kassa.test").await;
        let (_, home) = c.page("/portal").await;
        // Home links to these two lists (when there is something to show; both hrefs are fixed).
        assert!(home.contains("href=\"/portal/orders?expiring=3\""));
        let (status, html) = c.page("/portal/orders?expiring=3").await;
        assert_eq!(status, 200);
        assert_eq!(selected_in(&html, "expiring").as_deref(), Some("3"));
        let (_, html) = c.page("/portal/orders?status=AUTHORIZED,PART_CAPTURED").await;
        assert_eq!(
            selected_in(&html, "status").as_deref(),
            Some("AUTHORIZED,PART_CAPTURED")
        );
        // Any other combination from a link is shown as it is, not as "Any".
        let (_, html) = c.page("/portal/orders?status=CLOSED,CANCELLED&expiring=45").await;
        assert_eq!(selected_in(&html, "status").as_deref(), Some("CANCELLED,CLOSED"));
        assert_eq!(selected_in(&html, "expiring").as_deref(), Some("45"));
        assert!(html.contains(">Cancelled, Closed</option>"), "in words");
    })
    .await;
}

#[tokio::test]
async fn invalid_filter_input_is_explained_not_ignored() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        api.authorized_order(&sample_order()).await;
        let c = app.signed_in("user@demo.kassa.test").await;
        let (status, html) = c.page("/portal/orders?from=2025-13-45&min=abc&max=12").await;
        assert_eq!(status, 400);
        assert!(html.contains("id=\"filter-problems\""), "{html}");
        assert!(html.contains("From: “2025-13-45” is not a date"), "{html}");
        assert!(html.contains("Amount from: “abc” is not an amount"));
        assert!(!html.contains("orders-table"), "no list run without the filter");
        assert!(html.contains("id=\"from\" name=\"from\" type=\"date\" value=\"2025-13-45\" aria-invalid=\"true\""));
        let (status, html) = c
            .page("/portal/orders?min=500&max=100&to=2025-01-01&from=2025-02-01")
            .await;
        assert_eq!(status, 400);
        assert!(html.contains("“Amount from” is larger than “Amount to”."));
        assert!(html.contains("The “to” date is before the “from” date."));
        let (status, html) = c.page("/portal/orders?status=NOPE&method=CASH&expiring=0").await;
        assert_eq!(status, 400);
        assert_eq!(html.matches("is not one Kassa knows").count(), 2);
        assert!(html.contains("from 1 to 90"));
        // In the user's language.
        c.post_form("/portal/language", &[("lang", "sv"), ("next", "/portal/orders")])
            .await;
        let (_, html) = c.page("/portal/orders?min=abc").await;
        assert!(html.contains("Belopp från: ”abc” är inget belopp"), "{html}");
        let (status, _) = c.page("/portal/orders?min=100,50").await;
        assert_eq!(status, 200, "a decimal comma is an amount");
    })
    .await;
}

#[tokio::test]
async fn pages_show_where_they_are_and_lead_back() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let extra = 1 + uuid::Uuid::new_v4().as_bytes()[0] as usize % 20;
        let total = 50 + extra;
        for _ in 0..total {
            api.authorized_order(&sample_order()).await;
        }
        let c = app.signed_in("user@demo.kassa.test").await;
        let (_, first) = c.page("/portal/orders?status=AUTHORIZED").await;
        assert!(first.contains("Orders 1–50 of more than 50"), "first page count");
        assert!(!first.contains("rel=\"prev\""), "no previous page on the first");
        let next = attr_of(&first, "rel=\"next\"").expect("a next page");
        let (_, second) = c.page(&next.replace("&#38;", "&")).await;
        let count = |html: &str| {
            let at = html.find("id=\"result-count\"").map(|i| &html[i..]).unwrap_or(html);
            at[..at.find("</p>").unwrap_or(at.len())].to_owned()
        };
        assert!(
            second.contains(&format!("Orders 51–{total} of {total}")),
            "the last page knows the total: {} ({next})",
            count(&second)
        );
        assert_eq!(second.matches("<tr>").count() - 1, extra, "rows of the second page");
        let previous = attr_of(&second, "rel=\"prev\"").expect("a previous page");
        let (_, back) = c.page(&previous.replace("&#38;", "&")).await;
        let rows = |html: &str| -> Vec<String> {
            html.split("href=\"/portal/orders/")
                .skip(1)
                .filter_map(|s| s.get(..36))
                .filter(|id| uuid::Uuid::parse_str(id).is_ok())
                .map(str::to_owned)
                .collect()
        };
        assert_eq!(rows(&back), rows(&first), "previous page is the first page again");
        assert!(back.contains("status=AUTHORIZED"), "filters kept");
        let (_, few) = c.page("/portal/orders?q=nobody-has-this").await;
        assert!(few.contains("No orders match"));
        let (_, one) = c.page(&format!("/portal/orders?q={}", rows(&first)[0])).await;
        assert!(one.contains("Orders found: 1"), "an exact count on one page");
    })
    .await;
}

/// The href of the link that carries `marker` (e.g. `rel="next"`).
fn attr_of(html: &str, marker: &str) -> Option<String> {
    let at = html.find(marker)?;
    let tag_start = html[..at].rfind("<a ")?;
    let tag = &html[tag_start..at];
    let href = tag.find("href=\"")? + "href=\"".len();
    Some(tag[href..href + tag[href..].find('"')?].to_owned())
}

#[tokio::test]
async fn bulk_capture_asks_first_then_shows_a_result_page() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let a = api.authorized_order(&sample_order()).await;
        let b = api.authorized_order(&sample_order()).await;
        let cancelled = api.authorized_order(&sample_order()).await;
        assert_eq!(
            api.om(reqwest::Method::POST, &cancelled, "cancel", None).await.status(),
            204
        );
        let c = app.signed_in("admin@demo.kassa.test").await;
        c.page("/portal/orders").await;
        let selection = [
            ("order", a.as_str()),
            ("order", b.as_str()),
            ("order", cancelled.as_str()),
        ];
        let res = c.post_form("/portal/orders/bulk-capture", &selection).await;
        assert_eq!(res.status(), 200);
        let question = res.text().await.unwrap();
        assert!(
            question.contains("Orders: 2. Total: SEK\u{a0}1,200.00."),
            "count and total of what can be captured: {question}"
        );
        assert!(question.contains("Capture SEK\u{a0}1,200.00</button>"));
        assert!(!question.contains(&cancelled), "a cancelled order is not offered");
        assert_eq!(api.order(&a).await["status"], "AUTHORIZED", "nothing captured yet");

        let res = c
            .post_form(
                "/portal/orders/bulk-capture",
                &[("order", &a), ("order", &b), ("confirm", "yes")],
            )
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/portal/orders/bulk-capture");
        for _ in 0..2 {
            // A reload shows the same result and captures nothing more.
            let (status, result) = c.page("/portal/orders/bulk-capture").await;
            assert_eq!(status, 200);
            assert_eq!(result.matches("badge-success").count(), 2, "{result}");
        }
        assert_eq!(api.order(&a).await["status"], "CAPTURED");
        assert_eq!(api.order(&b).await["captured_amount"], 60000);
        let (_, list) = c.page("/portal/orders").await;
        assert!(list.contains("data-select-all=\"order\""), "a select-all box");
    })
    .await;
}
