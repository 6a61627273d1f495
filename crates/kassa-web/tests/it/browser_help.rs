//! The support panel in headless Chromium (issue 16): on the Orders page a user opens the
//! panel from the floating button, searches, opens an article, asks the assistant about one
//! of their orders and sees its status; the panel keeps its state across pages, closes with
//! Escape, does not cover the page on a 375 px screen, and passes axe in light and dark.

use crate::browser::{arrive, assert_fits, click, eval_string, fill, open_browser, sign_in, text_of};
use crate::browser_axe::{axe_source, choose_theme, violations};
use crate::support::*;
use fantoccini::Client as Browser;

async fn panel_open(b: &Browser) -> bool {
    eval_string(b, "return String(document.getElementById('help-panel').open)").await == "true"
}

#[tokio::test]
async fn a_user_finds_an_article_and_asks_about_their_order_in_the_panel() {
    let axe = axe_source();
    on_each_backend(|app| {
        let axe = axe.clone();
        async move {
            let Some((_driver, b)) = open_browser().await else {
                return;
            };
            let api = app.api("M100001").await;
            let id = api.authorized_order(&sample_order()).await;
            let reference = api.order(&id).await["klarna_reference"].as_str().unwrap().to_owned();
            sign_in(&b, &app.url, "user@demo.kassa.test").await;
            b.goto(&format!("{}/portal/orders", app.url)).await.unwrap();
            arrive(&b, "#help-fab").await;
            assert!(!panel_open(&b).await);
            assert_eq!(
                eval_string(
                    &b,
                    "return document.getElementById('help-fab').getAttribute('aria-expanded')"
                )
                .await,
                "false"
            );

            // Keyboard: focus the button and press Enter.
            b.execute("document.getElementById('help-fab').focus()", vec![])
                .await
                .unwrap();
            b.active_element().await.unwrap().send_keys("\u{E007}").await.unwrap();
            arrive(&b, "dialog#help-panel[open]").await;
            assert_eq!(
                eval_string(&b, "return document.activeElement.id").await,
                "help-panel-q",
                "the search box has the focus"
            );
            // The Orders page's own articles come first.
            let section = text_of(&b, "#help-panel .help-panel-list").await;
            assert!(section.contains("Capture an order"), "{section}");

            fill(&b, "help-panel-q", "capturing").await;
            click(&b, "[data-help-search] button[type=submit]").await;
            arrive(&b, r#"[data-help-results] a[href="/portal/help/capture-order"]"#).await;
            let marked = text_of(&b, "[data-help-results] mark").await;
            assert!(marked.to_lowercase().starts_with("captur"), "{marked}");

            fill(
                &b,
                "help-panel-question",
                &format!("What is the status of order {reference}?"),
            )
            .await;
            click(&b, "[data-help-ask] button[type=submit]").await;
            arrive(&b, "[data-help-answer] [data-order-status]").await;
            assert_eq!(
                text_of(&b, "[data-help-answer] [data-order-status]").await,
                "Authorized"
            );
            let answer = text_of(&b, "[data-help-answer]").await;
            assert!(
                answer.contains("SEK 600.00") || answer.contains("SEK\u{a0}600.00"),
                "{answer}"
            );

            if let Some(axe) = &axe {
                for theme in ["light", "dark"] {
                    choose_theme(&b, theme).await;
                    arrive(&b, "dialog#help-panel[open]").await;
                    let found = violations(&b, axe).await;
                    assert!(
                        found.is_empty(),
                        "axe with the panel open [{theme}]:\n{}",
                        found.join("\n")
                    );
                }
                choose_theme(&b, "light").await;
            }

            // The panel, its search and its answer survive going to another page.
            click(&b, r#"[data-help-results] a[href="/portal/help/capture-order"]"#).await;
            arrive(&b, "article.help-article").await;
            assert_eq!(text_of(&b, "main h1").await, "Capture an order");
            arrive(&b, "dialog#help-panel[open]").await;
            assert_eq!(
                eval_string(&b, "return document.getElementById('help-panel-q').value").await,
                "capturing"
            );
            assert_eq!(
                text_of(&b, "[data-help-answer] [data-order-status]").await,
                "Authorized"
            );

            // Escape closes it, and it stays closed.
            b.execute("document.getElementById('help-panel-q').focus()", vec![])
                .await
                .unwrap();
            b.active_element().await.unwrap().send_keys("\u{E00C}").await.unwrap();
            assert!(!panel_open(&b).await);
            assert_eq!(eval_string(&b, "return document.activeElement.id").await, "help-fab");
            b.goto(&format!("{}/portal/orders", app.url)).await.unwrap();
            arrive(&b, "#help-fab").await;
            assert!(!panel_open(&b).await);

            // On a phone the button covers nothing: at the bottom of the page the last of
            // the content ends above it.
            b.set_window_size(375, 700).await.unwrap();
            b.goto(&format!("{}/portal/orders", app.url)).await.unwrap();
            arrive(&b, "#help-fab").await;
            let gap = eval_string(
                &b,
                "window.scrollTo(0, document.documentElement.scrollHeight);
                 const main = document.querySelector('main');
                 const last = main.lastElementChild.getBoundingClientRect();
                 const fab = document.getElementById('help-fab').getBoundingClientRect();
                 return String(Math.floor(fab.top - last.bottom));",
            )
            .await;
            assert!(
                gap.parse::<i64>().unwrap() >= 0,
                "the button overlaps the page by {gap} px"
            );
            assert_fits(&b, "the page with the support button at 375 px").await;
            b.close().await.unwrap();
        }
    })
    .await;
}
