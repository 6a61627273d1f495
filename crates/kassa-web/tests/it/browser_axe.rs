//! axe-core over every portal page and the hosted checkout, in light and dark. The pinned
//! axe-core comes from `tests/axe` (`npm ci` there; `.ci/run` does it) and is injected into
//! each page through WebDriver, so the pages themselves keep their strict CSP.

use crate::browser::{click, eval_string, fill, open_browser, sign_in, snap};
use crate::support::*;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client as Browser, Locator};
use kassa_core::dispute::Reason;

pub(crate) fn axe_source() -> Option<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/axe/node_modules/axe-core/axe.min.js"
    );
    match std::fs::read_to_string(path) {
        Ok(source) => Some(source),
        Err(_) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but {path} is missing: run `npm ci` in crates/kassa-web/tests/axe")
        }
        Err(_) => {
            eprintln!("SKIPPING axe test: {path} is missing (npm ci in crates/kassa-web/tests/axe)");
            None
        }
    }
}

/// Chromium's DevTools `Emulation.setEmulatedMedia` through chromedriver, to answer
/// `prefers-color-scheme` as a shopper's or signed-out visitor's OS would.
#[derive(Debug)]
struct ColorScheme(&'static str);

impl WebDriverCompatibleCommand for ColorScheme {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        let body = serde_json::json!({
            "cmd": "Emulation.setEmulatedMedia",
            "params": {"features": [{"name": "prefers-color-scheme", "value": self.0}]}
        });
        (axum::http::Method::POST, Some(body.to_string()))
    }
}

/// Runs axe on the loaded page; returns its violations, one readable line per failing node.
pub(crate) async fn violations(b: &Browser, axe: &str) -> Vec<String> {
    b.execute(axe, vec![]).await.expect("inject axe-core");
    let script = r#"
        const done = arguments[arguments.length - 1];
        axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.flatMap(v =>
            v.nodes.map(n => `${v.id} (${v.impact}): ${v.help}\n      at ${n.target.join(' ')}\n      ${n.failureSummary.replace(/\n/g, ' ')}`))));
    "#;
    let found = b.execute_async(script, vec![]).await.expect("axe.run");
    serde_json::from_value(found).unwrap()
}

/// The theme that the page really shows (the stylesheet's page background).
/// Picks `theme` in the header's user menu and waits for the page to show it.
pub(crate) async fn choose_theme(b: &Browser, theme: &str) {
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
}

async fn background(b: &Browser) -> String {
    eval_string(b, "return getComputedStyle(document.body).backgroundColor").await
}

async fn check_all(b: &Browser, base: &str, paths: &[String], axe: &str, theme: &str, report: &mut Vec<String>) {
    for path in paths {
        b.goto(&format!("{base}{path}")).await.unwrap();
        b.wait().for_element(Locator::Css("main")).await.unwrap();
        snap(b, &format!("axe-{theme}{}", path.replace('/', "-"))).await;
        for v in violations(b, axe).await {
            report.push(format!("{path} [{theme}] {v}"));
        }
    }
}

#[tokio::test]
async fn axe_finds_no_violations_on_any_page_in_light_or_dark() {
    let Some(axe) = axe_source() else { return };
    on_each_backend(|app| {
        let axe = axe.clone();
        async move {
            let Some((_driver, b)) = open_browser().await else {
                return;
            };
            let api = app.api("M100001").await;
            let order = api.authorized_order(&sample_order()).await;
            let checkout: serde_json::Value = api.create_checkout(&sample_order()).await.json().await.unwrap();
            let checkout = checkout["order_id"].as_str().unwrap().to_owned();
            let user_id = app.seed_demo_user("colleague@example.com", "user").await;
            // The Settlements section with something in it: a payout, an open balance and
            // a custom report.
            let paid = api.authorized_order(&sample_order()).await;
            assert_eq!(api.capture(&paid, 60000, None).await.status(), 201);
            let payout = app.payout_now("M100001").await.remove(0).payment_reference;
            let open = api.authorized_order(&sample_order()).await;
            assert_eq!(api.capture(&open, 30000, None).await.status(), 201);
            app.ready_report("superadmin@demo.kassa.test", "transactions", "csv")
                .await;
            // A dispute awaiting a response (its forms), and one answered with a file.
            let urgent_order = crate::disputes_pages::captured_order(&app, 10_000, "REF-AXE-1").await;
            let urgent = crate::disputes_pages::open(&app, &urgent_order, Reason::GoodsNotReceived, false).await;
            let answered_order = crate::disputes_pages::captured_order(&app, 5_000, "REF-AXE-2").await;
            let answered = crate::disputes_pages::open(&app, &answered_order, Reason::Return, false).await;
            crate::disputes_pages::respond_as_platform(&app, &answered.id).await;
            let public: Vec<String> = [
                "/portal/sign-in".to_owned(),
                "/portal/password-reset".to_owned(),
                "/portal/sign-in/link".to_owned(),
                format!("/checkout/{checkout}"),
            ]
            .into();
            let members: Vec<String> = [
                "/portal".to_owned(),
                "/portal/orders".to_owned(),
                format!("/portal/orders/{order}"),
                "/portal/users".to_owned(),
                format!("/portal/users/{user_id}"),
                "/portal/users/invite".to_owned(),
                "/portal/users/audit".to_owned(),
                "/portal/integrations".to_owned(),
                "/portal/account".to_owned(),
                "/portal/account/security".to_owned(),
                "/portal/account/payouts".to_owned(),
                "/portal/settlements".to_owned(),
                "/portal/settlements/payouts".to_owned(),
                format!("/portal/settlements/payouts/{payout}"),
                "/portal/settlements/configure".to_owned(),
                "/portal/settlements/reports".to_owned(),
                "/portal/disputes".to_owned(),
                "/portal/disputes?tab=all".to_owned(),
                "/portal/disputes?tab=closed".to_owned(),
                format!("/portal/disputes/{}", urgent.id),
                format!("/portal/disputes/{}/respond", urgent.id),
                format!("/portal/disputes/{}/accept-loss", urgent.id),
                format!("/portal/disputes/{}/refund", urgent.id),
                format!("/portal/disputes/{}", answered.id),
                "/portal/help".to_owned(),
                "/portal/help?q=capture".to_owned(),
                "/portal/help/capture-order".to_owned(),
                "/portal/help/api-errors".to_owned(),
            ]
            .into();
            let mut report = Vec::new();
            let mut seen = Vec::new();
            for scheme in ["light", "dark"] {
                b.issue_cmd(ColorScheme(scheme)).await.unwrap();
                check_all(&b, &app.url, &public, &axe, scheme, &mut report).await;
                seen.push(background(&b).await);
            }
            assert_ne!(seen[0], seen[1], "signed out, the OS's dark scheme is followed");
            b.issue_cmd(ColorScheme("light")).await.unwrap();
            sign_in(&b, &app.url, "superadmin@demo.kassa.test").await;
            seen.clear();
            for theme in ["light", "dark"] {
                choose_theme(&b, theme).await;
                seen.push(background(&b).await);
                check_all(&b, &app.url, &members, &axe, theme, &mut report).await;
            }
            assert_ne!(seen[0], seen[1], "the dark pass really is dark");
            assert!(
                report.is_empty(),
                "axe-core found {} violation(s):\n  {}",
                report.len(),
                report.join("\n  ")
            );
            b.close().await.unwrap();
        }
    })
    .await;
}

/// Every page of the back office, as an ops_admin sees it, in light and dark.
#[tokio::test]
async fn axe_finds_no_violations_in_the_back_office() {
    let Some(axe) = axe_source() else { return };
    on_each_backend(|app| {
        let axe = axe.clone();
        async move {
            let Some((_driver, b)) = open_browser().await else {
                return;
            };
            kassa_app::operators::set_two_factor_policy(app.db(), false)
                .await
                .unwrap();
            app.seed_operator("axe@ops.kassa.test", kassa_core::ops_access::OperatorRole::OpsAdmin)
                .await;
            let ids = crate::back_office::route_ids(&app).await;
            let pages: Vec<String> = kassa_web::ops::routes()
                .into_iter()
                .filter(|r| r.method == axum::http::Method::GET)
                .filter(|r| matches!(r.access, kassa_web::ops::OpsAccess::Operator(_)))
                // A file download is no page, nor is the support chat's WebSocket.
                .filter(|r| !r.path.contains("/attachments/") && !r.path.ends_with("/ws"))
                .map(|r| crate::back_office::fill(r.path, &ids))
                .collect();
            assert!(pages.len() >= 15, "{pages:?}");
            let mut report = Vec::new();
            b.issue_cmd(ColorScheme("light")).await.unwrap();
            check_all(&b, &app.url, &["/ops/sign-in".to_owned()], &axe, "light", &mut report).await;
            fill(&b, "email", "axe@ops.kassa.test").await;
            fill(&b, "password", DEMO_PASSWORD).await;
            click(&b, "form.form button[type=submit]").await;
            b.wait().for_element(Locator::Css("nav.sidenav")).await.unwrap();
            for theme in ["light", "dark"] {
                choose_theme(&b, theme).await;
                check_all(&b, &app.url, &pages, &axe, theme, &mut report).await;
            }
            assert!(
                report.is_empty(),
                "axe-core found {} violation(s):\n  {}",
                report.len(),
                report.join("\n  ")
            );
            b.close().await.unwrap();
        }
    })
    .await;
}
