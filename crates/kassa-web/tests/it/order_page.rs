//! The order page over HTTP: unambiguous capture and refund amounts, authorization
//! increases only as far as the payment method approves (portal and API), every action on a
//! page of its own (no JavaScript needed), refused forms redirected back with what was typed,
//! and messages in currency and in the user's language.

use crate::support::*;
use serde_json::json;

/// A refused order form is sent back (303) to its action's own page; that page (a GET, safe
/// to reload) says why. Returns its alert text and the whole page.
pub(crate) async fn sent_back(c: &Client, res: reqwest::Response, id: &str, action: &str) -> (String, String) {
    assert_eq!(
        res.status(),
        303,
        "a refused form is redirected, not answered on the POST"
    );
    let to = location(&res);
    assert!(to.starts_with(&format!("/portal/orders/{id}/{action}?retry=")), "{to}");
    let (status, page) = c.page(&to).await;
    assert_eq!(status, 200);
    let alert = page
        .split("role=\"alert\"")
        .nth(1)
        .and_then(|a| a.split_once('>'))
        .map(|(_, a)| a.split('<').next().unwrap().to_owned())
        .unwrap_or_default();
    (alert, page)
}

/// A random whole number in `0..n`.
fn random_below(n: u128) -> i64 {
    (uuid::Uuid::new_v4().as_u128() % n) as i64
}

/// The value of the one-time key in the form `form_id` of `html`.
fn form_key(html: &str, form_id: &str) -> String {
    let form = &html[html
        .find(&format!("id=\"{form_id}\""))
        .unwrap_or_else(|| panic!("no {form_id}"))..];
    let marker = "name=\"form_key\" value=\"";
    let start = form.find(marker).unwrap() + marker.len();
    form[start..].split('"').next().unwrap().to_owned()
}

/// Posts the form of `action` as its own page shows it, with `fields` filled in.
async fn post_action(c: &Client, id: &str, action: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let (status, page) = c.page(&format!("/portal/orders/{id}/{action}")).await;
    assert_eq!(status, 200, "{action} has a page of its own");
    let key = form_key(&page, &format!("{action}-form"));
    let mut all = vec![("form_key", key.as_str())];
    all.extend_from_slice(fields);
    c.post_form(&format!("/portal/orders/{id}/{action}"), &all).await
}

/// The `<input>` tag named `name` inside the form `form_id`.
fn input_tag<'a>(html: &'a str, form_id: &str, name: &str) -> &'a str {
    let form = &html[html.find(&format!("id=\"{form_id}\"")).unwrap()..];
    let form = &form[..form.find("</form>").unwrap()];
    let at = form
        .find(&format!("name=\"{name}\""))
        .unwrap_or_else(|| panic!("no {name} in {form_id}"));
    let start = form[..at].rfind('<').unwrap();
    &form[start..at + form[at..].find('>').unwrap()]
}

/// Whether the radio button `mode` of `form_id` is checked.
fn mode_checked(html: &str, form_id: &str, mode: &str) -> bool {
    let form = &html[html.find(&format!("id=\"{form_id}\"")).unwrap()..];
    let at = form.find(&format!("name=\"mode\" value=\"{mode}\"")).unwrap();
    form[at..].split('>').next().unwrap().contains("checked")
}

#[tokio::test]
async fn a_typed_amount_is_never_ignored_by_capture_or_refund() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let id = api.authorized_order(&sample_order()).await;
        let c = app.signed_in("user@demo.kassa.test").await;
        // An amount typed while "Everything remaining" stays chosen: refused, nothing captured,
        // and the form comes back as it was sent.
        let cents = 100 + random_below(59_800);
        let typed = format!("{}.{:02}", cents / 100, cents % 100);
        let res = post_action(&c, &id, "capture", &[("mode", "full"), ("amount", &typed)]).await;
        let (alert, page) = sent_back(&c, res, &id, "capture").await;
        let shown = format!("SEK\u{a0}{}.{:02}", cents / 100, cents % 100);
        assert!(
            alert.contains(&format!(
                "You typed an amount ({shown}) but chose “Everything remaining”"
            )),
            "{alert}"
        );
        assert_eq!(api.order(&id).await["captured_amount"], 0, "nothing captured");
        assert!(input_tag(&page, "capture-form", "amount").contains(&format!("value=\"{typed}\"")));
        assert!(
            mode_checked(&page, "capture-form", "full"),
            "the chosen way is kept too"
        );
        // The same with "Chosen lines", and quantities with "An amount".
        let res = post_action(
            &c,
            &id,
            "capture",
            &[("mode", "lines"), ("qty_1", "1"), ("amount", "10")],
        )
        .await;
        let (alert, _) = sent_back(&c, res, &id, "capture").await;
        assert!(alert.contains("but chose “Chosen lines”"), "{alert}");
        let res = post_action(
            &c,
            &id,
            "capture",
            &[("mode", "amount"), ("qty_1", "1"), ("amount", "10")],
        )
        .await;
        let (alert, page) = sent_back(&c, res, &id, "capture").await;
        assert!(
            alert.contains("You chose quantities of lines but “An amount”"),
            "{alert}"
        );
        assert!(input_tag(&page, "capture-form", "qty_1").contains("value=\"1\""));
        assert_eq!(api.order(&id).await["captured_amount"], 0, "nothing captured");

        // "An amount" takes exactly the amount.
        let res = post_action(&c, &id, "capture", &[("mode", "amount"), ("amount", &typed)]).await;
        assert_eq!(location(&res), format!("/portal/orders/{id}?done=captured"));
        assert_eq!(api.order(&id).await["captured_amount"], cents);

        // Refunds follow the same rule.
        let refund_cents = 1 + random_below(cents as u128);
        let refund = format!("{},{:02}", refund_cents / 100, refund_cents % 100);
        let res = post_action(&c, &id, "refund", &[("mode", "full"), ("amount", &refund)]).await;
        let (alert, page) = sent_back(&c, res, &id, "refund").await;
        assert!(
            alert.contains("but chose “Everything captured and not yet refunded”"),
            "{alert}"
        );
        assert!(input_tag(&page, "refund-form", "amount").contains(&format!("value=\"{refund}\"")));
        assert_eq!(api.order(&id).await["refunded_amount"], 0, "nothing refunded");
        // Captured by amount, no line can be chosen for a refund: the way is not offered.
        assert!(
            !page.contains("name=\"mode\" value=\"lines\""),
            "no “Chosen lines” without lines to choose"
        );
        let res = post_action(&c, &id, "refund", &[("mode", "amount"), ("amount", &refund)]).await;
        assert_eq!(location(&res), format!("/portal/orders/{id}?done=refunded"));
        assert_eq!(api.order(&id).await["refunded_amount"], refund_cents);

        // No way chosen at all is explained too.
        let res = post_action(&c, &id, "capture", &[("amount", "1")]).await;
        let (alert, _) = sent_back(&c, res, &id, "capture").await;
        assert!(alert.starts_with("Choose how much"), "{alert}");
        assert_eq!(api.order(&id).await["captured_amount"], cents);
    })
    .await;
}

#[tokio::test]
async fn chosen_lines_are_offered_only_while_some_can_be_chosen() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let id = api.authorized_order(&sample_order()).await;
        let c = app.signed_in("user@demo.kassa.test").await;
        let (_, page) = c.page(&format!("/portal/orders/{id}/capture")).await;
        assert!(page.contains("name=\"mode\" value=\"lines\""));
        // The camera (1) and both tripods (2) captured by lines: 0 left to choose.
        let res = post_action(&c, &id, "capture", &[("mode", "lines"), ("qty_0", "1"), ("qty_1", "1")]).await;
        assert_eq!(location(&res), format!("/portal/orders/{id}?done=captured"));
        let (_, page) = c.page(&format!("/portal/orders/{id}/capture")).await;
        assert!(page.contains("id=\"capture-qty-1\"") && !page.contains("id=\"capture-qty-0\""));
        let (_, page) = c.page(&format!("/portal/orders/{id}/refund")).await;
        assert!(
            page.contains("name=\"mode\" value=\"lines\""),
            "captured lines can be refunded"
        );
        let res = post_action(&c, &id, "refund", &[("mode", "lines"), ("qty_0", "1"), ("qty_1", "1")]).await;
        assert_eq!(location(&res), format!("/portal/orders/{id}?done=refunded"));
        assert_eq!(api.order(&id).await["refunded_amount"], 50000);
        // Everything captured by lines is refunded: a refund form would have no line to offer.
        let res = post_action(&c, &id, "capture", &[("mode", "amount"), ("amount", "50")]).await;
        assert_eq!(location(&res), format!("/portal/orders/{id}?done=captured"));
        let (_, page) = c.page(&format!("/portal/orders/{id}/refund")).await;
        assert!(page.contains("id=\"refund-form\""));
        assert!(!page.contains("name=\"mode\" value=\"lines\""), "{page}");
    })
    .await;
}

#[tokio::test]
async fn a_higher_amount_is_approved_only_up_to_the_store_limit_and_confirmed_first() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let id = api.authorized_order(&sample_order()).await;
        let c = app.signed_in("admin@demo.kassa.test").await;
        // The case: 600 raised to 999,999. The default limit is 20 %: at most 720.
        let res = post_action(&c, &id, "amount", &[("amount", "999999")]).await;
        let (alert, page) = sent_back(&c, res, &id, "amount").await;
        assert_eq!(
            alert,
            "The payment method does not approve SEK\u{a0}999,999.00: for this order it approves at most \
             SEK\u{a0}720.00 (20 % above the amount first authorized). Nothing was changed."
        );
        assert!(input_tag(&page, "amount-form", "amount").contains("value=\"999999\""));
        assert_eq!(api.order(&id).await["order_amount"], 60000);

        // Within the limit: a page states the change and asks; nothing changes until confirmed.
        let res = post_action(&c, &id, "amount", &[("amount", "700"), ("description", "Gift wrap")]).await;
        assert_eq!(res.status(), 200);
        let confirm = res.text().await.unwrap();
        assert!(confirm.contains("The order amount rises from SEK\u{a0}600.00 to SEK\u{a0}700.00."));
        assert!(confirm.contains("approves at most SEK\u{a0}720.00"));
        assert_eq!(api.order(&id).await["order_amount"], 60000, "not yet");
        let key = form_key(&confirm, "amount-confirm-form");
        let form = [
            ("form_key", key.as_str()),
            ("confirmed", "1"),
            ("amount", "700"),
            ("description", "Gift wrap"),
        ];
        let res = c.post_form(&format!("/portal/orders/{id}/amount"), &form).await;
        assert_eq!(location(&res), format!("/portal/orders/{id}?done=amount"));
        let res = c.post_form(&format!("/portal/orders/{id}/amount"), &form).await;
        assert_eq!(location(&res), format!("/portal/orders/{id}?done=repeated"));
        assert_eq!(api.order(&id).await["order_amount"], 70000);
        // A confirmation sent straight away is still held to the limit.
        let (_, page) = c.page(&format!("/portal/orders/{id}/amount")).await;
        let key = form_key(&page, "amount-form");
        let res = c
            .post_form(
                &format!("/portal/orders/{id}/amount"),
                &[("form_key", &key), ("confirmed", "1"), ("amount", "720.01")],
            )
            .await;
        let (alert, _) = sent_back(&c, res, &id, "amount").await;
        assert!(alert.contains("at most SEK\u{a0}720.00"), "{alert}");
        // Edited lines that add up to more than it approves are refused the same way.
        let (_, page) = c.page(&format!("/portal/orders/{id}/lines")).await;
        let tag = input_tag(&page, "lines-form", "lines_version");
        let version = tag
            .split("value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned();
        let res = post_action(&c, &id, "lines", &[("lines_version", &version), ("quantity_1", "5")]).await;
        let (alert, page) = sent_back(&c, res, &id, "lines").await;
        assert!(
            alert.starts_with("The payment method does not approve SEK\u{a0}900.00"),
            "{alert}"
        );
        assert!(input_tag(&page, "lines-form", "quantity_1").contains("value=\"5\""));
        assert_eq!(api.order(&id).await["order_amount"], 70000);
        // The message belongs to that form: another action's page does not show it.
        let (_, other) = c.page(&format!("/portal/orders/{id}/amount?retry=x")).await;
        assert!(!other.contains("role=\"alert\""));

        // Lowering is no new authorization: no question.
        let res = post_action(&c, &id, "amount", &[("amount", "650")]).await;
        assert_eq!(location(&res), format!("/portal/orders/{id}?done=amount"));

        // A store that allows no increase declines every one, in the portal and the API.
        app.db().set_authorization_increase_limit("M100001", 0).await.unwrap();
        let res = post_action(&c, &id, "amount", &[("amount", "650.01")]).await;
        let (alert, _) = sent_back(&c, res, &id, "amount").await;
        assert!(alert.contains("at most SEK\u{a0}650.00 (0 %"), "{alert}");
        let res = api
            .om(
                reqwest::Method::PATCH,
                &id,
                "authorization",
                Some(&json!({"order_amount": 65001})),
            )
            .await;
        assert_eq!(res.status(), 403);
        assert_eq!(error_code(res).await, "NOT_ALLOWED");
        assert_eq!(api.order(&id).await["order_amount"], 65000);
    })
    .await;
}

#[tokio::test]
async fn the_api_refuses_increases_beyond_the_limit_even_all_at_once() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let id = api.authorized_order(&sample_order()).await;
        app.db().set_authorization_increase_limit("M100001", 50).await.unwrap();
        let patch = |amount: i64| {
            let api = &api;
            let id = id.clone();
            async move {
                api.om(
                    reqwest::Method::PATCH,
                    &id,
                    "authorization",
                    Some(&json!({"order_amount": amount})),
                )
                .await
            }
        };
        let res = patch(90001).await;
        assert_eq!(res.status(), 403);
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["error_code"], "NOT_ALLOWED");
        let message = body["error_messages"][0].as_str().unwrap();
        assert!(message.contains("declined") && message.contains("90000"), "{message}");
        assert_eq!(patch(90000).await.status(), 204, "exactly the limit is approved");
        // Lowered and raised again in small steps, many at once: never past the limit.
        assert_eq!(patch(60000).await.status(), 204);
        let amounts: Vec<i64> = (0..200).map(|_| 60000 + random_below(60_000)).collect();
        let results = join_all(amounts.iter().map(|a| patch(*a)).collect()).await;
        for (amount, res) in amounts.iter().zip(&results) {
            let want = if *amount <= 90000 { 204 } else { 403 };
            assert_eq!(res.status(), want, "{amount}");
        }
        let final_amount = api.order(&id).await["order_amount"].as_i64().unwrap();
        assert!(final_amount <= 90000, "{final_amount}");
        assert!(amounts.contains(&final_amount));
    })
    .await;
}

/// Runs the futures together on this task (`join_all` without another dependency).
async fn join_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut slots: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    let mut futures: Vec<std::pin::Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (slot, fut) in slots.iter_mut().zip(futures.iter_mut()) {
            if slot.is_none() {
                match fut.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => *slot = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    slots.into_iter().map(|s| s.unwrap()).collect()
}

#[tokio::test]
async fn every_action_has_a_page_of_its_own_and_refusals_come_back_to_it() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let id = api.authorized_order(&sample_order()).await;
        let c = app.signed_in("admin@demo.kassa.test").await;
        let short = app.db().order("M100001", &id).await.unwrap().unwrap().short_reference;
        // The order page: facts, one button per action (a link to its page), the forms only
        // inside closed dialogs; its title names the order.
        let (_, page) = c.page(&format!("/portal/orders/{id}")).await;
        assert!(
            page.contains(&format!("<title>Order {short} · Kassa</title>")),
            "tab title"
        );
        let before_dialogs = &page[..page.find("<dialog").expect("dialogs")];
        assert!(
            !before_dialogs.contains("<form method=\"post\" action=\"/portal/orders/"),
            "no open forms"
        );
        for action in [
            "capture",
            "amount",
            "lines",
            "cancel",
            "customer",
            "shipping",
            "references",
        ] {
            assert!(
                before_dialogs.contains(&format!(
                    "href=\"/portal/orders/{id}/{action}\" data-dialog=\"dialog-{action}\""
                )),
                "{action} button"
            );
            let (status, own) = c.page(&format!("/portal/orders/{id}/{action}")).await;
            assert_eq!(status, 200, "{action}");
            assert!(
                own.contains(&format!("id=\"{action}-form\"")),
                "{action} form on its own page"
            );
            assert!(own.contains(&format!("{short} · Kassa</title>")), "{action} page title");
            assert_eq!(
                own.matches("<form method=\"post\" action=\"/portal/orders/").count(),
                1,
                "just that form"
            );
        }
        for action in ["refund", "release", "extend"] {
            let shows = before_dialogs.contains(&format!("data-dialog=\"dialog-{action}\""));
            assert_eq!(shows, action == "extend", "{action} only when possible");
        }
        // An action the order does not allow now says so instead of showing its form.
        let (status, own) = c.page(&format!("/portal/orders/{id}/refund")).await;
        assert_eq!(status, 200);
        assert!(own.contains("id=\"action-unavailable\"") && !own.contains("id=\"refund-form\""));
        assert_eq!(c.get(&format!("/portal/orders/{id}/nonsense")).await.status(), 404);

        // A refused POST leaves the browser on a GET page that reloads fine, with the
        // message and what was typed.
        let res = post_action(
            &c,
            &id,
            "shipping",
            &[("shipping_method", "Teleport"), ("tracking_number", "PN-77")],
        )
        .await;
        let to = location(&res);
        let (alert, page) = sent_back(&c, res, &id, "shipping").await;
        assert_eq!(alert, "“Shipping method” is not valid. Check it and try again.");
        assert!(page.contains("value=\"PN-77\""));
        let (status, again) = c.page(&to).await;
        assert_eq!(status, 200, "a reload shows the same page");
        assert!(again.contains("“Shipping method” is not valid.") && again.contains("value=\"PN-77\""));
        // Another user cannot read it.
        let other = app.signed_in("user@demo.kassa.test").await;
        let (_, theirs) = other.page(&to).await;
        assert!(!theirs.contains("PN-77") && !theirs.contains("role=\"alert\""));

        // Amounts in currency, never minor units or field names; in Swedish for a Swedish user.
        let res = post_action(&c, &id, "capture", &[("mode", "amount"), ("amount", "999999")]).await;
        let (alert, _) = sent_back(&c, res, &id, "capture").await;
        assert_eq!(
            alert,
            "SEK\u{a0}999,999.00 is more than the SEK\u{a0}600.00 left to capture. Nothing was captured."
        );
        assert!(!alert.contains("99999900") && !alert.contains("captured_amount"));
        let res = c
            .post_form("/portal/language", &[("lang", "sv"), ("next", "/portal")])
            .await;
        assert_eq!(res.status(), 303);
        let res = post_action(&c, &id, "capture", &[("mode", "amount"), ("amount", "999999")]).await;
        let (alert, _) = sent_back(&c, res, &id, "capture").await;
        assert_eq!(
            alert,
            "999\u{a0}999,00\u{a0}SEK är mer än de 600,00\u{a0}SEK som är kvar att debitera. Inget debiterades."
        );
        let res = post_action(&c, &id, "amount", &[("amount", "999999")]).await;
        let (alert, _) = sent_back(&c, res, &id, "amount").await;
        assert!(
            alert.starts_with("Betalsättet godkänner inte 999\u{a0}999,00\u{a0}SEK"),
            "{alert}"
        );
        let res = post_action(&c, &id, "capture", &[("mode", "full"), ("amount", "10")]).await;
        let (alert, _) = sent_back(&c, res, &id, "capture").await;
        assert!(
            alert.starts_with("Du skrev ett belopp (10,00\u{a0}SEK) men valde ”Allt som återstår”"),
            "{alert}"
        );
        assert_eq!(api.order(&id).await["captured_amount"], 0);
    })
    .await;
}

#[tokio::test]
async fn empty_captures_and_refunds_say_what_is_true_for_the_order() {
    on_each_backend(|app| async move {
        let api = app.api("M100001").await;
        let open = api.authorized_order(&sample_order()).await;
        let cancelled = api.authorized_order(&sample_order()).await;
        let expired = api.authorized_order(&sample_order()).await;
        assert_eq!(
            api.om(reqwest::Method::POST, &cancelled, "cancel", None).await.status(),
            204
        );
        app.db()
            .execute_trusted(&format!(
                "UPDATE orders SET status = 'EXPIRED', expires_at = 1 WHERE order_id = '{expired}'"
            ))
            .await
            .unwrap();
        let c = app.signed_in("readonly@demo.kassa.test").await;
        let text = |page: &str, id: &str| {
            page.split(&format!("id=\"{id}\">"))
                .nth(1)
                .map(|s| s.split('<').next().unwrap().to_owned())
                .unwrap_or_default()
        };
        let (_, page) = c.page(&format!("/portal/orders/{open}")).await;
        assert_eq!(text(&page, "no-captures"), "None yet.");
        let (_, page) = c.page(&format!("/portal/orders/{cancelled}")).await;
        assert_eq!(
            text(&page, "no-captures"),
            "Nothing was captured: the order was cancelled."
        );
        assert_eq!(text(&page, "no-refunds"), "Nothing to refund: nothing was captured.");
        assert!(!page.contains("None yet."));
        let (_, page) = c.page(&format!("/portal/orders/{expired}")).await;
        assert_eq!(
            text(&page, "no-captures"),
            "Nothing was captured before the authorization expired."
        );
        assert!(!page.contains("None yet."));
        // A read-only user has no action buttons and no action pages.
        assert!(!page.contains("data-dialog="));
        assert_eq!(c.get(&format!("/portal/orders/{open}/capture")).await.status(), 403);
    })
    .await;
}
