//! The help articles' full-text index: tantivy in RAM, one index of whole articles (the help
//! search) and one of single paragraphs (the assistant) per article language, each with that
//! language's stemmer and stop words. Every text is indexed twice: stemmed (`capturing` finds
//! `capture`, `återbetalningar` finds `återbetalning`) and only lower-cased (`raw`), so an exact
//! word counts a little more. An article's front-matter keywords are its synonyms.

use super::{Article, ARTICLE_LANGS};
use std::collections::{HashMap, HashSet};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, STORED, STRING};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer, TokenStream,
};
use tantivy::{doc, Index, IndexReader, IndexWriter, TantivyDocument, Term};

/// The assistant answers only when its best passage scores at least this much (BM25, summed
/// over the boosted fields; every question of the evaluation set scores over 20, off-topic
/// ones such as "banana smoothie recipe" under 10) ...
pub const MIN_SCORE: f32 = 15.0;
/// ... and covers at least this share of the question's (stemmed, non-stop) words.
pub const MIN_COVERAGE: f32 = 0.25;
/// Another article is quoted beside the best one when it scores at least this share of it.
const SECOND_RATIO: f32 = 0.55;

#[derive(Clone, Copy)]
struct Fields {
    slug: Field,
    pos: Field,
    title: Field,
    heading: Field,
    keywords: Field,
    text: Field,
    raw: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |tokenizer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
    };
    let fields = Fields {
        slug: b.add_text_field("slug", STRING | STORED),
        pos: b.add_u64_field("pos", STORED),
        title: b.add_text_field("title", text("stem") | STORED),
        heading: b.add_text_field("heading", text("stem") | STORED),
        keywords: b.add_text_field("keywords", text("stem")),
        text: b.add_text_field("text", text("stem") | STORED),
        raw: b.add_text_field("raw", text("raw")),
    };
    (b.build(), fields)
}

fn language(lang: &str) -> Language {
    match lang {
        "sv" => Language::Swedish,
        _ => Language::English,
    }
}

/// Words lower-cased, stop words out, stemmed in `lang`.
fn stemmed(lang: &str) -> TextAnalyzer {
    let stop = StopWordFilter::new(language(lang)).expect("English and Swedish have stop words");
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(stop)
        .filter(Stemmer::new(language(lang)))
        .build()
}

/// Words lower-cased, stop words out, not stemmed.
fn raw(lang: &str) -> TextAnalyzer {
    let stop = StopWordFilter::new(language(lang)).expect("English and Swedish have stop words");
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(stop)
        .build()
}

fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

/// One searchable index: documents and how to find them again.
struct Part {
    index: Index,
    reader: IndexReader,
}

/// The indexes of one article language.
struct LangIndex {
    lang: &'static str,
    fields: Fields,
    articles: Part,
    paragraphs: Part,
    /// The stemmed words of each paragraph (title, heading, keywords and text), by slug and
    /// position: how much of a question a passage covers.
    words: HashMap<(String, u64), HashSet<String>>,
}

/// A help search result.
#[derive(Debug, Clone)]
pub struct Hit {
    pub slug: String,
    pub title: String,
    pub section: String,
    /// The best fragment of the article, HTML-escaped, the found words in `<mark>`.
    pub snippet_html: String,
    pub score: f32,
}

/// A paragraph the assistant quotes.
#[derive(Debug, Clone)]
pub struct Passage {
    pub slug: String,
    pub title: String,
    pub heading: String,
    /// The paragraph's Markdown, verbatim.
    pub markdown: String,
    pub score: f32,
}

/// What the assistant found for a question.
#[derive(Debug, Clone, Default)]
pub struct Answer {
    /// The quoted paragraphs, best first; empty when nothing matched well enough.
    pub passages: Vec<Passage>,
    /// The best candidate's score and coverage, also when it was not good enough.
    pub best_score: f32,
    pub best_coverage: f32,
    /// The articles in the order the assistant ranks them (the first ones are quoted).
    pub ranked: Vec<String>,
}

impl Answer {
    pub fn found(&self) -> bool {
        !self.passages.is_empty()
    }

    /// The articles cited, in order, each once.
    pub fn cited(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for p in &self.passages {
            if !out.contains(&p.slug.as_str()) {
                out.push(&p.slug);
            }
        }
        out
    }
}

/// The help index of every article language.
pub struct HelpIndex {
    langs: Vec<LangIndex>,
    sections: HashMap<(String, String), String>,
}

impl HelpIndex {
    pub fn build(articles: &[Article]) -> tantivy::Result<HelpIndex> {
        let mut langs = Vec::new();
        let mut sections = HashMap::new();
        for a in articles {
            sections.insert((a.lang.to_owned(), a.slug.to_owned()), a.section.clone());
        }
        for lang in ARTICLE_LANGS {
            let (schema, f) = schema();
            let mine: Vec<&Article> = articles.iter().filter(|a| a.lang == lang).collect();
            let make = || -> tantivy::Result<Index> {
                let index = Index::create_in_ram(schema.clone());
                index.tokenizers().register("stem", stemmed(lang));
                index.tokenizers().register("raw", raw(lang));
                Ok(index)
            };
            let articles_index = make()?;
            let mut writer: IndexWriter = articles_index.writer_with_num_threads(1, 15_000_000)?;
            for a in &mine {
                let keywords = a.keywords.join(", ");
                let text = a.text();
                writer.add_document(doc!(
                    f.slug => a.slug,
                    f.pos => 0u64,
                    f.title => a.title.as_str(),
                    f.keywords => keywords.as_str(),
                    f.text => text.as_str(),
                    f.raw => format!("{} {} {}", a.title, keywords, text),
                ))?;
            }
            writer.commit()?;
            writer.wait_merging_threads()?;
            let paragraphs_index = make()?;
            let mut writer: IndexWriter = paragraphs_index.writer_with_num_threads(1, 15_000_000)?;
            let mut words = HashMap::new();
            let mut analyzer = stemmed(lang);
            for a in &mine {
                let keywords = a.keywords.join(", ");
                for (pos, p) in a.paragraphs.iter().enumerate() {
                    let heading = if p.heading == a.title { "" } else { p.heading.as_str() };
                    writer.add_document(doc!(
                        f.slug => a.slug,
                        f.pos => pos as u64,
                        f.title => a.title.as_str(),
                        f.heading => heading,
                        f.keywords => keywords.as_str(),
                        f.text => p.text.as_str(),
                        f.raw => format!("{} {} {}", a.title, heading, p.text),
                    ))?;
                    let all = format!("{} {} {} {}", a.title, heading, keywords, p.text);
                    words.insert(
                        (a.slug.to_owned(), pos as u64),
                        tokens(&mut analyzer, &all).into_iter().collect(),
                    );
                }
            }
            writer.commit()?;
            writer.wait_merging_threads()?;
            let part = |index: Index| -> tantivy::Result<Part> {
                Ok(Part {
                    reader: index.reader()?,
                    index,
                })
            };
            langs.push(LangIndex {
                lang,
                fields: f,
                articles: part(articles_index)?,
                paragraphs: part(paragraphs_index)?,
                words,
            });
        }
        Ok(HelpIndex { langs, sections })
    }

    fn lang(&self, lang: &str) -> &LangIndex {
        let own = super::article_lang(lang);
        self.langs
            .iter()
            .find(|l| l.lang == own)
            .expect("every article language is indexed")
    }

    /// The articles matching `query` in `lang` (or English), best first.
    pub fn search(&self, lang: &str, query: &str, limit: usize) -> Vec<Hit> {
        let li = self.lang(lang);
        let f = li.fields;
        let q = li.query(
            &li.articles.index,
            query,
            &[(f.title, 3.0), (f.keywords, 2.0), (f.text, 1.0), (f.raw, 0.5)],
        );
        let Some(q) = q else {
            return Vec::new();
        };
        let searcher = li.articles.reader.searcher();
        let Ok(top) = searcher.search(q.as_ref(), &TopDocs::with_limit(limit).order_by_score()) else {
            return Vec::new();
        };
        let mut snippets = SnippetGenerator::create(&searcher, q.as_ref(), f.text).ok();
        if let Some(s) = snippets.as_mut() {
            s.set_max_num_chars(220);
        }
        top.into_iter()
            .filter_map(|(score, addr)| {
                let d: TantivyDocument = searcher.doc(addr).ok()?;
                let slug = text_of(&d, f.slug);
                let snippet_html = snippets
                    .as_ref()
                    .map(|g| {
                        let mut s = g.snippet_from_doc(&d);
                        s.set_snippet_prefix_postfix("<mark>", "</mark>");
                        s.to_html()
                    })
                    .filter(|h| !h.is_empty())
                    .unwrap_or_else(|| escape(&text_of(&d, f.text).chars().take(220).collect::<String>()));
                Some(Hit {
                    section: self
                        .sections
                        .get(&(li.lang.to_owned(), slug.clone()))
                        .cloned()
                        .unwrap_or_default(),
                    title: text_of(&d, f.title),
                    slug,
                    snippet_html,
                    score,
                })
            })
            .collect()
    }

    /// The assistant: the paragraphs that answer `question` best, from up to three articles,
    /// or none when the best is not good enough ([`MIN_SCORE`], [`MIN_COVERAGE`]).
    pub fn answer(&self, lang: &str, question: &str) -> Answer {
        let li = self.lang(lang);
        let f = li.fields;
        let Some(q) = li.query(
            &li.paragraphs.index,
            question,
            &[
                (f.title, 1.5),
                (f.heading, 2.0),
                (f.keywords, 1.0),
                (f.text, 1.5),
                (f.raw, 0.5),
            ],
        ) else {
            return Answer::default();
        };
        let searcher = li.paragraphs.reader.searcher();
        let Ok(top) = searcher.search(q.as_ref(), &TopDocs::with_limit(40).order_by_score()) else {
            return Answer::default();
        };
        let asked: HashSet<String> = tokens(&mut stemmed(li.lang), question).into_iter().collect();
        // The best paragraph of each article, in the order of their best scores.
        let mut best: Vec<(f32, String, u64)> = Vec::new();
        for (score, addr) in top {
            let Ok(d) = searcher.doc::<TantivyDocument>(addr) else {
                continue;
            };
            let slug = text_of(&d, f.slug);
            if best.iter().any(|(_, s, _)| *s == slug) {
                continue;
            }
            let pos = d.get_first(f.pos).and_then(|v| v.as_u64()).unwrap_or(0);
            best.push((score, slug, pos));
        }
        let coverage = |slug: &str, pos: u64| -> f32 {
            if asked.is_empty() {
                return 0.0;
            }
            let words = li.words.get(&(slug.to_owned(), pos));
            let hit = asked.iter().filter(|w| words.is_some_and(|ws| ws.contains(*w))).count();
            hit as f32 / asked.len() as f32
        };
        let mut answer = Answer {
            ranked: best.iter().map(|(_, s, _)| s.clone()).collect(),
            ..Answer::default()
        };
        let Some((top_score, top_slug, top_pos)) = best.first() else {
            return answer;
        };
        answer.best_score = *top_score;
        answer.best_coverage = coverage(top_slug, *top_pos);
        if answer.best_score < MIN_SCORE || answer.best_coverage < MIN_COVERAGE {
            return answer;
        }
        let cut = top_score * SECOND_RATIO;
        answer.passages = best
            .iter()
            .take(3)
            .filter(|(score, _, _)| *score >= cut)
            .filter_map(|(score, slug, pos)| {
                let article = super::articles().iter().find(|a| a.lang == li.lang && a.slug == slug)?;
                let p = article.paragraphs.get(*pos as usize)?;
                Some(Passage {
                    slug: slug.clone(),
                    title: article.title.clone(),
                    heading: p.heading.clone(),
                    markdown: p.markdown.clone(),
                    score: *score,
                })
            })
            .collect();
        answer
    }
}

impl LangIndex {
    /// Any of the words of `text`, in each field as that field's analyzer reads them, with
    /// the field's boost. `None` when nothing of the text is searchable (only stop words).
    fn query(&self, index: &Index, text: &str, fields: &[(Field, f32)]) -> Option<Box<dyn Query>> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for &(field, boost) in fields {
            let Ok(mut analyzer) = index.tokenizer_for_field(field) else {
                continue;
            };
            let mut seen = HashSet::new();
            for word in tokens(&mut analyzer, text) {
                if !seen.insert(word.clone()) {
                    continue;
                }
                let term = TermQuery::new(Term::from_field_text(field, &word), IndexRecordOption::WithFreqs);
                clauses.push((Occur::Should, Box::new(BoostQuery::new(Box::new(term), boost))));
            }
        }
        (!clauses.is_empty()).then(|| Box::new(BooleanQuery::new(clauses)) as Box<dyn Query>)
    }
}

fn text_of(d: &TantivyDocument, field: Field) -> String {
    d.get_first(field)
        .and_then(|v| v.as_str())
        .map(str::to_owned)
        .unwrap_or_default()
}

/// Text as HTML: `&`, `<`, `>` and both quotes escaped.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::help::index;

    #[test]
    fn english_search_finds_stemmed_words() {
        // "capturing" is not in the articles as such; its stem "captur" is.
        let hits = index().search("en", "capturing", 10);
        assert!(hits.iter().take(3).any(|h| h.slug == "capture-order"), "{hits:?}");
        let hit = hits.iter().find(|h| h.slug == "capture-order").unwrap();
        assert!(hit.snippet_html.contains("<mark>"), "{}", hit.snippet_html);
    }

    #[test]
    fn swedish_search_finds_stemmed_words() {
        // The Swedish refund article says "återbetalning"/"återbetala", not the plural.
        let hits = index().search("sv", "återbetalningar", 10);
        assert!(hits.iter().take(3).any(|h| h.slug == "refund-order"), "{hits:?}");
        assert!(hits[0].snippet_html.contains("<mark>"), "{}", hits[0].snippet_html);
    }

    #[test]
    fn other_languages_search_english() {
        let hits = index().search("de", "capture", 5);
        assert!(hits.iter().any(|h| h.slug == "capture-order"));
    }

    #[test]
    fn snippets_are_escaped() {
        // A query that matches text near code shows it escaped; nothing raw gets through.
        for h in index().search("en", "curl webhook signature header", 10) {
            let without_marks = h.snippet_html.replace("<mark>", "").replace("</mark>", "");
            assert!(!without_marks.contains('<'), "{}", h.snippet_html);
        }
    }

    #[test]
    fn the_assistant_quotes_paragraphs_verbatim() {
        let a = index().answer("en", "How do I capture only part of an order?");
        assert!(a.found(), "{a:?}");
        assert_eq!(a.cited()[0], "capture-order");
        let article = crate::help::article("en", "capture-order").unwrap().0;
        assert!(article.body.contains(&a.passages[0].markdown));
    }

    #[test]
    fn the_assistant_says_when_it_does_not_know() {
        for q in [
            "What is the weather in Paris tomorrow?",
            "the",
            "banana smoothie recipe",
            "!!!",
        ] {
            let a = index().answer("en", q);
            assert!(!a.found(), "{q}: {a:?}");
        }
        let a = index().answer("sv", "Vad blir det för väder i morgon?");
        assert!(!a.found(), "{a:?}");
    }
}
