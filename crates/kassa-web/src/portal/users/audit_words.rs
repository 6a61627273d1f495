//! An audit entry's before and after in words: "Status: Active · Role: Admin" instead of
//! the stored JSON, with the user's language's names for roles, states and methods.

use crate::shell::i18n::Lang;
use serde_json::Value;

fn role_name(lang: Lang, code: &str) -> String {
    match code.parse::<kassa_core::access::Role>() {
        Ok(_) => lang.t(&format!("role-{}", code.replace('_', "-"))),
        Err(_) => code.to_owned(),
    }
}

const STATUSES: &[(&str, &str)] = &[
    ("active", "user-status-active"),
    ("invited", "user-status-invited"),
    ("deactivated", "user-status-deactivated"),
    ("expired", "user-status-expired"),
    ("suspended", "merchant-status-suspended"),
];

const METHODS: &[(&str, &str)] = &[
    ("password", "audit-method-password"),
    ("magic_link", "audit-method-magic-link"),
    ("invitation", "audit-method-invitation"),
];

/// A known code as words (a status, a sign-in method), or the code itself when it is not.
fn coded(lang: Lang, names: &[(&str, &str)], code: &str) -> String {
    match names.iter().find(|(c, _)| *c == code) {
        Some((_, key)) => lang.t(key),
        None => code.to_owned(),
    }
}

fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn one(lang: Lang, key: &str, value: &Value) -> String {
    let (label, words) = match key {
        "email" => (lang.t("field-email"), plain(value)),
        "name" => (lang.t("field-name"), plain(value)),
        "phone" => (lang.t("field-phone"), plain(value)),
        "timezone" => (lang.t("field-timezone"), plain(value)),
        "role" => (lang.t("audit-field-role"), role_name(lang, &plain(value))),
        "status" => (lang.t("audit-field-status"), coded(lang, STATUSES, &plain(value))),
        "method" => (lang.t("audit-field-method"), coded(lang, METHODS, &plain(value))),
        "two_factor" => (
            lang.t("audit-field-two-factor"),
            lang.t(if value.as_bool() == Some(true) {
                "audit-on"
            } else {
                "audit-off"
            }),
        ),
        "reason" => (lang.t("audit-field-reason"), plain(value)),
        "recovery_codes_left" => (lang.t("audit-field-recovery-left"), plain(value)),
        "access_expires_at" => (
            lang.t("audit-field-expires"),
            Some(plain(value))
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| lang.t("audit-no-end")),
        ),
        "stores" => match value {
            // Per store, its role: {"M100001": "admin"}.
            Value::Object(roles) => (
                lang.t("audit-field-access"),
                roles
                    .iter()
                    .map(|(store, role)| format!("{store} – {}", role_name(lang, &plain(role))))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            Value::Array(stores) => (
                lang.t("audit-field-stores"),
                stores.iter().map(plain).collect::<Vec<_>>().join(", "),
            ),
            other => (lang.t("audit-field-stores"), plain(other)),
        },
        // A store's CSV report settings (Settlements).
        "delimiter" => (lang.t("settlements-configure-delimiter"), plain(value)),
        "bom" => (
            lang.t("audit-field-bom"),
            lang.t(if value.as_bool() == Some(true) {
                "audit-on"
            } else {
                "audit-off"
            }),
        ),
        "columns" => (lang.t("settlements-configure-columns"), plain(value).replace(',', ", ")),
        other => (other.replace('_', " "), plain(value)),
    };
    if words.is_empty() {
        format!("{label}: –")
    } else {
        format!("{label}: {words}")
    }
}

/// The stored JSON of one side of a change, in words; anything else as it was stored.
pub fn change_in_words(lang: Lang, json: &str) -> String {
    match serde_json::from_str::<Value>(json) {
        Ok(Value::Object(fields)) => fields
            .iter()
            .map(|(k, v)| one(lang, k, v))
            .collect::<Vec<_>>()
            .join(" · "),
        _ => json.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_read_as_words() {
        let access =
            r#"{"stores":{"M100001":"admin","M100002":"read_only"},"access_expires_at":null,"status":"active"}"#;
        let words = change_in_words(Lang::En, access);
        assert!(
            words.contains("Access: M100001 – Admin, M100002 – Read Only"),
            "{words}"
        );
        assert!(words.contains("Status: Active"), "{words}");
        assert!(words.contains("Access until: No end date"), "{words}");
        assert!(!words.contains('{') && !words.contains("read_only"));
        assert_eq!(
            change_in_words(Lang::Sv, r#"{"method":"magic_link"}"#),
            "Inloggning med: Inloggningslänk"
        );
        assert_eq!(
            change_in_words(Lang::En, r#"{"two_factor":true}"#),
            "Two-factor sign-in: On"
        );
        assert_eq!(change_in_words(Lang::En, "not json"), "not json");
    }
}
