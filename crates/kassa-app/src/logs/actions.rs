//! What a call did, in words: the method and path template of each Kassa API route mapped
//! to an i18n key (the portal words it in the user's language), a push notification, or a
//! webhook delivery with its event type.

use kassa_db::LoggedCall;

/// The words of a call: an i18n key and, for webhooks, the event type as `event`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub key: &'static str,
    pub event: Option<String>,
}

/// Method, path template (`*` is one segment) and key, for every route of the merchant API.
pub const ROUTES: &[(&str, &str, &str)] = &[
    ("POST", "/checkout/v3/orders", "log-action-checkout-create"),
    ("GET", "/checkout/v3/orders/*", "log-action-checkout-read"),
    ("POST", "/checkout/v3/orders/*", "log-action-checkout-update"),
    ("POST", "/checkout/v3/orders/*/abort", "log-action-checkout-abort"),
    ("GET", "/ordermanagement/v1/orders/*", "log-action-order-read"),
    (
        "POST",
        "/ordermanagement/v1/orders/*/acknowledge",
        "log-action-acknowledge",
    ),
    (
        "PATCH",
        "/ordermanagement/v1/orders/*/authorization",
        "log-action-update-authorization",
    ),
    ("POST", "/ordermanagement/v1/orders/*/cancel", "log-action-cancel"),
    (
        "GET",
        "/ordermanagement/v1/orders/*/captures",
        "log-action-captures-list",
    ),
    ("POST", "/ordermanagement/v1/orders/*/captures", "log-action-capture"),
    (
        "GET",
        "/ordermanagement/v1/orders/*/captures/*",
        "log-action-capture-read",
    ),
    (
        "PATCH",
        "/ordermanagement/v1/orders/*/captures/*/extend-due-date",
        "log-action-extend-due-date",
    ),
    (
        "GET",
        "/ordermanagement/v1/orders/*/captures/*/extend-due-date-options",
        "log-action-due-date-options",
    ),
    (
        "POST",
        "/ordermanagement/v1/orders/*/captures/*/shipping-info",
        "log-action-capture-shipping",
    ),
    (
        "POST",
        "/ordermanagement/v1/orders/*/captures/*/trigger-send-out",
        "log-action-send-out",
    ),
    (
        "PATCH",
        "/ordermanagement/v1/orders/*/customer-details",
        "log-action-customer-details",
    ),
    (
        "POST",
        "/ordermanagement/v1/orders/*/extend-authorization-time",
        "log-action-extend-authorization",
    ),
    (
        "PATCH",
        "/ordermanagement/v1/orders/*/merchant-references",
        "log-action-merchant-references",
    ),
    ("POST", "/ordermanagement/v1/orders/*/refunds", "log-action-refund"),
    (
        "GET",
        "/ordermanagement/v1/orders/*/refunds/*",
        "log-action-refund-read",
    ),
    (
        "POST",
        "/ordermanagement/v1/orders/*/release-remaining-authorization",
        "log-action-release",
    ),
    (
        "POST",
        "/ordermanagement/v1/orders/*/shipping-info",
        "log-action-shipping",
    ),
    (
        "POST",
        "/test-helpers/checkout/v3/orders/*/complete",
        "log-action-test-complete",
    ),
    ("GET", "/disputes/v1/disputes", "log-action-disputes-list"),
    ("GET", "/disputes/v1/disputes/*", "log-action-dispute-read"),
    (
        "POST",
        "/disputes/v1/disputes/*/responses",
        "log-action-dispute-respond",
    ),
    (
        "POST",
        "/disputes/v1/disputes/*/accept-loss",
        "log-action-dispute-accept-loss",
    ),
    (
        "GET",
        "/disputes/v1/disputes/*/attachments/*",
        "log-action-dispute-attachment",
    ),
    ("POST", "/test-helpers/disputes/v1/disputes", "log-action-test-dispute"),
    ("GET", "/settlements/v1/payouts", "log-action-payouts-list"),
    ("GET", "/settlements/v1/payouts/summary", "log-action-payouts-summary"),
    ("GET", "/settlements/v1/payouts/*", "log-action-payout-read"),
    ("GET", "/settlements/v1/transactions", "log-action-transactions"),
    (
        "GET",
        "/settlements/v1/reports/payout-with-transactions",
        "log-action-report-payout-csv",
    ),
    (
        "GET",
        "/settlements/v1/reports/payouts-summary-with-transactions",
        "log-action-report-summary-csv",
    ),
    ("GET", "/settlements/v1/reports/payout", "log-action-report-payout-pdf"),
    (
        "GET",
        "/settlements/v1/reports/payouts-summary",
        "log-action-report-summary-pdf",
    ),
    ("POST", "/test-helpers/settlements/v1/payouts", "log-action-test-payout"),
];

/// Every key an action may have, for the check that each is worded.
pub fn all_keys() -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = ROUTES.iter().map(|r| r.2).collect();
    keys.extend([
        "log-action-push",
        "log-action-webhook",
        "log-action-webhook-any",
        "log-action-other",
    ]);
    keys
}

fn matches(template: &str, path: &str) -> bool {
    let mut t = template.split('/');
    let mut p = path.split('/');
    loop {
        match (t.next(), p.next()) {
            (None, None) => return true,
            (Some("*"), Some(s)) if !s.is_empty() => {}
            (Some(a), Some(b)) if a == b => {}
            _ => return false,
        }
    }
}

/// What `call` did.
pub fn action_of(call: &LoggedCall) -> Action {
    match call.kind.as_str() {
        "push" => Action {
            key: "log-action-push",
            event: None,
        },
        "webhook" => match &call.event {
            Some(e) => Action {
                key: "log-action-webhook",
                event: Some(e.clone()),
            },
            None => Action {
                key: "log-action-webhook-any",
                event: None,
            },
        },
        _ => {
            let path = call.path.split('?').next().unwrap_or_default().trim_end_matches('/');
            let key = ROUTES
                .iter()
                .find(|(m, t, _)| *m == call.method && matches(t, path))
                .map(|r| r.2)
                .unwrap_or("log-action-other");
            Action { key, event: None }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(method: &str, path: &str) -> LoggedCall {
        LoggedCall {
            id: 1,
            store_id: "M1".into(),
            api_key: "k".into(),
            at: 0,
            direction: "incoming".into(),
            method: method.into(),
            path: path.into(),
            status: 200,
            duration_us: 1,
            correlation_id: "c".into(),
            order_id: None,
            kind: "api".into(),
            event: None,
        }
    }

    #[test]
    fn routes_are_named() {
        let o = "/ordermanagement/v1/orders/ab-12";
        assert_eq!(
            action_of(&call("POST", &format!("{o}/captures"))).key,
            "log-action-capture"
        );
        assert_eq!(
            action_of(&call("GET", &format!("{o}/captures"))).key,
            "log-action-captures-list"
        );
        assert_eq!(
            action_of(&call("GET", &format!("{o}/captures/c1"))).key,
            "log-action-capture-read"
        );
        assert_eq!(
            action_of(&call("POST", "/checkout/v3/orders")).key,
            "log-action-checkout-create"
        );
        assert_eq!(
            action_of(&call("POST", "/checkout/v3/orders/x")).key,
            "log-action-checkout-update"
        );
        assert_eq!(
            action_of(&call("GET", "/settlements/v1/payouts/summary?start_date=x")).key,
            "log-action-payouts-summary"
        );
        assert_eq!(
            action_of(&call("GET", "/settlements/v1/payouts/P1")).key,
            "log-action-payout-read"
        );
        assert_eq!(action_of(&call("DELETE", o)).key, "log-action-other");
        assert_eq!(
            action_of(&call("GET", "/ordermanagement/v1/orders/")).key,
            "log-action-other"
        );
        let mut hook = call("POST", "https://shop.example/hook");
        hook.kind = "webhook".into();
        hook.event = Some("order.captured".into());
        assert_eq!(
            action_of(&hook),
            Action {
                key: "log-action-webhook",
                event: Some("order.captured".into())
            }
        );
        let keys = all_keys();
        let unique: std::collections::BTreeSet<_> = keys.iter().collect();
        assert_eq!(unique.len(), keys.len());
    }
}
