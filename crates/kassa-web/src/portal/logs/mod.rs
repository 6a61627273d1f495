//! The Developer Logs section: every call between the store's systems and Kassa in both
//! directions — merchant API calls, push notifications, webhook deliveries — newest first
//! with filters, search and keyset pages; one call with its headers and bodies (redacted
//! when recorded), a curl command that repeats it, and, for a failed call, what went wrong
//! in plain words with a link to the error codes' help page. The reads, the words of each
//! action and the explanations are kassa-app's `logs`; the handlers parse, call and render.

mod detail;
mod help;
mod list;
mod section;

pub(crate) use section::section;

use crate::shell::i18n::Lang;
use kassa_app::logs::{action_of, StatusClass};
use kassa_db::LoggedCall;

/// A call's action in words.
pub(crate) fn action_words(lang: Lang, call: &LoggedCall) -> String {
    let action = action_of(call);
    match action.event {
        Some(event) => lang.t_args(action.key, &[("event", event)]),
        None => lang.t(action.key),
    }
}

/// The badge class of a status.
fn status_badge(status: i64) -> &'static str {
    match status {
        200..=299 => "badge-success",
        300..=399 => "badge-info",
        400..=499 => "badge-warning",
        _ => "badge-danger",
    }
}

/// The status as shown: the number, or "no answer".
fn status_text(lang: Lang, status: i64) -> String {
    if status == 0 {
        lang.t("log-status-none")
    } else {
        status.to_string()
    }
}

/// A duration in µs as milliseconds.
fn duration_text(us: i64) -> String {
    if us >= 10_000 {
        format!("{} ms", us / 1000)
    } else {
        format!("{:.1} ms", us as f64 / 1000.0)
    }
}

/// The time of a call, to the second, in the user's timezone.
fn time_text(ms: i64, timezone: &str) -> String {
    let Ok(ts) = jiff::Timestamp::from_millisecond(ms) else {
        return String::new();
    };
    let tz = jiff::tz::TimeZone::get(timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    ts.to_zoned(tz).strftime("%Y-%m-%d %H:%M:%S %Z").to_string()
}

/// The words of a status class filter.
fn class_label(lang: Lang, class: StatusClass) -> String {
    lang.t(&format!("log-class-{}", class.code()))
}

#[cfg(test)]
mod tests {
    use kassa_app::logs::{actions::all_keys, errors::code_stem, errors::REASON_KEYS, StatusClass, ERROR_CODES};

    #[test]
    fn every_action_error_and_class_has_words() {
        let english = crate::shell::i18n::english_ids();
        let mut keys: Vec<String> = all_keys().into_iter().map(str::to_owned).collect();
        keys.extend(REASON_KEYS.iter().map(|k| (*k).to_owned()));
        for code in ERROR_CODES {
            keys.push(format!("log-error-{}", code_stem(code)));
            keys.push(format!("log-error-{}-fix", code_stem(code)));
        }
        for class in StatusClass::ALL {
            keys.push(format!("log-class-{}", class.code()));
        }
        for key in keys {
            assert!(english.contains(&key), "{key} is missing in en/main.ftl");
        }
    }

    #[test]
    fn durations_read_as_milliseconds() {
        assert_eq!(super::duration_text(1_234), "1.2 ms");
        assert_eq!(super::duration_text(45_678), "45 ms");
    }
}
