//! Order search by substring: what people type is often a part of what an order holds — a
//! surname, an email's domain, a piece of a reference.
//!
//! Kassa writes an order's searchable fields (order id, short reference, merchant references
//! 1 and 2, customer name, email), lower-cased and one per line, into `orders.search_text`
//! in the same statement that inserts or updates the order, so the text cannot lag behind it.
//! The databases index that column for substrings (migration 0010): SQLite with an FTS5 table
//! using the trigram tokenizer, kept in step by triggers; PostgreSQL with a `pg_trgm` GIN
//! index. Both the text and the term are lower-cased here, by Rust, so case folds the same
//! way on both databases. A term holds no line break, so a match never spans two fields.

use crate::OrderRow;

/// Between two fields in `search_text`; removed from terms (with every control character).
const SEPARATOR: char = '\n';

/// Substring search needs a term of at least this many characters: trigram indexes cannot
/// narrow a shorter one, which would read every order. Shorter terms use the exact and prefix
/// lookups instead.
pub(crate) const MIN_SUBSTRING_CHARS: usize = 3;

/// The text of `o` that substring search reads.
pub(crate) fn search_text(o: &OrderRow) -> String {
    let fields = [
        o.order_id.as_str(),
        o.short_reference.as_str(),
        o.merchant_reference1.as_deref().unwrap_or(""),
        o.merchant_reference2.as_deref().unwrap_or(""),
        o.customer_name.as_str(),
        o.customer_email.as_str(),
    ];
    let one_line = |f: &str| f.replace(SEPARATOR, " ");
    fields.map(one_line).join(&SEPARATOR.to_string()).to_lowercase()
}

/// The term as substring search reads it: lower-cased, without control characters. None when
/// it is shorter than [`MIN_SUBSTRING_CHARS`] or has no letter or digit: PostgreSQL's
/// trigrams are made of letters and digits, so such a term would read its whole index.
pub(crate) fn substring_term(term: &str) -> Option<String> {
    let clean: String = term.chars().filter(|c| !c.is_control()).collect();
    let clean = clean.trim().to_lowercase();
    let long_enough = clean.chars().count() >= MIN_SUBSTRING_CHARS;
    (long_enough && clean.chars().any(char::is_alphanumeric)).then_some(clean)
}

/// An FTS5 query matching `term` as one phrase: with the trigram tokenizer, as a substring.
pub(crate) fn fts_phrase(term: &str) -> String {
    format!("\"{}\"", term.replace('"', "\"\""))
}

/// A LIKE pattern matching `term` anywhere, its wildcards escaped with PostgreSQL's default
/// escape character.
pub(crate) fn like_pattern(term: &str) -> String {
    let mut out = String::with_capacity(term.len() + 2);
    out.push('%');
    for c in term.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_folded_cleaned_and_too_short_ones_left_to_exact_lookups() {
        assert_eq!(substring_term("  Olsson "), Some("olsson".into()));
        assert_eq!(substring_term("E7EY"), Some("e7ey".into()));
        assert_eq!(substring_term("ÅSA"), Some("åsa".into()));
        assert_eq!(substring_term("ab"), None);
        assert_eq!(substring_term("a\nb"), None, "control characters do not count");
        assert_eq!(substring_term("a\nbc"), Some("abc".into()));
        assert_eq!(substring_term("---"), None, "no letter or digit");
        assert_eq!(substring_term("-7-"), Some("-7-".into()));
    }

    #[test]
    fn patterns_and_phrases_match_the_term_literally() {
        assert_eq!(like_pattern(r"50%_a\b"), r"%50\%\_a\\b%");
        assert_eq!(fts_phrase(r#"say "hi""#), r#""say ""hi""""#);
    }
}
