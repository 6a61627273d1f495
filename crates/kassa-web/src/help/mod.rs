//! The help articles (issue 16): the Markdown files of `help/<lang>/<slug>.md`, embedded in
//! the binary by the build script, parsed once into [`Article`]s with their paragraphs, and
//! searched through the in-RAM full-text index of [`search`]. English and Swedish have their
//! own articles and stemming; the other languages read the English ones with a note.
//!
//! The assistant ([`search::HelpIndex::answer`]) quotes single paragraphs, so each article is
//! split into its paragraphs here, each with the heading it stands under.

#[cfg(test)]
mod eval;
pub mod markdown;
pub mod search;

use std::sync::LazyLock;

/// `(language, slug, file)` for every `help/<lang>/<slug>.md`, written by `build.rs`.
const FILES: &[(&str, &str, &str)] = include!(concat!(env!("OUT_DIR"), "/help_articles.rs"));

/// The languages with articles of their own; the rest fall back to English.
pub const ARTICLE_LANGS: [&str; 2] = ["en", "sv"];

/// The sections an article may belong to, in the order the help page lists them.
pub const SECTIONS: [&str; 10] = [
    "home",
    "orders",
    "settlements",
    "disputes",
    "users",
    "integrations",
    "developer-logs",
    "account",
    "support",
    "api",
];

/// One paragraph of an article, as the assistant quotes it.
#[derive(Debug, Clone)]
pub struct Paragraph {
    /// The `##` heading it stands under; the article's title for the introduction.
    pub heading: String,
    /// Its Markdown, verbatim (a code block that follows it belongs to it).
    pub markdown: String,
    /// Its words without Markdown, for the index.
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct Article {
    pub lang: &'static str,
    pub slug: &'static str,
    pub title: String,
    pub section: String,
    pub keywords: Vec<String>,
    /// The Markdown after the front matter.
    pub body: &'static str,
    pub paragraphs: Vec<Paragraph>,
}

impl Article {
    /// The whole article's words without Markdown.
    pub fn text(&self) -> String {
        self.paragraphs
            .iter()
            .map(|p| p.text.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// What went wrong reading an article file.
#[derive(Debug, PartialEq, Eq)]
pub struct BadArticle(pub String);

/// Reads one file: front matter (`title`, `section`, `keywords`) between `---` lines, then
/// the body.
pub fn parse(lang: &'static str, slug: &'static str, file: &'static str) -> Result<Article, BadArticle> {
    let bad = |why: &str| BadArticle(format!("help/{lang}/{slug}.md: {why}"));
    let rest = file
        .strip_prefix("---\n")
        .or_else(|| file.strip_prefix("---\r\n"))
        .ok_or_else(|| bad("no front matter"))?;
    let end = rest.find("\n---").ok_or_else(|| bad("front matter not closed"))?;
    let (front, body) = rest.split_at(end);
    let body = body["\n---".len()..].trim_start_matches(['\r', '\n']);
    let mut title = None;
    let mut section = None;
    let mut keywords = Vec::new();
    for line in front.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value)
            .to_owned();
        match key.trim() {
            "title" => title = Some(value),
            "section" => section = Some(value),
            "keywords" => {
                keywords = value
                    .split(',')
                    .map(|k| k.trim().to_owned())
                    .filter(|k| !k.is_empty())
                    .collect()
            }
            _ => {}
        }
    }
    let title = title.filter(|t| !t.is_empty()).ok_or_else(|| bad("no title"))?;
    let section = section.ok_or_else(|| bad("no section"))?;
    if !SECTIONS.contains(&section.as_str()) {
        return Err(bad("unknown section"));
    }
    let paragraphs = paragraphs(&title, body);
    Ok(Article {
        lang,
        slug,
        title,
        section,
        keywords,
        body,
        paragraphs,
    })
}

/// Splits a body into its paragraphs: blocks between blank lines, each under the last `##`
/// heading; a fenced code block joins the paragraph before it (it is that paragraph's
/// example), and so does a table.
pub fn paragraphs(title: &str, body: &str) -> Vec<Paragraph> {
    let mut out: Vec<Paragraph> = Vec::new();
    let mut heading = title.to_owned();
    let mut block: Vec<&str> = Vec::new();
    let mut in_code = false;
    let mut attach = false;
    fn flush(block: &mut Vec<&str>, attach: bool, heading: &str, out: &mut Vec<Paragraph>) {
        if block.is_empty() {
            return;
        }
        let md = block.join("\n");
        block.clear();
        match out.last_mut() {
            Some(last) if attach && last.heading == heading => {
                last.markdown.push_str("\n\n");
                last.markdown.push_str(&md);
                last.text = markdown::plain(&last.markdown);
            }
            _ => out.push(Paragraph {
                heading: heading.to_owned(),
                text: markdown::plain(&md),
                markdown: md,
            }),
        }
    }
    for line in body.lines() {
        if in_code {
            block.push(line);
            if line.trim_start().starts_with("```") {
                in_code = false;
                flush(&mut block, true, &heading, &mut out);
            }
            continue;
        }
        if line.trim_start().starts_with("```") {
            flush(&mut block, attach, &heading, &mut out);
            in_code = true;
            block.push(line);
            continue;
        }
        if let Some(h) = line.strip_prefix("## ") {
            flush(&mut block, attach, &heading, &mut out);
            heading = h.trim().to_owned();
            continue;
        }
        if line.trim().is_empty() {
            flush(&mut block, attach, &heading, &mut out);
            attach = false;
            continue;
        }
        if block.is_empty() {
            attach = line.trim_start().starts_with('|');
        }
        block.push(line);
    }
    flush(&mut block, attach, &heading, &mut out);
    out
}

/// Every embedded article, parsed once.
pub fn articles() -> &'static [Article] {
    static ARTICLES: LazyLock<Vec<Article>> = LazyLock::new(|| {
        FILES
            .iter()
            .map(|&(lang, slug, file)| parse(lang, slug, file).unwrap_or_else(|e| panic!("{}", e.0)))
            .collect()
    });
    &ARTICLES
}

/// The language whose articles a user of `lang` reads: their own, or English.
pub fn article_lang(lang: &str) -> &'static str {
    ARTICLE_LANGS.into_iter().find(|l| *l == lang).unwrap_or("en")
}

/// The article `slug` in `lang` (falling back to English), and whether it fell back.
pub fn article(lang: &str, slug: &str) -> Option<(&'static Article, bool)> {
    let own = article_lang(lang);
    let find = |l: &str| articles().iter().find(|a| a.lang == l && a.slug == slug);
    find(own)
        .map(|a| (a, own != lang))
        .or_else(|| find("en").map(|a| (a, lang != "en")))
}

/// The articles in one language, in title order.
pub fn articles_in(lang: &str) -> Vec<&'static Article> {
    let own = article_lang(lang);
    let mut list: Vec<&Article> = articles().iter().filter(|a| a.lang == own).collect();
    list.sort_by(|a, b| a.title.cmp(&b.title));
    list
}

/// The index, built on first use (the server builds it at start).
pub fn index() -> &'static search::HelpIndex {
    static INDEX: LazyLock<search::HelpIndex> =
        LazyLock::new(|| search::HelpIndex::build(articles()).expect("the help index builds in RAM"));
    &INDEX
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_article_parses_in_both_languages() {
        let en: Vec<_> = articles().iter().filter(|a| a.lang == "en").collect();
        assert!(en.len() >= 40, "{}", en.len());
        for a in &en {
            assert!(!a.paragraphs.is_empty(), "{}", a.slug);
            assert!(
                articles().iter().any(|s| s.lang == "sv" && s.slug == a.slug),
                "no Swedish {}",
                a.slug
            );
        }
    }

    #[test]
    fn paragraphs_split_at_blank_lines_with_their_heading_and_code() {
        let body = "Intro text.\n\n## First\n\nOne para.\n\nTwo para:\n\n```\ncurl x\n\ny\n```\n\n## Second\n\nThree.";
        let p = paragraphs("Title", body);
        let view: Vec<_> = p.iter().map(|p| (p.heading.as_str(), p.markdown.as_str())).collect();
        assert_eq!(
            view,
            vec![
                ("Title", "Intro text."),
                ("First", "One para."),
                ("First", "Two para:\n\n```\ncurl x\n\ny\n```"),
                ("Second", "Three."),
            ]
        );
    }

    #[test]
    fn front_matter_is_read() {
        let a = parse(
            "en",
            "x",
            "---\ntitle: \"A: b\"\nsection: orders\nkeywords: one, two words\n---\n\nBody **bold**.",
        )
        .unwrap();
        assert_eq!(a.title, "A: b");
        assert_eq!(a.keywords, vec!["one", "two words"]);
        assert_eq!(a.paragraphs[0].text, "Body bold.");
        assert!(parse("en", "x", "no front matter").is_err());
        assert!(parse("en", "x", "---\ntitle: T\nsection: nowhere\n---\nB").is_err());
    }

    #[test]
    fn other_languages_fall_back_to_english() {
        let (a, fell_back) = article("de", "capture-order").unwrap();
        assert_eq!((a.lang, fell_back), ("en", true));
        let (a, fell_back) = article("sv", "capture-order").unwrap();
        assert_eq!((a.lang, fell_back), ("sv", false));
        assert!(article("en", "no-such-article").is_none());
    }
}
