//! The Integrations section in a real browser: an admin generates a key, copies the
//! password and downloads the `.env` file; a shop's HTTP client uses those settings to create
//! and capture an order, and the page then shows the key as used from that shop's platform;
//! Developer Logs show the shop's calls and the webhook deliveries to its local receiver.
//! The pages pass axe and fit a 375 px phone in light and dark.

use crate::browser::{assert_fits, click, eval_string, fill, open_browser, sign_in, snap, text_of};
use crate::browser_axe::{axe_source, violations};
use crate::support::*;
use fantoccini::{Client as Browser, Locator};

const WOO: &str =
    "WordPress/6.4.2; https://shop.example - WooCommerce: 8.5.1 - KCO:2.12.0 - PHP Version: 8.1.27 - Krokedil";

/// Posts the page's `.env` download form as the browser would; answers `status
/// content-disposition` and the file.
async fn download_env(b: &Browser) -> (String, String) {
    let script = r#"
        const done = arguments[arguments.length - 1];
        const form = document.getElementById('download-env');
        fetch(form.action, {method: 'POST', body: new URLSearchParams(new FormData(form)), credentials: 'same-origin'})
            .then(async r => done([`${r.status} ${r.headers.get('content-disposition')}`, await r.text()]));
    "#;
    let v = b.execute_async(script, vec![]).await.unwrap();
    (v[0].as_str().unwrap().to_owned(), v[1].as_str().unwrap().to_owned())
}

fn setting<'a>(file: &'a str, name: &str) -> &'a str {
    file.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("{name} in {file}"))
}

/// Generates a key named `name` from the list page; waits for the password page.
async fn generate(b: &Browser, name: &str) {
    fill(b, "key-name", name).await;
    click(b, "#create-key button[type=submit]").await;
    b.wait().for_element(Locator::Id("new-password")).await.unwrap();
}

#[tokio::test]
async fn an_admin_creates_a_key_and_a_shop_uses_it_to_capture() {
    let axe = axe_source();
    on_each_backend(|app| {
        let axe = axe.clone();
        async move {
            let Some((_driver, b)) = open_browser().await else {
                return;
            };
            sign_in(&b, &app.url, "admin@demo.kassa.test").await;
            click(&b, "nav.sidenav a[href='/portal/integrations']").await;
            b.wait().for_element(Locator::Id("create-key")).await.unwrap();
            generate(&b, "Webshop").await;
            snap(&b, "integrations-created").await;
            let mut report = Vec::new();
            if let Some(axe) = &axe {
                report.extend(violations(&b, axe).await);
            }
            let password = text_of(&b, "#new-password").await;
            assert!(password.starts_with("kco_test_api_"), "{password}");

            // Copy: the button says it worked (the clipboard itself is the browser's).
            click(&b, "#copy-password").await;
            let mut label = String::new();
            for _ in 0..30 {
                label = text_of(&b, "#copy-password").await;
                if label == "Copied" {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            assert_eq!(label, "Copied");

            // Download: the .env file carries what the shop needs.
            let (head, file) = download_env(&b).await;
            assert!(head.starts_with("200 attachment; filename=\"kassa-M100001_"), "{head}");
            assert_eq!(setting(&file, "KASSA_API_PASSWORD"), password);
            assert_eq!(setting(&file, "KASSA_API_BASE_URL"), app.url);
            let username = setting(&file, "KASSA_API_USERNAME").to_owned();

            // The shop also listens for webhooks, on a local receiver.
            let (hook, received, _) = crate::webhooks::receiver(200, None).await;
            crate::webhooks::endpoint(&app, &format!("{hook}/hook"), "order.authorized,order.captured").await;

            // The shop's script: create, complete (playground helper) and capture an order.
            let shop = Api {
                base: setting(&file, "KASSA_API_BASE_URL").to_owned(),
                username: username.clone(),
                password: setting(&file, "KASSA_API_PASSWORD").to_owned(),
                http: reqwest::Client::builder()
                    .user_agent(WOO)
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .unwrap(),
            };
            let order = shop.authorized_order(&sample_order()).await;
            assert_eq!(shop.capture(&order, 60000, None).await.status(), 201);
            received.wait_for(2).await;

            // Developer Logs show the order's calls in both directions: the shop's two calls
            // with its key and both webhook deliveries.
            let mut logged = String::new();
            for _ in 0..100 {
                b.goto(&format!("{}/portal/logs?order_id={order}", app.url))
                    .await
                    .unwrap();
                b.wait().for_element(Locator::Css("main")).await.unwrap();
                logged = eval_string(&b, "return document.getElementById('calls')?.innerText ?? ''").await;
                if [
                    "Create order",
                    "Capture order",
                    "Webhook order.authorized",
                    "Webhook order.captured",
                ]
                .iter()
                .all(|a| logged.contains(a))
                {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            for action in [
                "Create order",
                "Capture order",
                "Webhook order.authorized",
                "Webhook order.captured",
            ] {
                assert!(logged.contains(action), "{action} in the logs:\n{logged}");
            }
            assert!(logged.contains(&username), "the calls name the key:\n{logged}");
            snap(&b, "integrations-logs").await;

            // Back to the list: the password is gone for good, the key is used from WooCommerce.
            let mut shown = String::new();
            for _ in 0..50 {
                b.goto(&format!("{}/portal/integrations", app.url)).await.unwrap();
                b.wait().for_element(Locator::Id("api-keys")).await.unwrap();
                shown = text_of(&b, "#api-keys").await;
                if shown.contains("from WooCommerce") {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            assert!(
                shown.contains(&username) && shown.contains("from WooCommerce"),
                "{shown}"
            );
            let source = b.source().await.unwrap();
            assert!(!source.contains(&password), "never shown again");
            let platforms = text_of(&b, "#platforms").await;
            assert!(platforms.contains("WooCommerce"), "{platforms}");
            snap(&b, "integrations-list").await;
            if let Some(axe) = &axe {
                report.extend(violations(&b, axe).await);
            }

            // Revoking from the list asks first, then the shop is refused at once.
            click(&b, &format!("tr[data-key='{username}'] details summary")).await;
            click(&b, &format!("tr[data-key='{username}'] details button[type=submit]")).await;
            b.wait()
                .for_element(Locator::Css(&format!(
                    "tr[data-key='{username}'][data-key-state='revoked']"
                )))
                .await
                .unwrap();
            assert_eq!(shop.capture(&order, 100, None).await.status(), 401);

            // Both pages fit a phone in light and dark.
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
                b.goto(&format!("{}/portal/integrations", app.url)).await.unwrap();
                b.wait().for_element(Locator::Id("api-keys")).await.unwrap();
                snap(&b, &format!("integrations-375-{theme}")).await;
                assert_fits(&b, &format!("the list ({theme})")).await;
                generate(&b, &format!("Phone {theme}")).await;
                snap(&b, &format!("integrations-created-375-{theme}")).await;
                assert_fits(&b, &format!("the password page ({theme})")).await;
                if let Some(axe) = &axe {
                    for v in violations(&b, axe).await {
                        report.push(format!("created [{theme}] {v}"));
                    }
                }
                backgrounds.push(eval_string(&b, "return getComputedStyle(document.body).backgroundColor").await);
            }
            assert_ne!(backgrounds[0], backgrounds[1], "dark mode is dark");
            assert!(report.is_empty(), "axe:\n{}", report.join("\n"));
            b.close().await.unwrap();
        }
    })
    .await;
}
