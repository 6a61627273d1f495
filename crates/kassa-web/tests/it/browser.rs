//! The portal in a real headless Chromium, driven over WebDriver (chromedriver).

use crate::support::*;
use fantoccini::{Client as Browser, ClientBuilder, Locator};
use kassa_core::access::{Onboarding, Role, Section};
use kassa_web::two_factor;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A chromedriver process, killed when dropped.
pub(crate) struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn chromedriver_path() -> Option<String> {
    let path = std::env::var("KASSA_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    std::path::Path::new(&path).exists().then_some(path)
}

/// Starts chromedriver and a headless Chromium session, or explains why not. Under CI a
/// missing browser fails the test instead of skipping it.
pub(crate) async fn open_browser() -> Option<(Driver, Browser)> {
    let Some(path) = chromedriver_path() else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("CI=true but chromedriver is not installed (apt-get install chromium chromium-driver)");
        }
        eprintln!("SKIPPING browser test: /usr/bin/chromedriver not found (apt-get install chromium chromium-driver)");
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver { child, port };
    let browser = connect(&driver).await;
    Some((driver, browser))
}

/// A new browser session (its own Chromium, cookies and all) on a running chromedriver.
pub(crate) async fn connect(driver: &Driver) -> Browser {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": std::env::var("KASSA_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--no-first-run", "--disable-quic", "--window-size=1280,900", "--lang=en-US"]
        }),
    );
    let url = format!("http://127.0.0.1:{}", driver.port);
    for _ in 0..100 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(browser) => return browser,
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    panic!("chromedriver did not accept a session within 10 s");
}

/// Saves a screenshot to `$KASSA_TEST_SCREENSHOTS/name.png` when that variable is set, so a
/// person can look at what the test saw.
pub(crate) async fn snap(b: &Browser, name: &str) {
    if let Ok(dir) = std::env::var("KASSA_TEST_SCREENSHOTS") {
        let png = b.screenshot().await.unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(format!("{dir}/{name}.png"), png).unwrap();
    }
}

pub(crate) async fn text_of(b: &Browser, css: &str) -> String {
    // A page may still be replacing the previous one (after a form post): an element found
    // on the old page goes stale. Ask again until the new page answers, for up to 5 s.
    let mut last = String::new();
    for _ in 0..50 {
        match b.find(Locator::Css(css)).await {
            Ok(el) => match el.text().await {
                Ok(text) => return text,
                Err(e) => last = e.to_string(),
            },
            Err(e) => last = e.to_string(),
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{css}: {last}")
}

/// Waits (up to 5 s) until the element's text is `expected`, as the page after a form post
/// replaces the one before; returns the last text seen.
pub(crate) async fn wait_text(b: &Browser, css: &str, expected: &str) -> String {
    let mut seen = String::new();
    for _ in 0..50 {
        seen = text_of(b, css).await;
        if seen == expected {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    seen
}

pub(crate) async fn eval_string(b: &Browser, script: &str) -> String {
    let v = b.execute(script, vec![]).await.unwrap();
    match v {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    }
}

pub(crate) async fn sign_in(b: &Browser, base: &str, email: &str) {
    sign_in_with(b, base, email, DEMO_PASSWORD).await
}

pub(crate) async fn sign_in_with(b: &Browser, base: &str, email: &str, password: &str) {
    b.goto(&format!("{base}/portal")).await.unwrap();
    b.find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys(email)
        .await
        .unwrap();
    b.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(password)
        .await
        .unwrap();
    b.find(Locator::Css("form.form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait().for_element(Locator::Css("nav.sidenav")).await.unwrap();
}

#[tokio::test]
async fn sign_in_switch_language_toggle_dark_mode_sign_out() {
    on_each_backend(|app| async move {
        let Some((_driver, b)) = open_browser().await else { return };
        sign_in(&b, &app.url, "admin@demo.kassa.test").await;
        assert!(text_of(&b, "main h1").await.contains("Welcome"));
        assert!(text_of(&b, "main").await.contains("Demo Shop AB"));

        // Language: open the flag menu and pick Svenska.
        b.find(Locator::Css(".lang-menu summary")).await.unwrap().click().await.unwrap();
        b.find(Locator::Css(".lang-menu button[value=sv]")).await.unwrap().click().await.unwrap();
        b.wait().for_element(Locator::Css("html[lang=sv]")).await.unwrap();
        assert!(text_of(&b, "main h1").await.contains("Välkommen"));

        // Dark mode from the username menu; the page really turns dark.
        let light_bg = eval_string(&b, "return getComputedStyle(document.body).backgroundColor").await;
        b.find(Locator::Css(".user-menu summary")).await.unwrap().click().await.unwrap();
        snap(&b, "user-menu").await;
        b.find(Locator::Css(".user-menu button[value=dark]")).await.unwrap().click().await.unwrap();
        b.wait().for_element(Locator::Css("html[data-theme=dark]")).await.unwrap();
        let dark_bg = eval_string(&b, "return getComputedStyle(document.body).backgroundColor").await;
        assert_ne!(light_bg, dark_bg, "the background changes");
        let luminance = eval_string(
            &b,
            "const m = getComputedStyle(document.body).backgroundColor.match(/\\d+/g).map(Number); return String(m[0] + m[1] + m[2]);",
        )
        .await;
        assert!(luminance.parse::<u32>().unwrap() < 200, "dark background, got {dark_bg}");
        // The choice holds on another page.
        b.goto(&format!("{}/portal/account", app.url)).await.unwrap();
        b.wait().for_element(Locator::Css("html[data-theme=dark]")).await.unwrap();

        snap(&b, "account-dark").await;
        // Sign out from the username menu.
        b.find(Locator::Css(".user-menu summary")).await.unwrap().click().await.unwrap();
        b.find(Locator::Css(".user-menu form[action='/portal/sign-out'] button")).await.unwrap().click().await.unwrap();
        b.wait().for_element(Locator::Id("email")).await.unwrap();
        assert!(text_of(&b, "main").await.contains("Du har loggat ut"));
        b.goto(&format!("{}/portal", app.url)).await.unwrap();
        b.wait().for_element(Locator::Id("email")).await.unwrap();
        b.close().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn portal_fits_a_phone_and_works_by_keyboard() {
    on_each_backend(|app| async move {
        let Some((_driver, b)) = open_browser().await else {
            return;
        };
        b.set_window_size(375, 800).await.unwrap();
        sign_in(&b, &app.url, "superadmin@demo.kassa.test").await;
        for path in ["/portal", "/portal/account"] {
            b.goto(&format!("{}{path}", app.url)).await.unwrap();
            snap(&b, &format!("phone{}", path.replace('/', "-"))).await;
            assert_fits(&b, &format!("{path} at 375 px")).await;
        }
        // The first Tab reaches the skip link, which jumps to the content.
        b.goto(&format!("{}/portal", app.url)).await.unwrap();
        b.find(Locator::Css("body"))
            .await
            .unwrap()
            .send_keys("\u{E004}")
            .await
            .unwrap();
        assert_eq!(
            eval_string(&b, "return document.activeElement.className").await,
            "skip-link"
        );
        b.find(Locator::Css("body")).await.unwrap();
        b.active_element().await.unwrap().send_keys("\u{E007}").await.unwrap();
        assert_eq!(eval_string(&b, "return document.activeElement.id").await, "main");
        b.close().await.unwrap();
    })
    .await;
}

pub(crate) async fn fill(b: &Browser, id: &str, text: &str) {
    b.find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"))
        .send_keys(text)
        .await
        .unwrap();
}

/// Waits for the page (after a click or a form post) to show `css`.
pub(crate) async fn arrive(b: &Browser, css: &str) {
    b.wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
}

/// The page does not scroll sideways at the window's width (wide tables scroll inside their
/// card); the message names the first elements that stick out.
pub(crate) async fn assert_fits(b: &Browser, what: &str) {
    let overflow = eval_string(
        b,
        "return String(document.documentElement.scrollWidth - document.documentElement.clientWidth)",
    )
    .await;
    if overflow == "0" {
        return;
    }
    let culprits = eval_string(
        b,
        "const w = document.documentElement.clientWidth; return [...document.querySelectorAll('body *')]\
         .filter(e => e.getBoundingClientRect().right > w && !e.parentElement.closest('.table-scroll')).slice(0, 5)\
         .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).join(', ')",
    )
    .await;
    panic!("{what} is wider than the window by {overflow} px: {culprits}");
}

/// Waits until the page's query string contains `needle`: after a GET form is sent, an
/// element that the page before it had too would be found on the old page.
pub(crate) async fn wait_query(b: &Browser, needle: &str) {
    for _ in 0..100 {
        if b.current_url().await.unwrap().query().unwrap_or("").contains(needle) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "the address never came to hold {needle}: {}",
        b.current_url().await.unwrap()
    );
}

pub(crate) async fn click(b: &Browser, css: &str) {
    b.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

/// An admin invites a colleague; the colleague opens the link from the outbox in their own
/// browser, chooses a password, signs in and sees only what a Settlement user may; the
/// admin deactivates them and their open page is signed out on the next click.
#[tokio::test]
async fn invite_accept_sign_in_then_deactivation_ends_the_session() {
    on_each_backend(|app| async move {
        let Some((driver, admin)) = open_browser().await else {
            return;
        };
        sign_in(&admin, &app.url, "admin@demo.kassa.test").await;
        click(&admin, "nav.sidenav a[href='/portal/users']").await;
        admin
            .wait()
            .for_element(Locator::Css("table.users-table"))
            .await
            .unwrap();
        snap(&admin, "users-list").await;
        click(&admin, "a[href='/portal/users/invite']").await;
        fill(&admin, "invite-email", "nora@example.com").await;
        admin
            .find(Locator::Id("invite-role"))
            .await
            .unwrap()
            .select_by_value("settlement")
            .await
            .unwrap();
        snap(&admin, "users-invite").await;
        click(&admin, "form[action='/portal/users/invite'] button[type=submit]").await;
        admin.wait().for_element(Locator::Id("user-status")).await.unwrap();
        assert!(text_of(&admin, "main .notice")
            .await
            .contains("invitation has been sent"));
        assert_eq!(text_of(&admin, "#user-status").await, "Invited");
        let detail_url = admin.current_url().await.unwrap();

        // The colleague, in another browser, follows the emailed link.
        let nora = connect(&driver).await;
        let link = app.last_link_to("nora@example.com");
        nora.goto(&format!("{}{link}", app.url)).await.unwrap();
        fill(&nora, "name", "Nora Nyberg").await;
        let password = "nora's own long password";
        fill(&nora, "new-password", password).await;
        fill(&nora, "confirm-password", password).await;
        snap(&nora, "invitation-accept").await;
        click(&nora, "form.form button[type=submit]").await;
        // Accepting signs her in (issue 9): no second entry of the password she just chose.
        nora.wait().for_element(Locator::Css("nav.sidenav")).await.unwrap();
        assert!(text_of(&nora, "main .notice").await.contains("Your account is ready"));
        assert!(text_of(&nora, "main h1").await.contains("Welcome, Nora!"));
        let menu = text_of(&nora, "nav.sidenav ul").await;
        assert!(menu.contains("Home") && !menu.contains("User management"), "{menu}");
        let links = eval_string(
            &nora,
            "return String(document.querySelectorAll('nav.sidenav a').length)",
        )
        .await;
        let permitted = Section::visible_to(Role::Settlement, Onboarding::Direct).len();
        assert_eq!(
            links,
            permitted.to_string(),
            "a Settlement user sees only what they may open"
        );
        nora.goto(&format!("{}/portal/users", app.url)).await.unwrap();
        assert!(text_of(&nora, "main").await.contains("Not allowed"));
        nora.goto(&format!("{}/portal", app.url)).await.unwrap();
        snap(&nora, "invitee-home").await;

        // The admin deactivates her (a destructive action asks again).
        admin.goto(detail_url.as_str()).await.unwrap();
        admin.refresh().await.unwrap();
        assert_eq!(text_of(&admin, "#user-status").await, "Active");
        click(&admin, "details.confirm summary").await;
        snap(&admin, "users-deactivate-confirm").await;
        click(&admin, "#confirm-deactivate").await;
        admin.wait().for_element(Locator::Css("main .notice")).await.unwrap();
        assert_eq!(wait_text(&admin, "#user-status", "Deactivated").await, "Deactivated");

        // Her open page: the next click lands on sign-in, session ended.
        click(&nora, "nav.sidenav a[href='/portal']").await;
        nora.wait().for_element(Locator::Id("email")).await.unwrap();
        assert!(text_of(&nora, "main").await.contains("Your session has ended"));
        snap(&nora, "invitee-signed-out").await;

        // The admin finds it all in the audit log, filtered to her.
        click(&admin, "a[href^='/portal/users/audit?user=']").await;
        admin
            .wait()
            .for_element(Locator::Css("table.audit-table"))
            .await
            .unwrap();
        let log = text_of(&admin, "table.audit-table").await;
        for event in ["User invited", "Invitation accepted", "Signed in", "User deactivated"] {
            assert!(log.contains(event), "{event} in {log}");
        }
        snap(&admin, "audit-log").await;
        nora.close().await.unwrap();
        admin.close().await.unwrap();
    })
    .await;
}

/// With the merchant's two-factor policy on, a Super Admin lands on the set-up page, scans
/// (reads) the key, confirms a code, gets recovery codes, and from then on signs in with a
/// code from the app.
#[tokio::test]
async fn admins_set_up_two_factor_first_and_then_sign_in_with_a_code() {
    on_each_backend(|app| async move {
        app.db()
            .execute_trusted("UPDATE merchants SET require_two_factor = TRUE")
            .await
            .unwrap();
        let Some((_driver, b)) = open_browser().await else {
            return;
        };
        sign_in(&b, &app.url, "superadmin@demo.kassa.test").await;
        assert_eq!(b.current_url().await.unwrap().path(), "/portal/account/security");
        assert!(text_of(&b, "main .alert")
            .await
            .contains("requires Super Admins and Admins"));
        b.goto(&format!("{}/portal/users", app.url)).await.unwrap();
        assert_eq!(
            b.current_url().await.unwrap().path(),
            "/portal/account/security",
            "nothing else first"
        );
        click(&b, "form[action='/portal/account/two-factor/setup'] button").await;
        b.wait().for_element(Locator::Css("svg.qr")).await.unwrap();
        snap(&b, "two-factor-setup").await;
        let secret = text_of(&b, "#totp-secret").await.replace(' ', "");
        fill(&b, "confirm-code", &two_factor::code_at(&secret, kassa_web::now_ms())).await;
        click(&b, "form[action='/portal/account/two-factor/confirm'] button").await;
        b.wait().for_element(Locator::Css("ul.recovery-codes")).await.unwrap();
        snap(&b, "two-factor-recovery-codes").await;
        assert_eq!(
            b.find_all(Locator::Css("ul.recovery-codes li")).await.unwrap().len(),
            10
        );
        b.goto(&format!("{}/portal/users", app.url)).await.unwrap();
        assert!(text_of(&b, "main h1").await.contains("User management"));

        // Next sign-in asks for the code.
        click(&b, ".user-menu summary").await;
        click(&b, ".user-menu form[action='/portal/sign-out'] button").await;
        b.wait().for_element(Locator::Id("email")).await.unwrap();
        fill(&b, "email", "superadmin@demo.kassa.test").await;
        fill(&b, "password", DEMO_PASSWORD).await;
        click(&b, "form.form button[type=submit]").await;
        b.wait().for_element(Locator::Id("code")).await.unwrap();
        snap(&b, "two-factor-challenge").await;
        fill(&b, "code", &two_factor::code_at(&secret, kassa_web::now_ms() + 30_000)).await;
        click(&b, "form.form button[type=submit]").await;
        b.wait().for_element(Locator::Css("nav.sidenav")).await.unwrap();
        assert!(text_of(&b, "main h1").await.contains("Welcome"));
        b.close().await.unwrap();
    })
    .await;
}

/// Issue 4's walk: find an order by search, capture part of it by lines, refund part,
/// edit another's lines and cancel it, read the timeline, and see Home's uncaptured total fall
/// by exactly that.
#[tokio::test]
async fn manage_orders_in_the_browser() {
    on_each_backend(|app| async move {
        let Some((_driver, b)) = open_browser().await else {
            return;
        };
        let api = app.api("M100001").await;
        let mut order = sample_order();
        order["merchant_reference1"] = serde_json::json!("WEB-4711");
        let id = api.authorized_order(&order).await;
        let other = api.authorized_order(&sample_order()).await;
        sign_in(&b, &app.url, "user@demo.kassa.test").await;
        let uncaptured = |b: &Browser| {
            let b = b.clone();
            async move { text_of(&b, "[data-uncaptured]").await }
        };
        b.goto(&format!("{}/portal", app.url)).await.unwrap();
        assert_eq!(uncaptured(&b).await, "SEK 1,200.00");
        snap(&b, "home").await;

        // Find it by its merchant reference.
        b.find(Locator::Css("nav.sidenav a[href='/portal/orders']"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        b.find(Locator::Id("q"))
            .await
            .unwrap()
            .send_keys("WEB-4711")
            .await
            .unwrap();
        click(&b, ".filter-actions button[type=submit]").await;
        wait_query(&b, "q=WEB-4711").await;
        b.wait().for_element(Locator::Css("table.orders-table")).await.unwrap();
        snap(&b, "orders").await;
        let rows = b.find_all(Locator::Css("table.orders-table tbody tr")).await.unwrap();
        assert_eq!(rows.len(), 1);
        b.find(Locator::Css("table.orders-table tbody a"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        // Each action opens its form in a dialog.
        b.wait().for_element(Locator::Id("open-capture")).await.unwrap();
        click(&b, "#open-capture").await;

        // Capture the camera set (line 1) only.
        b.find(Locator::Css("#capture-form input[value=lines]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let qty = b.find(Locator::Id("capture-qty-0")).await.unwrap();
        qty.clear().await.unwrap();
        qty.send_keys("1").await.unwrap();
        b.find(Locator::Css("#capture-form button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        b.wait().for_element(Locator::Css("main .notice")).await.unwrap();
        assert_eq!(wait_text(&b, "#amount-captured", "SEK 400.00").await, "SEK 400.00");

        // Refund 100 of it, confirming the destructive step.
        click(&b, "#open-refund").await;
        b.find(Locator::Css("#refund-form input[value=amount]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        b.find(Locator::Id("refund-amount"))
            .await
            .unwrap()
            .send_keys("100")
            .await
            .unwrap();
        b.find(Locator::Id("refund-description"))
            .await
            .unwrap()
            .send_keys("Dented box")
            .await
            .unwrap();
        b.find(Locator::Css("#refund-form details.confirm summary"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        b.find(Locator::Css("#refund-form details.confirm button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        b.wait().for_element(Locator::Css("main .notice")).await.unwrap();
        assert_eq!(wait_text(&b, "#amount-refunded", "SEK 100.00").await, "SEK 100.00");
        let timeline = text_of(&b, "#timeline").await;
        assert!(
            timeline.contains("Refunded") && timeline.contains("by user@demo.kassa.test in the portal"),
            "{timeline}"
        );
        assert!(
            timeline.contains("Captured") && timeline.contains("Purchase completed"),
            "{timeline}"
        );
        snap(&b, "order").await;

        // One tripod fewer on the other order: a lower amount is confirmed on a page of its own.
        b.goto(&format!("{}/portal/orders/{other}", app.url)).await.unwrap();
        click(&b, "#open-lines").await;
        let qty = b.find(Locator::Id("line-quantity-1")).await.unwrap();
        qty.clear().await.unwrap();
        qty.send_keys("1").await.unwrap();
        snap(&b, "order-lines-edit").await;
        click(&b, "#lines-form button[type=submit]").await;
        b.wait().for_element(Locator::Id("lines-confirm-form")).await.unwrap();
        let question = text_of(&b, "#lines-confirm h2").await;
        assert!(
            question.contains("SEK 600.00") && question.contains("SEK 500.00"),
            "{question}"
        );
        snap(&b, "order-lines-confirm").await;
        click(&b, "#confirm-lines").await;
        b.wait().for_element(Locator::Css("main .notice")).await.unwrap();
        assert_eq!(wait_text(&b, "#amount-order", "SEK 500.00").await, "SEK 500.00");
        assert_eq!(api.order(&other).await["order_lines"][1]["quantity"], 1);

        // Cancel the other order.
        b.goto(&format!("{}/portal/orders/{other}", app.url)).await.unwrap();
        click(&b, "#open-cancel").await;
        let question = text_of(&b, "#cancel-form p").await;
        assert!(
            question.contains("SEK 500.00"),
            "the confirmation states the amount: {question}"
        );
        click(&b, "#cancel-form button[type=submit]").await;
        b.wait().for_element(Locator::Css("main .notice")).await.unwrap();
        assert_eq!(wait_text(&b, "#order-status", "Cancelled").await, "Cancelled");

        // (WebDriver reports the no-break spaces of amounts as plain spaces.)
        // Home: 1200 − 400 captured − 100 edited off − 500 cancelled = 200 left uncaptured.
        b.goto(&format!("{}/portal", app.url)).await.unwrap();
        assert_eq!(uncaptured(&b).await, "SEK 200.00");
        assert_eq!(api.order(&id).await["refunded_amount"], 10000);

        // A read-only user sees the order but no action.
        b.find(Locator::Css(".user-menu summary"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        b.find(Locator::Css(".user-menu form[action='/portal/sign-out'] button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        sign_in(&b, &app.url, "readonly@demo.kassa.test").await;
        b.goto(&format!("{}/portal/orders/{id}", app.url)).await.unwrap();
        b.wait().for_element(Locator::Id("timeline")).await.unwrap();
        assert!(b
            .find_all(Locator::Css(
                "form[action*='/capture'], form[action*='/refund'], form[action*='/cancel']"
            ))
            .await
            .unwrap()
            .is_empty());
        b.close().await.unwrap();
    })
    .await;
}

/// How many times Tab moves the focus on the page before it comes back to the skip link.
async fn tab_stops(b: &Browser) -> usize {
    b.execute("document.activeElement?.blur(); window.focus();", vec![])
        .await
        .unwrap();
    b.find(Locator::Css("body"))
        .await
        .unwrap()
        .send_keys("\u{E004}")
        .await
        .unwrap();
    assert_eq!(
        eval_string(b, "return document.activeElement.className").await,
        "skip-link"
    );
    for stops in 1..200 {
        b.active_element().await.unwrap().send_keys("\u{E004}").await.unwrap();
        let class = eval_string(b, "return document.activeElement.className").await;
        let tag = eval_string(b, "return document.activeElement.tagName").await;
        if class == "skip-link" || tag == "BODY" {
            // The walk may end on the fixed support button with the page scrolled to its
            // foot; put the page back where a visitor starts, so the next click needs no
            // scrolling that the sticky top bar would cover.
            b.execute("document.activeElement?.blur(); window.scrollTo(0, 0);", vec![])
                .await
                .unwrap();
            return stops;
        }
    }
    panic!("the focus never came back round");
}

/// The order page at desktop and phone width: facts first and few tab stops, tables that
/// stack on a phone, and the capture dialog whose button says what it will capture.
#[tokio::test]
async fn order_page_capture_dialog_at_desktop_and_phone_width() {
    on_each_backend(|app| async move {
        let Some((_driver, b)) = open_browser().await else {
            return;
        };
        let api = app.api("M100001").await;
        sign_in(&b, &app.url, "user@demo.kassa.test").await;
        for (width, height) in [(1366, 900), (375, 800)] {
            b.set_window_size(width, height).await.unwrap();
            let id = api.authorized_order(&sample_order()).await;
            b.goto(&format!("{}/portal/orders/{id}", app.url)).await.unwrap();
            b.wait().for_element(Locator::Id("open-capture")).await.unwrap();
            snap(&b, &format!("order-{width}")).await;
            let stops = tab_stops(&b).await;
            eprintln!("order page at {width} px: {stops} tab stops");
            assert!(stops <= 30, "{stops} tab stops at {width} px (59 before the dialogs)");
            assert_fits(&b, &format!("the order page scrolls sideways at {width} px")).await;
            let row_display = eval_string(
                &b,
                "return getComputedStyle(document.querySelector('#order-lines tbody tr')).display",
            )
            .await;
            assert_eq!(
                row_display,
                if width < 640 { "block" } else { "table-row" },
                "lines stack on a phone"
            );

            // The lines editor fits its dialog at this width, and "Back" closes it.
            click(&b, "#open-lines").await;
            let sideways = eval_string(
                &b,
                "const d = document.getElementById('dialog-lines'); return String(d.scrollWidth - d.clientWidth)",
            )
            .await;
            snap(&b, &format!("order-lines-dialog-{width}")).await;
            assert_eq!(sideways, "0", "the lines dialog scrolls sideways at {width} px");
            click(&b, "#dialog-lines [data-close-dialog]").await;
            assert_eq!(
                eval_string(&b, "return String(document.getElementById('dialog-lines').open)").await,
                "false"
            );

            click(&b, "#open-capture").await;
            assert_eq!(
                eval_string(&b, "return String(document.getElementById('dialog-capture').open)").await,
                "true"
            );
            let button = "#capture-form button[type=submit]";
            assert_eq!(
                text_of(&b, button).await,
                "Capture SEK 600.00",
                "everything remaining, said in the button"
            );
            let cents = 100 + (uuid::Uuid::new_v4().as_u128() % 49_900) as i64;
            let typed = format!("{}.{:02}", cents / 100, cents % 100);
            fill(&b, "capture-amount", &typed).await;
            assert_eq!(
                eval_string(
                    &b,
                    "return document.querySelector('#capture-form input[name=mode]:checked').value"
                )
                .await,
                "amount",
                "typing an amount chooses “An amount”"
            );
            let said = format!("Capture SEK {typed}");
            assert_eq!(wait_text(&b, button, &said).await, said);
            snap(&b, &format!("order-capture-dialog-{width}")).await;
            click(&b, button).await;
            b.wait().for_element(Locator::Css("main .notice")).await.unwrap();
            let captured = format!("SEK {typed}");
            assert_eq!(wait_text(&b, "#amount-captured", &captured).await, captured);
            assert_eq!(api.order(&id).await["captured_amount"], cents);
        }
        b.close().await.unwrap();
    })
    .await;
}
