//! The notification bell in a real browser at phone width: it shows the unread count, opens
//! from the keyboard, its panel stays on screen, and following an item marks it read.

use crate::browser::{assert_fits, eval_string, open_browser, sign_in, snap, text_of};
use crate::support::*;
use fantoccini::Locator;
use std::time::Duration;

const ENTER: &str = "\u{E007}";
const TAB: &str = "\u{E004}";

#[tokio::test]
async fn the_bell_works_by_keyboard_at_375_px() {
    on_each_backend(|app| async move {
        // Two payouts of the demo store: the Settlement user is told of each.
        let api = app.api("M100001").await;
        let mut references = Vec::new();
        for _ in 0..2 {
            let order = api.authorized_order(&sample_order()).await;
            assert_eq!(api.capture(&order, 60000, None).await.status(), 201);
            references.push(app.payout_now("M100001").await.remove(0).payment_reference);
        }
        let user = app
            .db()
            .user_by_email("settlement@demo.kassa.test")
            .await
            .unwrap()
            .unwrap()
            .id;
        for _ in 0..200 {
            if app.db().unread_notifications(user, "M100001", 100).await.unwrap() == 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }

        let Some((_driver, b)) = open_browser().await else {
            return;
        };
        b.set_window_size(375, 800).await.unwrap();
        sign_in(&b, &app.url, "settlement@demo.kassa.test").await;
        assert_eq!(text_of(&b, "#bell-count").await, "2");
        assert_eq!(
            eval_string(
                &b,
                "return document.querySelector('#bell summary').getAttribute('aria-label')"
            )
            .await,
            "Notifications, 2 unread"
        );
        assert_fits(&b, "Home with the bell scrolls sideways at 375 px").await;

        // Open it from the keyboard: focus the bell, Enter.
        b.execute("document.querySelector('#bell summary').focus()", vec![])
            .await
            .unwrap();
        b.active_element().await.unwrap().send_keys(ENTER).await.unwrap();
        assert_eq!(
            eval_string(&b, "return String(document.querySelector('#bell').open)").await,
            "true"
        );
        snap(&b, "bell-phone").await;
        let rect = eval_string(
            &b,
            "const r = document.querySelector('#bell .menu-panel').getBoundingClientRect(); \
             return `${Math.round(r.left)} ${Math.round(r.right)} ${r.width > 200}`",
        )
        .await;
        let parts: Vec<&str> = rect.split(' ').collect();
        assert!(parts[0].parse::<i64>().unwrap() >= 0, "panel starts on screen: {rect}");
        assert!(parts[1].parse::<i64>().unwrap() <= 375, "panel ends on screen: {rect}");
        assert_eq!(parts[2], "true", "panel wide enough to read: {rect}");
        let listed = text_of(&b, "#bell .bell-list").await;
        assert!(
            listed.contains(&references[0]) && listed.contains(&references[1]),
            "{listed}"
        );

        // Tab reaches the newest item; Enter follows it (and marks it read).
        b.active_element().await.unwrap().send_keys(TAB).await.unwrap();
        let focused = eval_string(&b, "return document.activeElement.textContent").await;
        assert!(focused.contains(&references[1]), "the newest first: {focused}");
        b.active_element().await.unwrap().send_keys(ENTER).await.unwrap();
        for _ in 0..50 {
            let url = b.current_url().await.unwrap();
            if url.path().ends_with(&references[1]) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(b.current_url().await.unwrap().path().ends_with(&references[1]));
        b.wait().for_element(Locator::Css("#bell-count")).await.unwrap();
        assert_eq!(text_of(&b, "#bell-count").await, "1");

        // The list page, at phone width too.
        b.goto(&format!("{}/portal/notifications", app.url)).await.unwrap();
        assert_fits(&b, "the notifications page scrolls sideways at 375 px").await;
        b.find(Locator::Id("mark-all-read"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        for _ in 0..50 {
            if eval_string(&b, "return String(!!document.querySelector('#bell-count'))").await == "false" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(
            eval_string(&b, "return String(!!document.querySelector('#bell-count'))").await,
            "false"
        );

        // The settings: both checkboxes of every kind in view at 375 px, without scrolling
        // the table sideways (its kind column wraps instead).
        b.goto(&format!("{}/portal/account/notifications", app.url))
            .await
            .unwrap();
        let widths = eval_string(
            &b,
            "const t = document.querySelector('#notify-settings .table-scroll'); \
             const boxes = [...document.querySelectorAll('#notify-settings input[type=checkbox]')]; \
             const out = boxes.filter(c => c.getBoundingClientRect().right > t.getBoundingClientRect().right).length; \
             return `${t.scrollWidth - t.clientWidth} ${boxes.length} ${out}`",
        )
        .await;
        let parts: Vec<&str> = widths.split(' ').collect();
        assert_eq!(parts[0], "0", "the settings table scrolls sideways at 375 px: {widths}");
        assert!(parts[1].parse::<i64>().unwrap() >= 6, "checkboxes listed: {widths}");
        assert_eq!(parts[2], "0", "a checkbox is out of view: {widths}");
        b.close().await.unwrap();
    })
    .await;
}
