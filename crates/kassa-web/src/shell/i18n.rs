//! Languages and translations (Fluent, one `.ftl` per language under `locales/`).

use super::session::{cookie, LANG_COOKIE};
use axum::http::{header, HeaderMap};
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{static_loader, Loader};
use std::borrow::Cow;
use std::collections::HashMap;
use unic_langid::LanguageIdentifier;

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // Bidi isolation marks around arguments would end up inside emails and CSV too.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// The portal's languages, in the order the language menu lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    En,
    Sv,
    De,
    Fi,
    Nb,
    Da,
    Nl,
}

impl Lang {
    pub const ALL: [Lang; 7] = [Lang::En, Lang::Sv, Lang::De, Lang::Fi, Lang::Nb, Lang::Da, Lang::Nl];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Sv => "sv",
            Lang::De => "de",
            Lang::Fi => "fi",
            Lang::Nb => "nb",
            Lang::Da => "da",
            Lang::Nl => "nl",
        }
    }

    /// The language's name in itself, as a language menu should show it.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Sv => "Svenska",
            Lang::De => "Deutsch",
            Lang::Fi => "Suomi",
            Lang::Nb => "Norsk bokmål",
            Lang::Da => "Dansk",
            Lang::Nl => "Nederlands",
        }
    }

    /// The flag shown for the language (a file under /static/flags/).
    pub fn flag(self) -> &'static str {
        match self {
            Lang::En => "gb",
            Lang::Sv => "se",
            Lang::De => "de",
            Lang::Fi => "fi",
            Lang::Nb => "no",
            Lang::Da => "dk",
            Lang::Nl => "nl",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        let primary = code.split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
        // Norwegian without a written standard, and Nynorsk, read Bokmål.
        let primary = if primary == "no" || primary == "nn" {
            "nb".to_owned()
        } else {
            primary
        };
        Lang::ALL.into_iter().find(|l| l.code() == primary)
    }

    /// The best language for `Accept-Language`, by quality; English when nothing matches.
    pub fn negotiate(accept_language: &str) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for part in accept_language.split(',') {
            let mut fields = part.trim().split(';');
            let tag = fields.next().unwrap_or("").trim();
            let q = fields
                .find_map(|f| f.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if let Some(lang) = Lang::from_code(tag) {
                if best.is_none_or(|(bq, _)| q > bq) {
                    best = Some((q, lang));
                }
            }
        }
        best.map(|(_, l)| l).unwrap_or(Lang::En)
    }

    /// For a visitor who is not signed in (or an error page): the language cookie, else the
    /// browser's preference.
    pub fn for_request(headers: &HeaderMap) -> Lang {
        cookie(headers, LANG_COOKIE)
            .and_then(Lang::from_code)
            .unwrap_or_else(|| {
                Lang::negotiate(
                    headers
                        .get(header::ACCEPT_LANGUAGE)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or(""),
                )
            })
    }

    fn id(self) -> LanguageIdentifier {
        self.code().parse().expect("language codes are valid identifiers")
    }

    /// An amount in minor units as people of this language write it: `SEK 1,234.50` in
    /// English, `1 234,50 SEK` in Swedish. Integer arithmetic only; never a float.
    pub fn format_money(self, minor: i64, currency: &str) -> String {
        let (group, decimal) = match self {
            Lang::En => (",", "."),
            Lang::Sv | Lang::Fi | Lang::Nb => ("\u{a0}", ","),
            Lang::De | Lang::Da | Lang::Nl => (".", ","),
        };
        let sign = if minor < 0 { "-" } else { "" };
        let abs = minor.unsigned_abs();
        let (major, cents) = (abs / 100, abs % 100);
        let digits = major.to_string();
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push_str(group);
            }
            grouped.push(c);
        }
        let currency = currency.to_uppercase();
        match self {
            Lang::En | Lang::Nl => format!("{sign}{currency}\u{a0}{grouped}{decimal}{cents:02}"),
            _ => format!("{sign}{grouped}{decimal}{cents:02}\u{a0}{currency}"),
        }
    }

    /// The message `key` in this language.
    pub fn t(self, key: &str) -> String {
        LOCALES.lookup(&self.id(), key)
    }

    /// The message `key` with named arguments.
    pub fn t_args(self, key: &str, args: &[(&'static str, String)]) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue> = args
            .iter()
            .map(|(k, v)| (Cow::Borrowed(*k), FluentValue::from(v.clone())))
            .collect();
        LOCALES.lookup_with_args(&self.id(), key, &args)
    }
}

/// A time for a person: their timezone, their language's date order.
pub(crate) fn format_time(ms: i64, timezone: &str) -> String {
    let Ok(ts) = jiff::Timestamp::from_millisecond(ms) else {
        return String::new();
    };
    let tz = jiff::tz::TimeZone::get(timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    ts.to_zoned(tz).strftime("%Y-%m-%d %H:%M %Z").to_string()
}

/// The message ids of the English messages, for tests that check ids built at run time.
#[cfg(test)]
pub(crate) fn english_ids() -> std::collections::BTreeSet<String> {
    tests::ids_in(&tests::manifest("locales/en/main.ftl"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_follows_quality() {
        assert_eq!(Lang::negotiate("sv-SE,sv;q=0.9,en;q=0.8"), Lang::Sv);
        assert_eq!(Lang::negotiate("fr-FR, de;q=0.5, en;q=0.7"), Lang::En);
        assert_eq!(Lang::negotiate("nn"), Lang::Nb);
        assert_eq!(Lang::negotiate(""), Lang::En);
        assert_eq!(Lang::negotiate("fr"), Lang::En);
    }

    #[test]
    fn money_is_formatted_per_language() {
        assert_eq!(Lang::En.format_money(123_450, "sek"), "SEK\u{a0}1,234.50");
        assert_eq!(Lang::Sv.format_money(123_450, "SEK"), "1\u{a0}234,50\u{a0}SEK");
        assert_eq!(Lang::De.format_money(-5, "EUR"), "-0,05\u{a0}EUR");
        assert_eq!(Lang::En.format_money(100_000_000, "USD"), "USD\u{a0}1,000,000.00");
    }

    #[test]
    fn arguments_are_substituted() {
        let args = [
            ("name", "Ada".into()),
            ("store", "Butiken".into()),
            ("merchant", "Bolaget AB".into()),
        ];
        let text = Lang::Sv.t_args("home-greeting", &args);
        assert_eq!(text, "Välkommen, Ada! Du är i Butiken hos Bolaget AB.");
    }

    use std::collections::BTreeSet;
    use std::path::Path;

    pub(super) fn manifest(rel: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
    }

    /// Message ids defined in one .ftl file (top-level `id = ...` lines).
    pub(super) fn ids_in(path: &Path) -> BTreeSet<String> {
        std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .lines()
            .filter_map(|l| l.split_once(" ="))
            .map(|(id, _)| id)
            .filter(|id| {
                id.starts_with(|c: char| c.is_ascii_lowercase())
                    && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
            .map(str::to_owned)
            .collect()
    }

    /// The `$variables` each message of one .ftl file uses.
    fn variables_in(path: &Path) -> HashMap<String, Vec<String>> {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .filter_map(|l| l.split_once(" = "))
            .map(|(id, text)| {
                let vars = text
                    .split("{ $")
                    .skip(1)
                    .filter_map(|rest| rest.split(' ').next())
                    .map(str::to_owned)
                    .collect();
                (id.to_owned(), vars)
            })
            .collect()
    }

    /// Every string literal in `text` that looks like a message id: lower-case words joined
    /// by dashes, e.g. "sign-in-title".
    fn key_like_literals(text: &str) -> Vec<String> {
        text.split('"')
            .skip(1)
            .step_by(2)
            .filter(|s| {
                s.contains('-')
                    && s.split('-')
                        .all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
            })
            .map(str::to_owned)
            .collect()
    }

    fn files_under(dir: &Path, ext: &str, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files_under(&path, ext, out);
            } else if path.extension().is_some_and(|e| e == ext) {
                out.push(path);
            }
        }
    }

    #[test]
    fn every_language_has_every_message() {
        let english = ids_in(&manifest("locales/en/main.ftl"));
        assert!(english.len() > 50);
        let variables = variables_in(&manifest("locales/en/main.ftl"));
        for lang in Lang::ALL {
            let ids = ids_in(&manifest(&format!("locales/{}/main.ftl", lang.code())));
            let missing: Vec<_> = english.difference(&ids).collect();
            let extra: Vec<_> = ids.difference(&english).collect();
            assert!(missing.is_empty(), "{}: missing {missing:?}", lang.code());
            assert!(extra.is_empty(), "{}: not in English {extra:?}", lang.code());
            for id in &english {
                // Messages with variables only format when given them.
                let args: HashMap<Cow<'static, str>, FluentValue> = variables
                    .get(id)
                    .into_iter()
                    .flatten()
                    .map(|v| (Cow::Owned(v.clone()), FluentValue::from("x")))
                    .collect();
                assert!(
                    LOCALES.try_lookup_with_args(&lang.id(), id, &args).is_some(),
                    "{}: {id} does not load",
                    lang.code()
                );
            }
        }
    }

    /// Every message the code or templates ask for exists, so no page shows a raw id.
    #[test]
    fn every_message_used_exists() {
        let english = ids_in(&manifest("locales/en/main.ftl"));
        let prefixes: BTreeSet<&str> = english.iter().filter_map(|id| id.split('-').next()).collect();
        let mut files = Vec::new();
        files_under(&manifest("templates"), "html", &mut files);
        files_under(&manifest("src"), "rs", &mut files);
        let mut checked = 0;
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            // Templates: the argument of every t("..."); Rust: every id-like literal.
            let keys = if file.extension().is_some_and(|e| e == "html") {
                text.split("t(\"")
                    .collect::<Vec<_>>()
                    .windows(2)
                    // A call of `t`, not the tail of another name (`text("<id>"`, `get("…"`).
                    .filter(|w| !w[0].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':'))
                    .filter_map(|w| w[1].split('"').next())
                    .map(str::to_owned)
                    .collect()
            } else {
                key_like_literals(&text)
            };
            for key in keys {
                if prefixes.contains(key.split('-').next().unwrap()) && !key.ends_with('-') {
                    assert!(
                        english.contains(&key),
                        "{} uses {key:?}, which en/main.ftl lacks",
                        file.display()
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 50, "only {checked} message ids found in use");
        // Ids the code builds at run time.
        let mut built: Vec<String> = kassa_core::access::Role::ALL
            .iter()
            .map(|r| format!("role-{}", r.code().replace('_', "-")))
            .collect();
        // (The ids sections build, such as order statuses, are checked by their own tests
        // through `english_ids`.)
        for action in [
            "checkout_created",
            "checkout_updated",
            "checkout_aborted",
            "authorized",
            "acknowledged",
            "captured",
            "refunded",
            "cancelled",
            "released",
            "authorization_extended",
            "authorization_updated",
            "expired",
            "merchant_references_updated",
            "customer_details_updated",
            "shipping_info_added",
            "capture_shipping_info_added",
            "send_out_triggered",
            "due_date_extended",
            "dispute_opened",
            "dispute_closed",
        ] {
            built.push(format!("order-event-{}", action.replace('_', "-")));
        }
        for key in built {
            assert!(
                english.contains(&key),
                "{key} is built in code but missing in en/main.ftl"
            );
        }
    }
}
