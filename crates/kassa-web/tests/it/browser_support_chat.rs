//! The live support chat in two headless Chromium sessions: a merchant user opens the
//! support panel from the floating button, follows "Chat with us" and leaves a question, a support agent opens it from the back office's queue
//! and answers; the answer appears on the user's open page without a reload (WebSocket),
//! and the user's reply appears on the agent's, with the typing indicator on the way; a
//! file the user attaches shows up as a link on the agent's page.

use crate::browser::{arrive, assert_fits, click, connect, eval_string, fill, open_browser, sign_in, snap, text_of};
use crate::support::*;
use fantoccini::{Client as Browser, Locator};
use kassa_core::ops_access::OperatorRole;

/// Waits (up to 10 s) until the element's text contains `expected`.
async fn until_contains(b: &Browser, css: &str, expected: &str) -> String {
    let mut seen = String::new();
    for _ in 0..100 {
        seen = text_of(b, css).await;
        if seen.contains(expected) {
            return seen;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{css} never showed {expected:?}; it shows {seen:?}");
}

#[tokio::test]
async fn a_user_and_an_agent_chat_live_in_two_browsers() {
    on_each_backend(|app| async move {
        let Some((driver, user)) = open_browser().await else {
            return;
        };
        app.db().set_support_hours("Europe/Stockholm", "always").await.unwrap();
        kassa_app::operators::set_two_factor_policy(app.db(), false)
            .await
            .unwrap();
        app.seed_operator("agent@ops.kassa.test", OperatorRole::Support).await;

        // The user starts from the floating support button on the Orders page: the panel's
        // "Chat with us" leads to the chat, where they write with the plain form.
        sign_in(&user, &app.url, "admin@demo.kassa.test").await;
        user.goto(&format!("{}/portal/orders", app.url)).await.unwrap();
        click(&user, "#help-fab").await;
        user.wait()
            .for_element(Locator::Css("dialog#help-panel[open]"))
            .await
            .unwrap();
        click(&user, "#help-panel .help-panel-chat a").await;
        user.wait().for_element(Locator::Css("#chat-body")).await.unwrap();
        assert!(user
            .current_url()
            .await
            .unwrap()
            .path()
            .ends_with("/portal/support/chat"));
        fill(&user, "chat-body", "My capture keeps failing").await;
        click(&user, "form.chat-form button[type=submit]").await;
        user.wait()
            .for_element(Locator::Css("#chat-form[data-chat-ws]"))
            .await
            .unwrap();
        until_contains(&user, "#chat-log", "My capture keeps failing").await;

        // The agent opens it from the queue.
        let agent = connect(&driver).await;
        agent.goto(&format!("{}/ops/sign-in", app.url)).await.unwrap();
        fill(&agent, "email", "agent@ops.kassa.test").await;
        fill(&agent, "password", DEMO_PASSWORD).await;
        click(&agent, "form.form button[type=submit]").await;
        agent.wait().for_element(Locator::Css("nav.sidenav")).await.unwrap();
        click(&agent, "nav.sidenav a[href='/ops/support']").await;
        agent.wait().for_element(Locator::Css("#queue-table a")).await.unwrap();
        click(&agent, "#queue-table a").await;
        agent.wait().for_element(Locator::Css("#chat-form")).await.unwrap();
        until_contains(&agent, "#chat-log", "My capture keeps failing").await;
        assert!(text_of(&agent, "#chat-context").await.contains("M100001"));

        // The agent answers over the socket; the user's page shows it without a reload.
        fill(&agent, "chat-body", "Which order is it?").await;
        click(&agent, "#chat-form button[type=submit]").await;
        until_contains(&user, "#chat-log", "Which order is it?").await;
        until_contains(&user, "#chat-log", "joined the conversation").await;

        // The user types: the agent sees it, then the message.
        fill(&user, "chat-body", "Order ").await;
        until_contains(&agent, "#chat-typing", "is typing").await;
        fill(&user, "chat-body", "ABC-123, see https://example.com/x").await;
        click(&user, "#chat-form button[type=submit]").await;
        until_contains(&agent, "#chat-log", "Order ABC-123").await;
        // The box the message left is empty and ready for the next one, not marked wrong.
        assert_eq!(
            eval_string(
                &user,
                "const b = document.getElementById('chat-body'); \
                 return b.value + '|' + b.matches(':user-invalid')"
            )
            .await,
            "|false"
        );
        let link = agent
            .find(Locator::Css("#chat-log a[href='https://example.com/x']"))
            .await
            .expect("the link is clickable");
        assert_eq!(
            link.attr("rel").await.unwrap().as_deref(),
            Some("noopener noreferrer nofollow")
        );
        // The user attaches a PNG from the file picker (sent in the background); the agent's
        // open page shows its link without a reload.
        let dir = tempfile::tempdir().unwrap();
        // A file of a kind the chat refuses: the reason is shown at the file field, which
        // is marked invalid, and nothing reaches the agent.
        let notes = dir.path().join("notes.txt");
        std::fs::write(&notes, "not a picture").unwrap();
        fill(&user, "chat-file", &notes.display().to_string()).await;
        click(&user, "#chat-attach button[type=submit]").await;
        until_contains(&user, "#chat-file-error", "Only PDF, JPEG or PNG files").await;
        assert_eq!(
            eval_string(
                &user,
                "return document.getElementById('chat-file').getAttribute('aria-invalid')"
            )
            .await,
            "true"
        );
        assert!(!text_of(&agent, "#chat-log").await.contains("notes.txt"));
        let file = dir.path().join("screenshot.png");
        let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
        png.extend_from_slice(b"\0\0\0\rIHDR browser test");
        std::fs::write(&file, &png).unwrap();
        fill(&user, "chat-file", &file.display().to_string()).await;
        click(&user, "#chat-attach button[type=submit]").await;
        until_contains(&agent, "#chat-log", "screenshot.png").await;
        let link = agent
            .find(Locator::Css("#chat-log .chat-file a"))
            .await
            .expect("the file's link");
        let href = link.attr("href").await.unwrap().unwrap();
        assert!(
            href.starts_with("/ops/support/") && href.contains("/attachments/chf_"),
            "{href}"
        );
        until_contains(&user, "#chat-log", "screenshot.png").await;
        assert_eq!(text_of(&user, "#chat-file-error").await, "", "the refusal is cleared");
        // Every message is stored once.
        let conversation = app.db().support_queue(10).await.unwrap();
        assert!(conversation.is_empty(), "claimed, so out of the queue");
        snap(&user, "support-chat-user").await;
        snap(&agent, "support-chat-agent").await;

        // The agent finds the conversation by its words, at phone width: the row is a card
        // whose user cell shows the name on one line, with the highlighted passage below it
        // (not squeezed beside it into a narrow column).
        agent.set_window_size(375, 800).await.unwrap();
        agent
            .goto(&format!("{}/ops/support?q=capture+keeps", app.url))
            .await
            .unwrap();
        let results = "#search-table";
        arrive(&agent, &format!("{results} [data-snippet] mark")).await;
        assert_fits(&agent, "the conversation search at 375 px").await;
        let below = eval_string(
            &agent,
            &format!(
                "const cell = document.querySelector('{results} td'); \
                 const name = cell.querySelector('a').getBoundingClientRect(); \
                 const passage = cell.querySelector('[data-snippet]').getBoundingClientRect(); \
                 return String(passage.top >= name.bottom - 1 && cell.querySelector('a').getClientRects().length === 1)"
            ),
        )
        .await;
        assert_eq!(below, "true", "the name is not one line above the passage");
        snap(&agent, "support-search-375").await;
        agent.close().await.unwrap();
        user.close().await.unwrap();
    })
    .await;
}
