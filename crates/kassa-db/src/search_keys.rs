//! Which pieces of a substring search term the text index is asked for.
//!
//! Both text indexes store, per trigram (three characters), the list of orders holding it.
//! Asked for a whole term they read the list of every trigram in it, and in a store of a
//! million orders some lists hold nearly every order: "com" and "@ex" of any email, "ds-" of
//! every short reference. A term like "olsson42@example.com" then read millions of entries
//! to find one order (1.1 s). Its rarest two trigrams ("n42", "42@") name a few hundred
//! orders between them, and checking the whole term on those few is exact.
//!
//! How rare a trigram is comes from a sample: the store's latest [`SAMPLE_ROWS`] orders,
//! indexed once and kept for [`SAMPLE_TTL`] per process (the sample only steers the choice, a
//! stale sample costs time, never a result). The text index is then asked for the pair of the
//! term's trigrams that the fewest sampled orders hold together, and the term itself is
//! checked on what they find. Together, not each: the trigrams of one term go together, and
//! "n62" and "62@" of "karlsson62@", each rare, name the same 8,600 of a million orders (every
//! "…son62@"), where "rls" and "62@" name 885. Each one found is an order row to read, about
//! 2.5 µs; each entry of an index list costs about a hundredth of that.
//!
//! The same sample tells when a term is common ("olsson", "example.com"): then the page is
//! found by walking the newest orders, within a few thousand rows, and the text index is not
//! asked at all. That matters most on PostgreSQL, whose GIN index builds the whole bitmap of
//! every trigram asked before it returns one row (380 ms for "example.com" in a million).

use crate::order_search::OrderFilter;
use crate::order_text::{fts_phrase, substring_term};
use crate::{on_pool, Backend, Db, Result};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How many of a store's latest orders the trigram counts are taken from (at most 65,536:
/// the sample's postings are `u16`).
const SAMPLE_ROWS: i64 = 2_000;
/// How long a store's sample is used before it is counted again.
const SAMPLE_TTL: Duration = Duration::from_secs(600);
/// How many stores' samples a process keeps (a few hundred KiB each).
const MAX_SAMPLES: usize = 32;
/// A term in at least this many sampled orders (1 %) is common: a walk of the sort order
/// finds a page of 50 within about 5,000 rows.
const COMMON_HITS: usize = SAMPLE_ROWS as usize / 100;
/// How many of the term's rarest trigrams are paired in search of the best pair: enough for
/// any term a person types, and at most 28 pairs to weigh.
const PAIR_FROM: usize = 8;
/// What an order found through the index costs (its row read and checked) against one entry
/// of an index list read (see the module comment).
const ROW_COST: usize = 100;

/// Which sampled orders hold each trigram: sample positions, ascending.
#[derive(Debug, Default)]
pub(crate) struct TrigramCounts(HashMap<String, Vec<u16>>);

impl TrigramCounts {
    fn of<'a>(texts: impl IntoIterator<Item = &'a str>) -> TrigramCounts {
        let mut postings: HashMap<String, Vec<u16>> = HashMap::new();
        for (i, text) in texts.into_iter().enumerate() {
            let distinct: HashSet<String> = trigrams(text).collect();
            for t in distinct {
                postings.entry(t).or_default().push(i as u16);
            }
        }
        TrigramCounts(postings)
    }

    fn postings(&self, trigram: &str) -> &[u16] {
        self.0.get(trigram).map(Vec::as_slice).unwrap_or(&[])
    }

    fn count(&self, trigram: &str) -> usize {
        self.postings(trigram).len()
    }

    /// In how many sampled orders both trigrams occur.
    fn together(&self, a: &str, b: &str) -> usize {
        let (mut x, mut y) = (self.postings(a).iter().peekable(), self.postings(b).iter().peekable());
        let mut both = 0;
        while let (Some(i), Some(j)) = (x.peek(), y.peek()) {
            match i.cmp(j) {
                std::cmp::Ordering::Less => {
                    x.next();
                }
                std::cmp::Ordering::Greater => {
                    y.next();
                }
                std::cmp::Ordering::Equal => {
                    both += 1;
                    x.next();
                    y.next();
                }
            }
        }
        both
    }
}

/// Every run of three characters in `s`, in order.
fn trigrams(s: &str) -> impl Iterator<Item = String> + '_ {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len().saturating_sub(2);
    (0..n).map(move |i| chars[i..i + 3].iter().collect())
}

/// The trigrams of `term` to ask the index for: the pair the sample says is cheapest to
/// read (fewest orders holding both, then the shortest lists), in the term's order; one
/// trigram when the term has only one the backend's index can look up; empty when it has
/// none and the whole term should be asked for.
pub(crate) fn choose_keys(term: &str, counts: &TrigramCounts, backend: Backend) -> Vec<String> {
    let mut candidates: Vec<String> = trigrams(term)
        // pg_trgm indexes words of letters and digits; a trigram with anything else in it is
        // not one of its keys. ASCII only: what counts as a letter beyond it is the locale's.
        .filter(|t| backend == Backend::Sqlite || t.chars().all(|c| c.is_ascii_alphanumeric()))
        .collect();
    let mut seen = HashSet::new();
    candidates.retain(|t| seen.insert(t.clone()));
    let mut rarest = candidates.clone();
    // Stable: among equally rare trigrams the earlier one in the term is taken.
    rarest.sort_by_key(|t| counts.count(t));
    rarest.truncate(PAIR_FROM);
    if rarest.len() < 2 {
        return rarest;
    }
    let cost = |a: &str, b: &str| ROW_COST * counts.together(a, b) + counts.count(a) + counts.count(b);
    let mut best = (usize::MAX, 0, 1);
    for i in 0..rarest.len() {
        for j in i + 1..rarest.len() {
            let c = cost(&rarest[i], &rarest[j]);
            if c < best.0 {
                best = (c, i, j);
            }
        }
    }
    let pair = [&rarest[best.1], &rarest[best.2]];
    candidates.retain(|t| pair.contains(&t));
    candidates
}

/// The text index query (FTS5) for `term` asked for `keys`: the two keys as a NEAR group no
/// wider than they stand in the term, which the index answers from the same two lists but
/// for far fewer orders ("-10" and "003" of "ds-1003": 3,411 orders hold both, 1,026 at that
/// distance). The trigram tokenizer gives every character's trigram its own position.
pub(crate) fn fts_query(term: &str, keys: &[String]) -> String {
    match keys {
        [] => fts_phrase(term),
        [a, b] => {
            let at = |k: &str| -> Vec<usize> {
                trigrams(term)
                    .enumerate()
                    .filter(|(_, t)| t == k)
                    .map(|(i, _)| i)
                    .collect()
            };
            // Any two places of the keys in the term stand that far apart in every match.
            let gap = at(a)
                .iter()
                .flat_map(|i| at(b).into_iter().map(move |j| i.abs_diff(j) - 1))
                .min()
                .unwrap_or(0);
            format!("NEAR({} {}, {gap})", fts_phrase(a), fts_phrase(b))
        }
        _ => keys.iter().map(|k| fts_phrase(k)).collect::<Vec<_>>().join(" AND "),
    }
}

/// A store's latest orders' search text, and its trigram counts.
#[derive(Debug, Default)]
pub(crate) struct Sample {
    texts: Vec<String>,
    counts: TrigramCounts,
}

impl Sample {
    fn of(texts: Vec<String>) -> Sample {
        let counts = TrigramCounts::of(texts.iter().map(String::as_str));
        Sample { texts, counts }
    }

    /// Whether `term` (as substring search reads it) is in at least [`COMMON_HITS`] orders.
    fn is_common(&self, term: &str) -> bool {
        self.texts
            .iter()
            .filter(|t| t.contains(term))
            .nth(COMMON_HITS - 1)
            .is_some()
    }
}

/// Per store: when its sample was taken, and the sample.
#[derive(Default)]
pub(crate) struct Samples(Mutex<HashMap<String, (Instant, Arc<Sample>)>>);

impl Samples {
    fn fresh(&self, store_id: &str) -> Option<Arc<Sample>> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.get(store_id)
            .filter(|(at, _)| at.elapsed() < SAMPLE_TTL)
            .map(|(_, counts)| counts.clone())
    }

    fn keep(&self, store_id: &str, sample: Arc<Sample>) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_SAMPLES && !map.contains_key(store_id) {
            let oldest = map.iter().min_by_key(|(_, (at, _))| *at).map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                map.remove(&k);
            }
        }
        map.insert(store_id.to_owned(), (Instant::now(), sample));
    }
}

impl Db {
    /// The store's sample, taken now if this process has none fresh.
    async fn sample(&self, store_id: &str) -> Result<Arc<Sample>> {
        if let Some(sample) = self.samples.fresh(store_id) {
            return Ok(sample);
        }
        let texts: Vec<String> = on_pool!(self, p => sqlx::query_scalar(
            "SELECT search_text FROM orders WHERE store_id = $1 ORDER BY created_at DESC, order_id DESC LIMIT $2",
        )
        .bind(store_id)
        .bind(SAMPLE_ROWS)
        .fetch_all(p)
        .await)?;
        let sample = Arc::new(Sample::of(texts));
        self.samples.keep(store_id, sample.clone());
        Ok(sample)
    }

    /// The trigrams a substring search of `f` asks the text index for (see the module
    /// comment).
    pub(crate) async fn search_keys(&self, f: &OrderFilter) -> Result<Vec<String>> {
        let Some(term) = f.query.as_deref().and_then(substring_term) else {
            return Ok(Vec::new());
        };
        let sample = self.sample(&f.store_id).await?;
        Ok(choose_keys(&term, &sample.counts, self.backend()))
    }

    /// Whether the substring search of `f` is common enough to be found on a walk.
    pub(crate) async fn search_is_common(&self, f: &OrderFilter) -> Result<bool> {
        let Some(term) = f.query.as_deref().and_then(substring_term) else {
            return Ok(false);
        };
        Ok(self.sample(&f.store_id).await?.is_common(&term))
    }

    /// [`Db::search_keys`] without waiting on the database: from this process's sample if
    /// it has one, else the whole term.
    pub(crate) fn cached_search_keys(&self, f: &OrderFilter) -> Vec<String> {
        match (
            f.query.as_deref().and_then(substring_term),
            self.samples.fresh(&f.store_id),
        ) {
            (Some(term), Some(sample)) => choose_keys(&term, &sample.counts, self.backend()),
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rarest_trigrams_are_chosen_and_postgres_gets_only_word_trigrams() {
        let counts = TrigramCounts::of([
            "alice.olsson42@example.com",
            "bo.olsson7@example.com",
            "cecilia.berg42@example.com",
            "dan.olsson@example.com",
        ]);
        assert_eq!(counts.count("@ex"), 4);
        assert_eq!(counts.count("ols"), 3);
        assert_eq!(counts.count("n42"), 1);
        assert_eq!(choose_keys("olsson42@", &counts, Backend::Sqlite), ["on4", "n42"]);
        assert_eq!(choose_keys("olsson42@", &counts, Backend::Postgres), ["on4", "n42"]);
        assert_eq!(choose_keys("42@ex", &counts, Backend::Sqlite), ["42@", "2@e"]);
        assert_eq!(choose_keys("42@ex", &counts, Backend::Postgres), Vec::<String>::new());
        assert_eq!(choose_keys("åsa", &counts, Backend::Sqlite), ["åsa"]);
        assert_eq!(choose_keys("sss sss", &counts, Backend::Sqlite), ["sss", "ss "]);
    }

    #[test]
    fn the_pair_fewest_orders_hold_together_is_chosen_over_the_two_rarest() {
        // Every "…son62@" holds "n62" and "62@", each rarer than "rls" of karlsson.
        let mut texts: Vec<String> = ["nilsson", "persson", "olsson", "jonsson"]
            .iter()
            .map(|s| format!("x.{s}62@example.com"))
            .collect();
        texts.extend(
            (10..22)
                .chain([60, 61, 63, 64, 65])
                .map(|n| format!("y.karlsson{n}@example.com")),
        );
        texts.push("z.karlsson62@example.com".into());
        let counts = TrigramCounts::of(texts.iter().map(String::as_str));
        assert_eq!((counts.count("n62"), counts.count("62@")), (5, 5));
        assert_eq!(counts.together("n62", "62@"), 5);
        assert_eq!(counts.together("rls", "62@"), 1);
        // One order holds both: karlsson's first trigram and the number's (pg_trgm has no
        // "62@", so both backends get the same pair here).
        assert_eq!(choose_keys("karlsson62@", &counts, Backend::Sqlite), ["kar", "n62"]);
        assert_eq!(choose_keys("karlsson62@", &counts, Backend::Postgres), ["kar", "n62"]);
    }

    #[test]
    fn the_index_is_asked_for_the_pair_no_wider_apart_than_in_the_term() {
        let keys = |k: &[&str]| k.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(fts_query("ds-1003", &keys(&["-10", "003"])), r#"NEAR("-10" "003", 1)"#);
        assert_eq!(fts_query("ds-1003", &keys(&["003", "ds-"])), r#"NEAR("003" "ds-", 3)"#);
        assert_eq!(fts_query("n62@", &keys(&["n62", "62@"])), r#"NEAR("n62" "62@", 0)"#);
        // A key twice in the term: the closest of its places.
        assert_eq!(fts_query("abcxabc", &keys(&["abc", "cxa"])), r#"NEAR("abc" "cxa", 1)"#);
        assert_eq!(fts_query("abcabc", &keys(&["abc", "bca"])), r#"NEAR("abc" "bca", 0)"#);
        assert_eq!(fts_query("åsa", &keys(&["åsa"])), r#""åsa""#);
        assert_eq!(fts_query("a\"b", &[]), r#""a""b""#);
    }

    #[test]
    fn a_term_in_one_percent_of_the_sample_is_common() {
        let mut texts = vec!["dan.berg@example.com".to_owned(); SAMPLE_ROWS as usize - COMMON_HITS];
        texts.extend(vec!["eva.olsson@example.com".to_owned(); COMMON_HITS]);
        let sample = Sample::of(texts);
        assert!(sample.is_common("olsson"));
        assert!(sample.is_common("example.com"));
        assert!(!sample.is_common("olsson@x"));
        let mut texts = sample.texts.clone();
        texts.pop();
        assert!(!Sample::of(texts).is_common("olsson"), "one hit fewer is rare");
    }
}
