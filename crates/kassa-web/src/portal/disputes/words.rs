//! Disputes in words, for the portal and the back office alike: reasons, stages and
//! outcomes, requested fields, who said what, and how long is left until a deadline in the
//! reader's own timezone and language.

use crate::shell::i18n::{format_time, Lang};
use kassa_core::dispute::{Outcome, Reason, Stage};
use kassa_core::timeline::ActorKind;

/// What the provider may ask the merchant for, in the order the question form offers it.
pub const REQUESTED_FIELDS: [&str; 5] = [
    "tracking_number",
    "proof_of_delivery",
    "invoice",
    "refund_confirmation",
    "other",
];

/// Message ids are the codes with dashes: `dispute-reason-goods-not-received`.
fn dashed(code: &str) -> String {
    code.replace('_', "-")
}

pub fn reason_label(lang: Lang, reason: Reason) -> String {
    lang.t(&format!("dispute-reason-{}", dashed(reason.code())))
}

/// A requested field in words; a code this version does not know shows as it is.
pub fn field_label(lang: Lang, code: &str) -> String {
    if REQUESTED_FIELDS.contains(&code) {
        lang.t(&format!("dispute-field-{}", dashed(code)))
    } else {
        code.to_owned()
    }
}

/// The badge of a dispute: where it is, or for a closed one how it ended, with its colour.
pub fn stage_badge(lang: Lang, stage: Stage, outcome: Option<Outcome>) -> (String, &'static str) {
    let class = match (stage, outcome) {
        (Stage::ResponseRequired, _) => "badge-danger",
        (Stage::UnderReview, _) => "badge-info",
        (Stage::Inquiry, _) => "badge-neutral",
        (Stage::Closed, Some(Outcome::Won)) => "badge-success",
        (Stage::Closed, Some(Outcome::Lost)) => "badge-danger",
        (Stage::Closed, _) => "badge-neutral",
    };
    let key = match (stage, outcome) {
        (Stage::Closed, Some(o)) => format!("dispute-outcome-{}", o.code()),
        (s, _) => format!("dispute-stage-{}", dashed(s.code())),
    };
    (lang.t(&key), class)
}

/// How long is left until a deadline: the words, the exact time for a tooltip, and
/// whether it is close enough to stand out.
pub struct Countdown {
    pub text: String,
    /// The deadline in the reader's timezone (`2025-05-01 23:59 CEST`).
    pub title: String,
    pub urgent: bool,
}

/// Days are counted as the reader's calendar counts them: a deadline later today is "due
/// today" wherever the reader is, one after midnight their time is "due tomorrow".
pub fn countdown(lang: Lang, deadline: i64, now: i64, timezone: &str) -> Countdown {
    let zone = jiff::tz::TimeZone::get(timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    let day = |ms: i64| {
        jiff::Timestamp::from_millisecond(ms)
            .ok()
            .map(|t| t.to_zoned(zone.clone()).date())
    };
    let days = match (day(now), day(deadline)) {
        (Some(today), Some(due)) => today.until(due).map(|span| span.get_days() as i64).unwrap_or(0),
        _ => 0,
    };
    let text = if deadline < now {
        lang.t("dispute-deadline-passed")
    } else {
        match days {
            0 => lang.t("dispute-due-today"),
            1 => lang.t("dispute-due-tomorrow"),
            n => lang.t_args("dispute-days-left", &[("days", n.to_string())]),
        }
    };
    Countdown {
        text,
        title: format_time(deadline, timezone),
        urgent: deadline < now || days <= 3,
    }
}

/// Who wrote a message. Merchants see the provider's staff as the provider, not by name
/// (`named_operators` is the back office, which shows the operator's email).
pub fn author_label(lang: Lang, author_kind: &str, author: &str, named_operators: bool) -> String {
    match author_kind.parse::<ActorKind>() {
        Ok(ActorKind::Operator) if named_operators => author.to_owned(),
        Ok(ActorKind::Operator) => lang.t("dispute-author-provider"),
        Ok(ActorKind::ApiKey) => lang.t_args("dispute-author-api", &[("name", author.to_owned())]),
        Ok(ActorKind::PortalUser) => author.to_owned(),
        Ok(ActorKind::System) | Ok(ActorKind::Shopper) | Err(_) => lang.t("dispute-author-kassa"),
    }
}

/// What kind of message it is, as its heading.
pub fn kind_label(lang: Lang, kind: &str) -> String {
    match kind {
        "claim" | "request" | "response" | "decision" => lang.t(&format!("dispute-message-{kind}")),
        _ => lang.t("dispute-message-note"),
    }
}

/// A message's text in words: the steps Kassa records by code (the merchant accepted the
/// loss, refunded, the deadline passed; a claim opened without text) read as sentences.
pub fn body_text(lang: Lang, kind: &str, body: &str, reason: Reason) -> String {
    match (kind, body) {
        ("decision", "accepted_loss") => lang.t("dispute-body-accepted-loss"),
        ("decision", "refunded") => lang.t("dispute-body-refunded"),
        ("decision", "deadline_passed") => lang.t("dispute-body-deadline-passed"),
        ("claim", b) if b == reason.code() => reason_label(lang, reason),
        _ => body.to_owned(),
    }
}

/// A file size for people: `820 kB`, `6.5 MB` (decimal units, one decimal above a MB).
pub fn file_size(lang: Lang, bytes: i64) -> String {
    let sep = if lang == Lang::En { "." } else { "," };
    if bytes < 1_000_000 {
        format!("{}\u{a0}kB", (bytes + 999) / 1000)
    } else {
        let tenths = (bytes + 50_000) / 100_000;
        format!("{}{sep}{}\u{a0}MB", tenths / 10, tenths % 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOON: i64 = 1_767_268_800_000; // 2026-01-01 12:00 UTC

    #[test]
    fn countdowns_count_the_readers_calendar_days() {
        let tz = "Europe/Stockholm";
        let hour = 3_600_000;
        assert_eq!(countdown(Lang::En, NOON + hour, NOON, tz).text, "Due today");
        assert_eq!(countdown(Lang::En, NOON + 24 * hour, NOON, tz).text, "Due tomorrow");
        let five = countdown(Lang::En, NOON + 5 * 24 * hour, NOON, tz);
        assert_eq!((five.text.as_str(), five.urgent), ("5 days left", false));
        assert!(countdown(Lang::En, NOON + 3 * 24 * hour, NOON, tz).urgent);
        let late = countdown(Lang::En, NOON - 1, NOON, tz);
        assert_eq!((late.text.as_str(), late.urgent), ("Deadline passed", true));
        // 23:30 in Stockholm is already tomorrow in Helsinki.
        let evening = NOON + 10 * hour + 30 * 60_000;
        assert_eq!(countdown(Lang::En, evening, NOON, tz).text, "Due today");
        assert_eq!(
            countdown(Lang::En, evening, NOON, "Europe/Helsinki").text,
            "Due tomorrow"
        );
        assert_eq!(countdown(Lang::Sv, NOON + 5 * 24 * hour, NOON, tz).text, "5 dagar kvar");
        assert!(five.title.starts_with("2026-01-06 13:00"), "{}", five.title);
    }

    #[test]
    fn every_code_has_words() {
        let english = crate::shell::i18n::english_ids();
        let mut built: Vec<String> = Reason::ALL
            .iter()
            .map(|r| format!("dispute-reason-{}", dashed(r.code())))
            .collect();
        built.extend(Stage::ALL.iter().map(|s| format!("dispute-stage-{}", dashed(s.code()))));
        built.extend(Outcome::ALL.iter().map(|o| format!("dispute-outcome-{}", o.code())));
        built.extend(REQUESTED_FIELDS.iter().map(|f| format!("dispute-field-{}", dashed(f))));
        built.extend(["claim", "request", "response", "decision"].map(|k| format!("dispute-message-{k}")));
        built.extend(
            kassa_core::audit::AuditAction::ALL
                .iter()
                .filter(|a| a.code().starts_with("dispute_"))
                .map(|a| format!("audit-action-{}", dashed(a.code()))),
        );
        for key in built {
            assert!(
                english.contains(&key),
                "{key} is built in code but missing in en/main.ftl"
            );
        }
    }

    #[test]
    fn file_sizes_read_as_people_write_them() {
        assert_eq!(file_size(Lang::En, 820_400), "821\u{a0}kB");
        assert_eq!(file_size(Lang::En, 6_512_000), "6.5\u{a0}MB");
        assert_eq!(file_size(Lang::Sv, 7_340_032), "7,3\u{a0}MB");
    }
}
