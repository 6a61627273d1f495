//! The back office end to end in headless Chromium: an operator onboards a merchant with a
//! live and a playground store and invites its Super Admin; the invitee accepts from the
//! outbox, signs in to the portal, gets API credentials and takes a payment through the API;
//! the operator suspends the merchant and the key is refused.

use crate::browser::{arrive, assert_fits, click, connect, fill, open_browser, snap, text_of};
use crate::support::*;
use fantoccini::{Client as Browser, Locator};
use kassa_core::ops_access::OperatorRole;
use kassa_web::two_factor;

async fn select(b: &Browser, id: &str, value: &str) {
    b.find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"))
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("#{id} = {value}: {e}"));
}

/// Adds a store from the merchant page's "add store" form; returns its Store ID.
async fn add_store(ops: &Browser, base: &str, merchant_path: &str, name: &str, environment: &str) -> String {
    ops.goto(&format!("{base}{merchant_path}/stores/new")).await.unwrap();
    fill(ops, "s-name", name).await;
    fill(ops, "s-url", "https://shop.nordicbikes.example").await;
    select(ops, "s-country", "SE").await;
    select(ops, "s-currency", "SEK").await;
    fill(ops, "s-descriptor", "NORDIC BIKES").await;
    click(ops, &format!("input[name=environment][value={environment}]")).await;
    click(ops, "form.form button[type=submit]").await;
    arrive(ops, "main .notice").await;
    let notice = text_of(ops, "main .notice").await;
    let id = notice
        .split(|c: char| !c.is_ascii_alphanumeric())
        .find(|w| w.len() == 7 && w.starts_with('M') && w[1..].bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or_else(|| panic!("a new Store ID in {notice:?}"))
        .to_owned();
    id
}

#[tokio::test]
async fn an_operator_onboards_a_merchant_whose_admin_takes_a_payment_until_suspension() {
    on_each_backend(|app| async move {
        let Some((driver, ops)) = open_browser().await else {
            return;
        };
        kassa_app::operators::set_two_factor_policy(app.db(), false)
            .await
            .unwrap();
        app.seed_operator("onboarding@ops.kassa.test", OperatorRole::OpsAdmin)
            .await;
        let base = &app.url;

        // The operator signs in to the back office.
        ops.goto(&format!("{base}/ops")).await.unwrap();
        fill(&ops, "email", "onboarding@ops.kassa.test").await;
        fill(&ops, "password", DEMO_PASSWORD).await;
        click(&ops, "form.form button[type=submit]").await;
        arrive(&ops, "nav.sidenav").await;
        assert!(text_of(&ops, "header .brand").await.contains("Back office"));
        snap(&ops, "ops-home").await;

        // A new merchant: a wrong organisation number first, then the right one.
        click(&ops, "nav.sidenav a[href='/ops/merchants']").await;
        arrive(&ops, "a[href='/ops/merchants/new']").await;
        click(&ops, "a[href='/ops/merchants/new']").await;
        fill(&ops, "m-legal-name", "Nordic Bikes AB").await;
        select(&ops, "m-country", "SE").await;
        fill(&ops, "m-org-number", "556123-4568").await;
        fill(&ops, "m-vat-id", "SE556123456701").await;
        fill(&ops, "m-address", "Sveavägen 1").await;
        fill(&ops, "m-postal-code", "111 57").await;
        fill(&ops, "m-city", "Stockholm").await;
        select(&ops, "m-onboarding", "direct").await;
        click(&ops, "form.form button[type=submit]").await;
        arrive(&ops, "#m-org-number[aria-invalid=true]").await;
        snap(&ops, "ops-merchant-form-error").await;
        let org = ops.find(Locator::Id("m-org-number")).await.unwrap();
        org.clear().await.unwrap();
        org.send_keys("556123-4567").await.unwrap();
        click(&ops, "form.form button[type=submit]").await;
        arrive(&ops, "nav.tabs").await;
        assert!(text_of(&ops, "main h1").await.contains("Nordic Bikes AB"));
        let merchant_url = ops.current_url().await.unwrap();
        let merchant_path = merchant_url.path().to_owned();

        // A live and a playground store.
        let live = add_store(&ops, base, &merchant_path, "Nordic Bikes", "live").await;
        let playground = add_store(&ops, base, &merchant_path, "Nordic Bikes test", "playground").await;
        assert_ne!(live, playground);
        ops.goto(merchant_url.as_str()).await.unwrap();
        let stores = text_of(&ops, "main").await;
        assert!(stores.contains(&live) && stores.contains(&playground), "{stores}");
        snap(&ops, "ops-merchant-overview").await;
        assert_fits(&ops, "the merchant overview").await;
        // On a phone every page of the merchant stays within the screen.
        ops.set_window_size(375, 800).await.unwrap();
        for tab in ["", "/users", "/keys", "/orders", "/audit"] {
            ops.goto(&format!("{base}{merchant_path}{tab}")).await.unwrap();
            arrive(&ops, "nav.tabs").await;
            snap(&ops, &format!("ops-375-merchant{}", tab.replace('/', "-"))).await;
            assert_fits(&ops, &format!("{merchant_path}{tab} at 375 px")).await;
        }
        for page in ["/ops", "/ops/merchants", "/ops/operators", "/ops/audit"] {
            ops.goto(&format!("{base}{page}")).await.unwrap();
            arrive(&ops, "main h1").await;
            assert_fits(&ops, &format!("{page} at 375 px")).await;
        }
        ops.set_window_size(1280, 900).await.unwrap();

        // The first Super Admin, invited in Swedish.
        ops.goto(&format!("{base}{merchant_path}/users")).await.unwrap();
        fill(&ops, "invite-email", "sara@nordicbikes.example").await;
        select(&ops, "invite-language", "sv").await;
        click(&ops, "form[action$='/users/invite'] button[type=submit]").await;
        arrive(&ops, "main .notice").await;
        snap(&ops, "ops-merchant-users").await;
        let mail = app
            .mails()
            .into_iter()
            .rev()
            .find(|m| m.to == "sara@nordicbikes.example")
            .expect("an invitation email");
        assert!(mail.text.contains("Nordic Bikes AB"), "{}", mail.text);

        // The invitee accepts in her own browser and lands in the portal.
        let sara = connect(&driver).await;
        let link = app.last_link_to("sara@nordicbikes.example");
        assert!(link.starts_with("/portal/invitation/"), "{link}");
        sara.goto(&format!("{base}{link}")).await.unwrap();
        fill(&sara, "name", "Sara Svensson").await;
        let password = "saras own long password";
        fill(&sara, "new-password", password).await;
        fill(&sara, "confirm-password", password).await;
        click(&sara, "form.form button[type=submit]").await;
        arrive(&sara, "nav.sidenav").await;
        // A new merchant requires two-factor of its admins: she sets it up first.
        assert_eq!(sara.current_url().await.unwrap().path(), "/portal/account/security");
        click(&sara, "form[action='/portal/account/two-factor/setup'] button").await;
        arrive(&sara, "svg.qr").await;
        let secret = text_of(&sara, "#totp-secret").await.replace(' ', "");
        fill(
            &sara,
            "confirm-code",
            &two_factor::code_at(&secret, kassa_web::now_ms()),
        )
        .await;
        click(&sara, "form[action='/portal/account/two-factor/confirm'] button").await;
        arrive(&sara, "ul.recovery-codes").await;
        sara.goto(&format!("{base}/portal")).await.unwrap();
        arrive(&sara, "nav.sidenav a").await;
        snap(&sara, "invitee-portal").await;
        let menu = text_of(&sara, "nav.sidenav").await;
        assert!(menu.contains("Användarhantering"), "a Super Admin, in Swedish: {menu}");

        // Her shop gets credentials (as `kassa key create` makes them) and takes a payment.
        let api = app.api(&playground).await;
        let order_id = api.authorized_order(&sample_order()).await;
        assert_eq!(api.capture(&order_id, 10_000, None).await.status(), 201);
        // She switches to the playground store and finds the payment there.
        select(&sara, "store-select", &playground).await;
        arrive(&sara, &format!("#store-select option[value='{playground}'][selected]")).await;
        sara.goto(&format!("{base}/portal/orders/{order_id}")).await.unwrap();
        arrive(&sara, "#order-status").await;

        // The operator suspends the merchant: the key is refused, nothing is deleted.
        ops.goto(merchant_url.as_str()).await.unwrap();
        fill(&ops, "suspend-reason", "Chargebacks under review").await;
        // A destructive action asks again.
        click(&ops, "form[action$='/suspend'] details summary").await;
        click(&ops, "form[action$='/suspend'] details button[type=submit]").await;
        arrive(&ops, "main .badge-danger").await;
        snap(&ops, "ops-merchant-suspended").await;
        let res = api
            .send(
                reqwest::Method::GET,
                &format!("/ordermanagement/v1/orders/{order_id}"),
                None,
                None,
            )
            .await;
        assert_eq!(res.status(), 403);
        assert_eq!(error_code(res).await, "MERCHANT_SUSPENDED");
        sara.refresh().await.unwrap();
        arrive(&sara, "#order-status").await;
        assert!(
            text_of(&sara, "main .alert").await.contains("spärrat"),
            "the suspension banner"
        );
        snap(&sara, "invitee-suspended").await;
        sara.close().await.unwrap();
        ops.close().await.unwrap();
    })
    .await;
}
