//! Codes people should not have to read: countries (ISO 3166 alpha-2) and Kustom's shipping
//! methods, in the reader's language. A code without a name here is shown as it is.

use crate::shell::i18n::Lang;

const COUNTRIES: &[(&str, &str)] = &[
    ("SE", "country-se"),
    ("NO", "country-no"),
    ("FI", "country-fi"),
    ("DK", "country-dk"),
    ("DE", "country-de"),
    ("AT", "country-at"),
    ("NL", "country-nl"),
    ("BE", "country-be"),
    ("CH", "country-ch"),
    ("GB", "country-gb"),
    ("IE", "country-ie"),
    ("US", "country-us"),
    ("FR", "country-fr"),
    ("ES", "country-es"),
    ("IT", "country-it"),
    ("PL", "country-pl"),
    ("PT", "country-pt"),
    ("CZ", "country-cz"),
    ("CA", "country-ca"),
    ("AU", "country-au"),
];

const SHIPPING_METHODS: &[(&str, &str)] = &[
    ("PickUpStore", "shipping-method-pickupstore"),
    ("Home", "shipping-method-home"),
    ("BoxReg", "shipping-method-boxreg"),
    ("BoxUnreg", "shipping-method-boxunreg"),
    ("PickUpPoint", "shipping-method-pickuppoint"),
    ("Own", "shipping-method-own"),
    ("Postal", "shipping-method-postal"),
    ("DHLPackstation", "shipping-method-dhlpackstation"),
    ("Digital", "shipping-method-digital"),
    ("Undefined", "shipping-method-undefined"),
    ("PickUpWarehouse", "shipping-method-pickupwarehouse"),
    ("ClickCollect", "shipping-method-clickcollect"),
    ("PalletDelivery", "shipping-method-palletdelivery"),
];

fn named(lang: Lang, table: &[(&str, &str)], code: &str) -> String {
    match table.iter().find(|(c, _)| c.eq_ignore_ascii_case(code.trim())) {
        Some((_, key)) => lang.t(key),
        None => code.to_owned(),
    }
}

/// "SE" → "Sverige" for a Swedish reader.
pub fn country_name(lang: Lang, code: &str) -> String {
    named(lang, COUNTRIES, code)
}

/// "PickUpPoint" → "Pick-up point" for an English reader.
pub fn shipping_method_name(lang: Lang, code: &str) -> String {
    named(lang, SHIPPING_METHODS, code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_as_names() {
        assert_eq!(country_name(Lang::Sv, "SE"), "Sverige");
        assert_eq!(country_name(Lang::De, "nl"), "Niederlande");
        assert_eq!(country_name(Lang::En, "XX"), "XX");
        assert_eq!(shipping_method_name(Lang::En, "PickUpPoint"), "Pick-up point");
        assert_eq!(shipping_method_name(Lang::Fi, "Home"), "Kotiinkuljetus");
        for (code, _) in kassa_app::orders::SHIPPING_METHODS.iter().map(|m| (m, ())) {
            assert_ne!(
                &shipping_method_name(Lang::Nl, code),
                code,
                "every Kustom method has a name"
            );
        }
    }
}
