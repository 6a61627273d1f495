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
//! counted once and kept for [`SAMPLE_TTL`] per process (the counts only steer the choice, a
//! stale sample costs time, never a result). The text index is then asked for the
//! [`KEYS`] rarest trigrams of the term and the term itself is checked on what they find.
//!
//! The same sample tells when a term is common ("olsson", "example.com"): then the page is
//! found by walking the newest orders, within a few thousand rows, and the text index is not
//! asked at all. That matters most on PostgreSQL, whose GIN index builds the whole bitmap of
//! every trigram asked before it returns one row (380 ms for "example.com" in a million).

use crate::order_search::OrderFilter;
use crate::order_text::substring_term;
use crate::{on_pool, Backend, Db, Result};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How many of a store's latest orders the trigram counts are taken from.
const SAMPLE_ROWS: i64 = 2_000;
/// How long a store's sample is used before it is counted again.
const SAMPLE_TTL: Duration = Duration::from_secs(600);
/// How many stores' samples a process keeps (about 200 KiB each).
const MAX_SAMPLES: usize = 32;
/// A term in at least this many sampled orders (1 %) is common: a walk of the sort order
/// finds a page of 50 within about 5,000 rows.
const COMMON_HITS: usize = SAMPLE_ROWS as usize / 100;
/// How many trigrams the index is asked for: two narrow a term to a few hundred orders at
/// most in the benchmark's million; a third list to read cost more than it saved.
const KEYS: usize = 2;

/// In how many sampled orders each trigram occurs.
#[derive(Debug, Default)]
pub(crate) struct TrigramCounts(HashMap<String, u32>);

impl TrigramCounts {
    fn of<'a>(texts: impl IntoIterator<Item = &'a str>) -> TrigramCounts {
        let mut counts: HashMap<String, u32> = HashMap::new();
        for text in texts {
            let distinct: HashSet<String> = trigrams(text).collect();
            for t in distinct {
                *counts.entry(t).or_default() += 1;
            }
        }
        TrigramCounts(counts)
    }

    fn count(&self, trigram: &str) -> u32 {
        self.0.get(trigram).copied().unwrap_or(0)
    }
}

/// Every run of three characters in `s`, in order.
fn trigrams(s: &str) -> impl Iterator<Item = String> + '_ {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len().saturating_sub(2);
    (0..n).map(move |i| chars[i..i + 3].iter().collect())
}

/// The trigrams of `term` to ask the index for, rarest first: empty when the whole term
/// should be asked for (no trigram the backend's index can look up alone).
pub(crate) fn choose_keys(term: &str, counts: &TrigramCounts, backend: Backend) -> Vec<String> {
    let mut candidates: Vec<String> = trigrams(term)
        // pg_trgm indexes words of letters and digits; a trigram with anything else in it is
        // not one of its keys. ASCII only: what counts as a letter beyond it is the locale's.
        .filter(|t| backend == Backend::Sqlite || t.chars().all(|c| c.is_ascii_alphanumeric()))
        .collect();
    let mut seen = HashSet::new();
    candidates.retain(|t| seen.insert(t.clone()));
    // Stable: among equally rare trigrams the earlier one in the term is taken.
    candidates.sort_by_key(|t| counts.count(t));
    candidates.truncate(KEYS);
    candidates
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
