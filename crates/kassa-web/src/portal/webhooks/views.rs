//! What the webhook pages show of endpoints and deliveries, in the member's language and
//! timezone.

use crate::shell::i18n::{format_time, Lang};
use kassa_core::webhook::{events_from_stored, subscribable, EventType};
use kassa_db::{WebhookDeliveryRow, WebhookEndpointRow};

/// One event type's checkbox.
pub(crate) struct EventChoice {
    pub code: &'static str,
    pub checked: bool,
}

pub(crate) fn choices(checked: &[EventType]) -> Vec<EventChoice> {
    subscribable()
        .map(|e| EventChoice {
            code: e.code(),
            checked: checked.contains(&e),
        })
        .collect()
}

pub(crate) struct EndpointView {
    pub id: String,
    pub url: String,
    pub description: String,
    pub events: Vec<EventType>,
    pub events_text: String,
    pub enabled: bool,
    pub status: String,
    pub badge: &'static str,
    pub created: String,
    pub created_by: String,
    /// Why and since when it is disabled, or since when it fails.
    pub note: String,
    /// While the previous secret still signs: until when.
    pub previous_until: String,
}

impl EndpointView {
    pub fn of(lang: Lang, e: &WebhookEndpointRow, tz: &str, now: i64) -> EndpointView {
        let events = events_from_stored(&e.events);
        let (status, badge, note) = match (e.disabled_at, e.failing_since) {
            (Some(at), _) => (
                lang.t("webhooks-status-disabled"),
                "badge-danger",
                lang.t_args(
                    "webhooks-disabled-note",
                    &[
                        ("when", format_time(at, tz)),
                        ("reason", e.disabled_reason.clone().unwrap_or_default()),
                    ],
                ),
            ),
            (None, Some(since)) => (
                lang.t("webhooks-status-failing"),
                "badge-warning",
                lang.t_args("webhooks-failing-note", &[("when", format_time(since, tz))]),
            ),
            (None, None) => (lang.t("webhooks-status-enabled"), "badge-success", String::new()),
        };
        EndpointView {
            id: e.id.clone(),
            url: e.url.clone(),
            description: e.description.clone(),
            events_text: events.iter().map(|t| t.code()).collect::<Vec<_>>().join(", "),
            events,
            enabled: e.disabled_at.is_none(),
            status,
            badge,
            created: format_time(e.created_at, tz),
            created_by: e.created_by.clone(),
            note,
            previous_until: e
                .previous_until
                .filter(|u| *u > now)
                .map(|u| format_time(u, tz))
                .unwrap_or_default(),
        }
    }
}

pub(crate) struct DeliveryView {
    pub id: i64,
    pub event_id: String,
    pub kind: String,
    pub order_id: String,
    pub state: String,
    pub badge: &'static str,
    pub attempts: i64,
    pub created: String,
    pub last_attempt: String,
    pub next_attempt: String,
    pub status: String,
    pub duration: String,
    pub error: String,
    pub request: String,
    pub response: String,
}

impl DeliveryView {
    pub fn of(lang: Lang, d: &WebhookDeliveryRow, tz: &str) -> DeliveryView {
        let (state, badge) = match d.state.as_str() {
            "delivered" => (lang.t("webhooks-state-delivered"), "badge-success"),
            "failed" => (lang.t("webhooks-state-failed"), "badge-danger"),
            _ => (lang.t("webhooks-state-pending"), "badge-info"),
        };
        // The body as sent, pretty-printed for reading (the signed bytes are compact).
        let request = d
            .payload
            .as_deref()
            .map(|p| {
                serde_json::from_str::<serde_json::Value>(p)
                    .ok()
                    .and_then(|v| serde_json::to_string_pretty(&v).ok())
                    .unwrap_or_else(|| p.to_owned())
            })
            .unwrap_or_default();
        DeliveryView {
            id: d.id,
            event_id: d.event_id.clone(),
            kind: d.kind.clone(),
            order_id: d.order_id.clone(),
            state,
            badge,
            attempts: d.attempts,
            created: format_time(d.created_at, tz),
            last_attempt: d.last_attempt_at.map(|t| format_time(t, tz)).unwrap_or_default(),
            next_attempt: if d.state == "pending" {
                format_time(d.next_attempt_at, tz)
            } else {
                String::new()
            },
            status: d.last_status.map(|s| s.to_string()).unwrap_or_default(),
            duration: d.last_duration_ms.map(|ms| format!("{ms} ms")).unwrap_or_default(),
            error: d.last_error.clone().unwrap_or_default(),
            request,
            response: d.last_response.clone().unwrap_or_default(),
        }
    }
}
