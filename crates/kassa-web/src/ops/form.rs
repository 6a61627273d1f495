//! What the back office's merchant and store forms share: field errors in the operator's
//! language, numbers typed with two decimals, and the choices of the select boxes.

use crate::shell::i18n::Lang;
use kassa_app::{AppError, FieldError};
use std::collections::HashMap;

/// A refused form's problems by field name, each a sentence in the operator's language.
#[derive(Debug, Default)]
pub(crate) struct FieldErrors(HashMap<String, String>);

impl FieldErrors {
    /// Each field's first reason, translated: a use case's reason code `c` (kassa-core's
    /// identity codes, kassa-app's `ops::reason`, the parsing codes of this module) is the
    /// message `ops-error-c`.
    pub fn new(lang: Lang, fields: &[FieldError]) -> FieldErrors {
        let mut map = HashMap::new();
        for f in fields {
            map.entry(f.field.clone())
                .or_insert_with(|| lang.t(&format!("ops-error-{}", f.message)));
        }
        FieldErrors(map)
    }

    /// The field errors of a refusal; `None` for any other error, which is no form problem.
    pub fn of(lang: Lang, e: &AppError) -> Option<FieldErrors> {
        match e {
            AppError::Invalid(fields) => Some(FieldErrors::new(lang, fields)),
            _ => None,
        }
    }

    /// Adds a field's problem already in words (one with values in it, such as a limit).
    pub fn insert(&mut self, field: &str, message: String) {
        self.0.insert(field.to_owned(), message);
    }

    pub fn get(&self, field: &str) -> Option<&String> {
        self.0.get(field)
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Reason code of a number that is not a number with at most two decimals.
pub(crate) const HUNDREDTHS: &str = "hundredths";
/// Reason code of something that is not a whole number.
pub(crate) const WHOLE: &str = "whole-number";
/// Reason code of a choice that is not one of the list's.
pub(crate) const CHOICE: &str = "choice";

/// `1.8`, `1,80`, `1 234,5` or `2 %` in hundredths (180, 180, 123450, 200): a percentage as
/// basis points or an amount as minor units. Empty is zero. Integer arithmetic only.
pub(crate) fn parse_hundredths(text: &str) -> Option<i64> {
    let t: String = text
        .trim()
        .trim_end_matches('%')
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}')
        .collect();
    if t.is_empty() {
        return Some(0);
    }
    let (whole, decimals) = match t.find([',', '.']) {
        Some(i) => (&t[..i], &t[i + 1..]),
        None => (t.as_str(), ""),
    };
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() && decimals.is_empty()
        || !digits(whole)
        || !digits(decimals)
        || decimals.len() > 2
        || whole.len() > 12
    {
        return None;
    }
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let cents: i64 = format!("{decimals:0<2}").parse().ok()?;
    Some(whole * 100 + cents)
}

/// Reason code of an amount that is not a signed number with at most two decimals.
pub(crate) const AMOUNT: &str = "amount";

/// A signed amount in the currency (`-12.50`, `+3`, `1 234,5`, `−7,25`) in minor units,
/// exactly (integer arithmetic). `None` when it is empty or not such a number.
pub(crate) fn parse_signed_minor(text: &str) -> Option<i64> {
    let t = text.trim();
    let (sign, rest) = match t.chars().next()? {
        '-' | '\u{2212}' => (-1, &t[t.chars().next()?.len_utf8()..]),
        '+' => (1, &t[1..]),
        _ => (1, t),
    };
    let rest = rest.trim_start();
    if rest.is_empty() || rest.contains('%') {
        return None;
    }
    parse_hundredths(rest).map(|v| sign * v)
}

/// Hundredths written back with two decimals in the operator's language: `1.80`, `1,80`.
pub(crate) fn hundredths(lang: Lang, value: i64) -> String {
    let sep = if lang == Lang::En { '.' } else { ',' };
    format!("{}{sep}{:02}", value / 100, value % 100)
}

/// One option of a select box.
pub(crate) struct Choice {
    pub value: String,
    pub label: String,
}

/// The countries Kassa trades in, by their names in the operator's language.
pub(crate) fn countries(lang: Lang) -> Vec<Choice> {
    let mut out: Vec<Choice> = kassa_core::money::market_countries()
        .map(|c| Choice {
            value: c.to_owned(),
            label: country_name(lang, c),
        })
        .collect();
    out.sort_by(|a, b| a.label.cmp(&b.label));
    out
}

pub(crate) fn country_name(lang: Lang, code: &str) -> String {
    lang.t(&format!("country-{}", code.to_ascii_lowercase()))
}

pub(crate) fn currencies() -> Vec<Choice> {
    kassa_core::money::currencies()
        .into_iter()
        .map(|c| Choice {
            value: c.to_owned(),
            label: c.to_owned(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hundredths_are_read_with_either_decimal_mark() {
        assert_eq!(parse_hundredths("1.8"), Some(180));
        assert_eq!(parse_hundredths(" 1,80 % "), Some(180));
        assert_eq!(parse_hundredths("1 234,5"), Some(123_450));
        assert_eq!(parse_hundredths(",5"), Some(50));
        assert_eq!(parse_hundredths(""), Some(0));
        assert_eq!(parse_hundredths("1.234"), None);
        assert_eq!(parse_hundredths("-1"), None);
        assert_eq!(parse_hundredths("1.2.3"), None);
        assert_eq!(parse_hundredths("."), None);
        assert_eq!(parse_hundredths("abc"), None);
        assert_eq!(hundredths(Lang::En, 180), "1.80");
        assert_eq!(parse_signed_minor("-12.50"), Some(-1250));
        assert_eq!(parse_signed_minor(" +3 "), Some(300));
        assert_eq!(parse_signed_minor("\u{2212}7,25"), Some(-725));
        assert_eq!(parse_signed_minor("1 234,5"), Some(123_450));
        assert_eq!(parse_signed_minor("0.01"), Some(1));
        assert_eq!(parse_signed_minor("12,3,4"), None);
        assert_eq!(parse_signed_minor(""), None);
        assert_eq!(parse_signed_minor("-"), None);
        assert_eq!(parse_signed_minor("5 %"), None);
        assert_eq!(parse_signed_minor("--5"), None);
        assert_eq!(parse_signed_minor("1.005"), None);
        assert_eq!(hundredths(Lang::Sv, 5), "0,05");
    }

    /// The messages built from codes at run time all exist.
    #[test]
    fn every_reason_and_choice_has_words() {
        use kassa_app::ops::reason;
        use kassa_core::access::Onboarding;
        use kassa_core::identity::IdentityError;
        use kassa_core::store_settings::{PaymentMethod, Weekday};
        let english = crate::shell::i18n::english_ids();
        let mut built: Vec<String> = IdentityError::ALL
            .iter()
            .map(|e| e.code())
            .chain([
                reason::TOO_LONG,
                reason::COUNTRY,
                reason::CURRENCY,
                reason::RESERVATION_DAYS,
                reason::PAYOUT_SCHEDULE,
                reason::PAYOUT_DAY,
                reason::FEE_BPS,
                reason::FEE_FIXED,
                reason::ENVIRONMENT_FIXED,
                reason::AMOUNT_ZERO,
                reason::UNKNOWN_ORDER,
                reason::RESERVE_BPS,
                reason::RESERVE_DAYS,
                HUNDREDTHS,
                WHOLE,
                CHOICE,
                AMOUNT,
            ])
            .map(|code| format!("ops-error-{code}"))
            .collect();
        built.extend(
            [Onboarding::Direct, Onboarding::Partner, Onboarding::Migrated]
                .map(|o| format!("ops-onboarding-{}", o.code())),
        );
        built.extend(Weekday::ALL.map(|d| format!("ops-weekday-{}", d.number())));
        built.extend(
            PaymentMethod::ALL.map(|m| format!("ops-method-{}", m.code().to_ascii_lowercase().replace('_', "-"))),
        );
        built.extend(["scheduled", "manual"].map(|k| format!("ops-payout-kind-{k}")));
        built.extend(
            [
                "sale",
                "fee",
                "return",
                "fee-refund",
                "reversal",
                "holdback",
                "release",
                "correction",
                "charge",
                "credit",
                "commission",
                "tax",
                "opening-debt",
                "repay",
                "deposit",
                "closing-debt",
                "settlement",
            ]
            .map(|k| format!("ops-payout-total-{k}")),
        );
        built.extend(kassa_core::money::market_countries().map(|c| format!("country-{}", c.to_ascii_lowercase())));
        for key in built {
            assert!(
                english.contains(&key),
                "{key} is built in code but missing in en/main.ftl"
            );
        }
    }
}
