//! Help articles from Markdown to HTML. The articles are Kassa's own, but nothing in them
//! reaches the page as raw HTML: HTML blocks and inline HTML are shown as text, and links
//! and images may only lead to Kassa's own pages or to http(s) addresses.

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag, TagEnd};

fn options() -> Options {
    Options::ENABLE_TABLES
}

/// Whether a link target is safe to follow: a path on this site, an anchor, or http(s).
fn safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    (lower.starts_with('/') && !lower.starts_with("//"))
        || lower.starts_with('#')
        || lower.starts_with("https://")
        || lower.starts_with("http://")
}

/// The Markdown as HTML: raw HTML escaped, unsafe links made inert, images shown as links,
/// and `#` headings one level down (the page's own `<h1>` is the title).
pub fn render(md: &str) -> String {
    let events = Parser::new_ext(md, options()).map(|event| match event {
        Event::Html(s) | Event::InlineHtml(s) => Event::Text(s),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        })
        | Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: if safe_url(&dest_url) {
                dest_url
            } else {
                CowStr::from("#")
            },
            title,
            id,
        }),
        Event::End(TagEnd::Image) => Event::End(TagEnd::Link),
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level: level_down(level),
            id,
            classes,
            attrs,
        }),
        Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(level_down(level))),
        other => other,
    });
    let mut out = String::with_capacity(md.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

fn level_down(level: pulldown_cmark::HeadingLevel) -> pulldown_cmark::HeadingLevel {
    use pulldown_cmark::HeadingLevel::*;
    match level {
        H1 => H2,
        other => other,
    }
}

/// The words of the Markdown without its markup: text and code, line breaks as spaces.
pub fn plain(md: &str) -> String {
    let mut out = String::with_capacity(md.len());
    for event in Parser::new_ext(md, options()) {
        match event {
            Event::Text(s) | Event::Code(s) | Event::Html(s) | Event::InlineHtml(s) => out.push_str(&s),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(TagEnd::Paragraph | TagEnd::CodeBlock | TagEnd::TableCell | TagEnd::Heading(_))
                if !out.ends_with([' ', '\n']) =>
            {
                out.push(' ')
            }
            _ => {}
        }
    }
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_is_shown_as_text() {
        let html = render("Hello <script>alert(1)</script> **there**\n\n<div onclick=x>block</div>\n");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<div"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(html.contains("<strong>there</strong>"), "{html}");
    }

    #[test]
    fn only_safe_links_survive() {
        let html = render("[a](/portal/help/x) [b](javascript:alert(1)) [c](https://e.example) ![i](data:x)");
        assert!(html.contains(r#"href="/portal/help/x""#), "{html}");
        assert!(html.contains(r#"href="https://e.example""#), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("data:"), "{html}");
    }

    #[test]
    fn plain_text_drops_markup() {
        assert_eq!(
            plain("Click **Capture** and see [Roles](/portal/help/user-roles), `code`."),
            "Click Capture and see Roles, code."
        );
    }
}
