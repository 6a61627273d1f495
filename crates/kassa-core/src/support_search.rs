//! Full-text search of support conversations: what an agent types, made into search terms
//! that cannot break a query, and the words of a found message to highlight.
//!
//! Whatever is typed — quotes, `*`, `-`, `NEAR`, `OR`, parentheses, an email address — is
//! split into words of letters and digits; every word must occur (in any order), and the last
//! one may be the start of a word ("återbet" finds "återbetalning"). Words are lower-cased
//! and their Latin diacritics removed ("overforing" finds "överföring", and the reverse), as
//! the databases' indexes fold them (SQLite FTS5's `unicode61 remove_diacritics 2`;
//! PostgreSQL's `support_search_text()` of migration 0031, which uses [`FOLD_FROM`] and
//! [`FOLD_TO`]).

/// At most this many characters of what is typed are read.
pub const MAX_INPUT_CHARS: usize = 400;
/// At most this many words are searched for.
pub const MAX_TERMS: usize = 8;
/// A longer word is cut to this many characters (and then matches as a word's start).
pub const MAX_TERM_CHARS: usize = 64;

/// ASCII punctuation: PostgreSQL's text parser would keep `a@b.se` or `a-b` as one word; the
/// index sees spaces instead, as FTS5 does.
pub const PUNCTUATION: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
/// Latin letters with diacritics (Latin-1 and Latin Extended-A) …
pub const FOLD_FROM: &str = "ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĨĩĪīĬĭĮįİĴĵĶķĹĺĻļĽľŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽž";
/// … and the letters they fold to, in the same order.
pub const FOLD_TO: &str = "AAAAAACEEEEIIIINOOOOOUUUUYaaaaaaceeeeiiiinooooouuuuyyAaAaAaCcCcCcCcDdEeEeEeEeEeGgGgGgGgHhIiIiIiIiIJjKkLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtUuUuUuUuUuUuWwYyYZzZzZz";

/// A character lower-cased and without its diacritic (for the letters of [`FOLD_FROM`]).
fn fold_char(c: char) -> char {
    if c.is_ascii() {
        return c;
    }
    match FOLD_FROM.chars().position(|f| f == c) {
        Some(i) => FOLD_TO
            .chars()
            .nth(i)
            .expect("FOLD_TO is as long as FOLD_FROM")
            .to_ascii_lowercase(),
        None => c,
    }
}

/// A word as the search compares it: lower-cased, Latin diacritics removed.
pub fn fold(word: &str) -> String {
    word.chars().flat_map(char::to_lowercase).map(fold_char).collect()
}

/// What a search looks for: words that must all occur, the last also as a word's start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchTerms {
    terms: Vec<String>,
}

impl SearchTerms {
    /// The terms of `input`; `None` when it has no letter or digit.
    pub fn parse(input: &str) -> Option<SearchTerms> {
        let input: String = input.chars().take(MAX_INPUT_CHARS).collect();
        let mut terms: Vec<String> = Vec::new();
        for word in input.split(|c: char| !c.is_alphanumeric()) {
            if word.is_empty() {
                continue;
            }
            let term: String = fold(word).chars().take(MAX_TERM_CHARS).collect();
            // Lower-casing may make a word longer or bring in a mark (`İ`): only letters
            // and digits go on.
            let term: String = term.chars().filter(|c| c.is_alphanumeric()).collect();
            if !term.is_empty() && !terms.contains(&term) {
                terms.push(term);
            }
            if terms.len() == MAX_TERMS {
                break;
            }
        }
        (!terms.is_empty()).then_some(SearchTerms { terms })
    }

    pub fn terms(&self) -> &[String] {
        &self.terms
    }

    /// An FTS5 query: every term as a quoted phrase (so `OR`, `NEAR`, `-` are only words),
    /// the last one a prefix.
    pub fn fts5_query(&self) -> String {
        let last = self.terms.len() - 1;
        self.terms
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let phrase = format!("\"{}\"", t.replace('"', "\"\""));
                if i == last {
                    format!("{phrase}*")
                } else {
                    phrase
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// A PostgreSQL `to_tsquery` text: every term quoted, all of them required, the last one
    /// a prefix.
    pub fn tsquery(&self) -> String {
        let last = self.terms.len() - 1;
        self.terms
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let quoted = format!("'{}'", t.replace('\\', "\\\\").replace('\'', "''"));
                if i == last {
                    format!("{quoted}:*")
                } else {
                    quoted
                }
            })
            .collect::<Vec<_>>()
            .join(" & ")
    }

    /// Whether a word of a text is one of the terms (or starts as the last one does).
    pub fn matches_word(&self, word: &str) -> bool {
        let word = fold(word);
        let last = self.terms.len() - 1;
        self.terms
            .iter()
            .enumerate()
            .any(|(i, t)| *t == word || (i == last && word.starts_with(t.as_str())))
    }

    /// A piece of `text` around the first word it finds, as runs of text and whether each is
    /// a found word; `None` when no word is found. Runs of whitespace become one space.
    pub fn snippet(&self, text: &str, words_before: usize, words: usize) -> Option<Vec<(String, bool)>> {
        // Words: (start, end) byte offsets of the runs of letters and digits.
        let mut spans: Vec<(usize, usize)> = Vec::new();
        let mut start = None;
        for (i, c) in text.char_indices() {
            match (c.is_alphanumeric(), start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    spans.push((s, i));
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            spans.push((s, text.len()));
        }
        let hits: Vec<bool> = spans.iter().map(|&(s, e)| self.matches_word(&text[s..e])).collect();
        let first = hits.iter().position(|h| *h)?;
        let from = first.saturating_sub(words_before);
        let to = (from + words.max(1)).min(spans.len());
        let mut out: Vec<(String, bool)> = Vec::new();
        let mut push = |piece: &str, hit: bool| {
            let piece = squeeze(piece);
            if piece.is_empty() {
                return;
            }
            match out.last_mut() {
                Some((last, false)) if !hit => last.push_str(&piece),
                _ => out.push((piece, hit)),
            }
        };
        if from > 0 {
            push("… ", false);
        } else {
            // The text before the first word (an opening quote or bracket, say).
            push(text[..spans[0].0].trim_start(), false);
        }
        for i in from..to {
            let (s, e) = spans[i];
            push(&text[s..e], hits[i]);
            let gap_end = if i + 1 < to { spans[i + 1].0 } else { e };
            push(&text[e..gap_end], false);
        }
        if to < spans.len() {
            push(" …", false);
        } else {
            // The text after the last word (a question mark, say).
            let tail = &text[spans[to - 1].1..];
            push(tail.trim_end(), false);
        }
        Some(out)
    }
}

/// Whitespace runs as one space.
fn squeeze(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            if !space {
                out.push(' ');
            }
            space = true;
        } else {
            out.push(c);
            space = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(s: &str) -> Vec<String> {
        SearchTerms::parse(s).map(|t| t.terms).unwrap_or_default()
    }

    #[test]
    fn fold_tables_pair_up() {
        assert_eq!(FOLD_FROM.chars().count(), FOLD_TO.chars().count());
        assert_eq!(PUNCTUATION.chars().count(), 32);
        assert_eq!(fold("Överföring ÅÄÖ åäö É"), "overforing aao aao e");
    }

    #[test]
    fn hostile_input_becomes_plain_words() {
        assert_eq!(
            terms(r#""payout" OR -refund* NEAR(a b)"#),
            ["payout", "or", "refund", "near", "a", "b"]
        );
        assert_eq!(terms("second@demo.kassa.test"), ["second", "demo", "kassa", "test"]);
        assert_eq!(terms("Återbetalning"), ["aterbetalning"]);
        assert!(SearchTerms::parse("").is_none());
        assert!(SearchTerms::parse("  \"*-()% ").is_none());
        assert_eq!(terms("a a A"), ["a"], "each word once");
        assert_eq!(terms(&"w ".repeat(50)).len(), 1);
        assert_eq!(terms("1 2 3 4 5 6 7 8 9 10").len(), MAX_TERMS);
        assert_eq!(terms(&"x".repeat(500))[0].len(), MAX_TERM_CHARS);
    }

    #[test]
    fn queries_quote_every_term_and_prefix_the_last() {
        let t = SearchTerms::parse("OR capture fail").unwrap();
        assert_eq!(t.fts5_query(), r#""or" "capture" "fail"*"#);
        assert_eq!(t.tsquery(), "'or' & 'capture' & 'fail':*");
    }

    #[test]
    fn snippets_mark_the_found_words() {
        let t = SearchTerms::parse("återbet").unwrap();
        let s = t.snippet("Hej!  Var är min\nÅterbetalning?", 8, 20).unwrap();
        assert_eq!(
            s,
            vec![
                ("Hej! Var är min ".to_owned(), false),
                ("Återbetalning".to_owned(), true),
                ("?".to_owned(), false)
            ]
        );
        let long = format!("{} payout {}", "word ".repeat(30), "more ".repeat(30));
        let s = SearchTerms::parse("payout").unwrap().snippet(&long, 2, 5).unwrap();
        assert!(s[0].0.starts_with("… "), "{s:?}");
        assert!(s.last().unwrap().0.ends_with(" …"), "{s:?}");
        assert!(t.snippet("nothing here", 8, 20).is_none());
        let s = SearchTerms::parse("payout")
            .unwrap()
            .snippet("<b>payout</b>", 8, 20)
            .unwrap();
        assert_eq!(
            s,
            vec![
                ("<b>".to_owned(), false),
                ("payout".to_owned(), true),
                ("</b>".to_owned(), false)
            ]
        );
    }
}
