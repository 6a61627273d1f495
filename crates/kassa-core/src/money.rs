//! Money and markets. Amounts are integers in minor units (öre, cent); never floats.

/// The largest amount the merchant API accepts anywhere (minor units), as Kustom's spec says.
pub const MAX_AMOUNT: i64 = 100_000_000;
/// Refunds may go up to twice that (Kustom allows 200,000,000 for refunds).
pub const MAX_REFUND_AMOUNT: i64 = 200_000_000;
/// Tax rates have two implied decimals: 2500 is 25 %.
pub const MAX_TAX_RATE: i64 = 10_000;

/// The markets Kassa sells in: purchase country → currencies accepted there.
const MARKETS: &[(&str, &[&str])] = &[
    ("SE", &["SEK"]),
    ("NO", &["NOK"]),
    ("DK", &["DKK"]),
    ("FI", &["EUR"]),
    ("DE", &["EUR"]),
    ("AT", &["EUR"]),
    ("NL", &["EUR"]),
    ("BE", &["EUR"]),
    ("FR", &["EUR"]),
    ("ES", &["EUR"]),
    ("IT", &["EUR"]),
    ("IE", &["EUR"]),
    ("PT", &["EUR"]),
    ("GR", &["EUR"]),
    ("CH", &["CHF"]),
    ("PL", &["PLN"]),
    ("CZ", &["CZK"]),
    ("GB", &["GBP"]),
    ("US", &["USD"]),
    ("CA", &["CAD"]),
    ("AU", &["AUD"]),
    ("NZ", &["NZD"]),
];

/// Languages a purchase locale may use (the hosted checkout is translated into ours; the
/// others fall back to English).
const LOCALE_LANGUAGES: &[&str] = &[
    "en", "sv", "nb", "no", "nn", "da", "fi", "de", "nl", "fr", "es", "it", "pl", "cs", "pt", "el",
];

/// Every market's country (ISO 3166-1 alpha-2), in the order Kassa lists them.
pub fn market_countries() -> impl Iterator<Item = &'static str> {
    MARKETS.iter().map(|(c, _)| *c)
}

/// Every currency Kassa handles (ISO 4217), each once, in market order.
pub fn currencies() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for c in MARKETS.iter().flat_map(|(_, cs)| cs.iter().copied()) {
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

/// Whether `country` (ISO 3166-1 alpha-2, any case) is a market.
pub fn is_market(country: &str) -> bool {
    MARKETS.iter().any(|(c, _)| c.eq_ignore_ascii_case(country))
}

/// Whether `currency` (ISO 4217, any case) is accepted for purchases in `country`.
pub fn currency_allowed(country: &str, currency: &str) -> bool {
    MARKETS
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(country))
        .is_some_and(|(_, currencies)| currencies.iter().any(|cur| cur.eq_ignore_ascii_case(currency)))
}

/// Whether `currency` is one Kassa handles at all.
pub fn is_currency(currency: &str) -> bool {
    MARKETS
        .iter()
        .any(|(_, cs)| cs.iter().any(|c| c.eq_ignore_ascii_case(currency)))
}

/// An RFC 1766 locale such as `sv-SE` or `en-GB` in a language Kassa knows.
pub fn is_locale(locale: &str) -> bool {
    let mut parts = locale.split(['-', '_']);
    let (Some(lang), Some(region), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    LOCALE_LANGUAGES.iter().any(|l| l.eq_ignore_ascii_case(lang))
        && region.len() == 2
        && region.chars().all(|c| c.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markets_and_currencies() {
        assert!(is_market("se") && is_market("SE"));
        assert!(!is_market("XX"));
        assert!(currency_allowed("SE", "sek"));
        assert!(!currency_allowed("SE", "EUR"));
        assert!(currency_allowed("FI", "EUR"));
        assert!(is_currency("NOK") && !is_currency("BTC"));
        assert!(market_countries().all(is_market));
        let currencies = currencies();
        assert_eq!(currencies.iter().filter(|c| **c == "EUR").count(), 1);
        assert!(currencies.iter().all(|c| is_currency(c)));
    }

    #[test]
    fn locales() {
        for ok in ["sv-SE", "en-GB", "en-us", "fi-FI", "nb-NO"] {
            assert!(is_locale(ok), "{ok}");
        }
        for bad in ["", "sv", "sv-SE-x", "xx-SE", "sv-S1", "english"] {
            assert!(!is_locale(bad), "{bad}");
        }
    }
}
