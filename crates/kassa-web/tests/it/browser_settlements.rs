//! The Settlements section in a real browser: a Settlement user opens the latest payout,
//! downloads its CSV and PDF, makes a custom report and downloads it once it is ready;
//! every page of the section stays readable at 375 px and in dark mode.

use crate::browser::{assert_fits, click, eval_string, open_browser, sign_in, snap};
use crate::support::*;
use fantoccini::{Client as Browser, Locator};

/// Fetches `href` as the page would (its cookies) and answers `status content-type size
/// first-bytes`.
async fn fetch(b: &Browser, href: &str) -> String {
    let script = r#"
        const done = arguments[arguments.length - 1];
        fetch(arguments[0], {credentials: 'same-origin'}).then(async r => {
            const bytes = new Uint8Array(await r.arrayBuffer());
            const head = String.fromCharCode(...bytes.slice(0, 4));
            done(`${r.status} ${r.headers.get('content-type')} ${bytes.length} ${head}`);
        });
    "#;
    let v = b
        .execute_async(script, vec![serde_json::Value::String(href.to_owned())])
        .await
        .unwrap();
    v.as_str().unwrap().to_owned()
}

async fn href_of(b: &Browser, css: &str) -> String {
    b.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .attr("href")
        .await
        .unwrap()
        .unwrap()
}

/// How far the page scrolls sideways (0 when it fits).
#[tokio::test]
async fn a_settlement_user_downloads_a_payout_and_a_custom_report() {
    on_each_backend(|app| async move {
        let Some((_driver, b)) = open_browser().await else {
            return;
        };
        let api = app.api("M100001").await;
        for _ in 0..2 {
            let id = api.authorized_order(&sample_order()).await;
            assert_eq!(api.capture(&id, 60000, None).await.status(), 201);
        }
        app.payout_now("M100001").await;
        let order = api.authorized_order(&sample_order()).await;
        assert_eq!(api.capture(&order, 60000, None).await.status(), 201);
        let latest = app.payout_now("M100001").await.remove(0).payment_reference;

        sign_in(&b, &app.url, "settlement@demo.kassa.test").await;
        click(&b, "nav.sidenav a[href='/portal/settlements']").await;
        b.wait().for_element(Locator::Id("latest-payouts")).await.unwrap();
        snap(&b, "settlements-balance").await;
        // The newest payout is listed first.
        click(&b, "#latest-payouts tbody tr:first-child a").await;
        b.wait().for_element(Locator::Id("payment-reference")).await.unwrap();
        assert_eq!(
            eval_string(&b, "return document.getElementById('payment-reference').textContent").await,
            latest
        );
        snap(&b, "settlements-payout").await;
        let csv = fetch(&b, &href_of(&b, "#download-csv").await).await;
        assert!(csv.starts_with("200 text/csv; charset=utf-8 "), "{csv}");
        let pdf = fetch(&b, &href_of(&b, "#download-pdf").await).await;
        assert!(
            pdf.starts_with("200 application/pdf ") && pdf.ends_with(" %PDF"),
            "{pdf}"
        );
        // Each transaction leads to its order.
        click(&b, &format!("#transactions a[href='/portal/orders/{order}']")).await;
        b.wait().for_element(Locator::Id("money-trace")).await.unwrap();
        assert!(
            eval_string(&b, "return document.getElementById('money-trace').textContent")
                .await
                .contains(&latest)
        );

        // A custom report: made in the background, the list refreshes by itself.
        b.goto(&format!("{}/portal/settlements/reports", app.url))
            .await
            .unwrap();
        b.find(Locator::Css("#kind option[value=payouts_summary]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        b.find(Locator::Css("#format option[value=pdf]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        click(&b, "#create-report").await;
        let link = b
            .wait()
            .at_most(std::time::Duration::from_secs(20))
            .for_element(Locator::Css("#reports a[data-download]"))
            .await
            .expect("the report becomes downloadable without reloading");
        snap(&b, "settlements-reports").await;
        let href = link.attr("href").await.unwrap().unwrap();
        let file = fetch(&b, &href).await;
        assert!(
            file.starts_with("200 application/pdf ") && file.ends_with(" %PDF"),
            "{file}"
        );

        // Every page of the section fits a 375 px phone, in light and in dark.
        let pages = [
            "/portal/settlements".to_owned(),
            "/portal/settlements/payouts".to_owned(),
            format!("/portal/settlements/payouts/{latest}"),
            "/portal/settlements/reports".to_owned(),
            "/portal/settlements/configure".to_owned(),
            format!("/portal/orders/{order}"),
        ];
        b.set_window_size(375, 800).await.unwrap();
        let mut backgrounds = Vec::new();
        for theme in ["light", "dark"] {
            b.goto(&format!("{}/portal/account", app.url)).await.unwrap();
            b.execute(
                &format!("document.querySelector('.theme-choice button[value={theme}]').click()"),
                vec![],
            )
            .await
            .unwrap();
            b.wait()
                .for_element(Locator::Css(&format!("html[data-theme={theme}]")))
                .await
                .unwrap();
            for path in &pages {
                b.goto(&format!("{}{path}", app.url)).await.unwrap();
                b.wait().for_element(Locator::Css("main")).await.unwrap();
                snap(&b, &format!("settlements-375-{theme}{}", path.replace('/', "-"))).await;
                assert_fits(&b, &format!("{path} at 375 px ({theme})")).await;
            }
            backgrounds.push(eval_string(&b, "return getComputedStyle(document.body).backgroundColor").await);
        }
        assert_ne!(backgrounds[0], backgrounds[1], "dark mode is dark");
        b.close().await.unwrap();
    })
    .await;
}
