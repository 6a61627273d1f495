//! Help (issue 16): the help articles at `/portal/help` (search with highlighted snippets,
//! the articles by section), one article with "Was this helpful?", and the assistant at
//! `/portal/help/ask`, which answers with paragraphs quoted from the articles and, when the
//! question names an order in any store the member may see orders in, that order's facts,
//! its store, and a way there (another store: a form that switches to it and opens the
//! order). Each page answers the
//! support panel's `fetch` with JSON (`Accept: application/json`) and a browser without
//! JavaScript with HTML.

mod section;
pub(crate) use section::section;

use crate::help::{self, markdown, search::Answer, SECTIONS};
use crate::portal::orders::{status_class, status_key};
use crate::shell::extract::{Form, Path, Query};
use crate::shell::i18n::{format_time, Lang};
use crate::shell::session::Member;
use crate::shell::views::{render, Page};
use crate::{now_ms, AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use kassa_app::support::{order_in_question, NextStep, OrderFacts, OrderMention};
use kassa_app::AppError;
use serde::Deserialize;

/// How many results a search shows.
const RESULTS: usize = 20;
/// The longest question or search the assistant reads (characters).
const MAX_QUESTION: usize = 500;

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json"))
}

fn section_label(lang: Lang, section: &str) -> String {
    lang.t(&format!("help-section-{section}"))
}

/// "This article is not yet available in …" for a language without articles of its own.
fn fallback_note(lang: Lang) -> Option<String> {
    (help::article_lang(lang.code()) != lang.code())
        .then(|| lang.t_args("help-fallback-note", &[("language", lang.native_name().to_owned())]))
}

fn clip(text: &str) -> String {
    text.trim().chars().take(MAX_QUESTION).collect()
}

pub struct HitView {
    pub slug: String,
    pub title: String,
    pub section: String,
    /// Escaped by the index, the found words in `<mark>`.
    pub snippet_html: String,
}

pub struct LinkView {
    pub slug: &'static str,
    pub title: String,
}

pub struct GroupView {
    pub title: String,
    pub articles: Vec<LinkView>,
}

pub struct PassageView {
    pub slug: String,
    pub title: String,
    pub heading: String,
    /// The paragraph's Markdown as sanitized HTML.
    pub html: String,
}

pub struct OrderView {
    pub title: String,
    pub href: String,
    /// "In store …".
    pub store: String,
    /// The order is in another store than the current one: switching opens it.
    pub switch: Option<SwitchView>,
    pub status_label: String,
    pub status_class: &'static str,
    pub facts: Vec<String>,
    pub next: String,
}

/// The form that switches the session to the order's store and opens the order.
pub struct SwitchView {
    pub store_id: String,
    pub next: String,
    pub csrf: String,
    pub label: String,
}

pub struct AnswerView {
    pub question: String,
    pub passages: Vec<PassageView>,
    pub order: Option<OrderView>,
    pub order_missing: Option<String>,
    /// Neither an article nor an order answers the question.
    pub nothing: bool,
    pub fallback: Option<String>,
}

/// The search results, alone: the help page shows them, and the panel fetches them.
#[derive(Template)]
#[template(path = "help_results.html")]
struct ResultsFragment<'a> {
    count: String,
    empty: String,
    hits: &'a [HitView],
}

/// The assistant's answer, alone (the help page and the panel).
#[derive(Template)]
#[template(path = "help_answer.html")]
struct AnswerFragment<'a> {
    lang: Lang,
    answer: &'a AnswerView,
}

#[derive(Template)]
#[template(path = "help.html")]
struct HelpTemplate {
    page: Page,
    query: String,
    question: String,
    results_html: Option<String>,
    answer_html: Option<String>,
    groups: Vec<GroupView>,
    fallback: Option<String>,
}

#[derive(Template)]
#[template(path = "help_article.html")]
struct ArticleTemplate {
    page: Page,
    slug: &'static str,
    section: String,
    html: String,
    fallback: Option<String>,
    vote: Option<bool>,
    thanks: bool,
}

fn hits(lang: Lang, query: &str) -> Vec<HitView> {
    help::index()
        .search(lang.code(), query, RESULTS)
        .into_iter()
        .map(|h| HitView {
            section: section_label(lang, &h.section),
            slug: h.slug,
            title: h.title,
            snippet_html: h.snippet_html,
        })
        .collect()
}

fn groups(lang: Lang) -> Vec<GroupView> {
    let articles = help::articles_in(lang.code());
    SECTIONS
        .iter()
        .map(|s| GroupView {
            title: section_label(lang, s),
            articles: articles
                .iter()
                .filter(|a| a.section == *s)
                .map(|a| LinkView {
                    slug: a.slug,
                    title: a.title.clone(),
                })
                .collect(),
        })
        .filter(|g| !g.articles.is_empty())
        .collect()
}

fn page_of(member: &Member, query: &str) -> Page {
    let here = if query.is_empty() {
        "/portal/help".to_owned()
    } else {
        format!(
            "/portal/help?{}",
            serde_urlencoded::to_string([("q", query)]).unwrap_or_default()
        )
    };
    Page::member(member, None, "help-title", &here)
}

#[derive(Deserialize, Default)]
pub(crate) struct SearchQuery {
    q: Option<String>,
}

/// The help page: a search and its results, the assistant's question box, and every article
/// by section. With `Accept: application/json`, the results alone for the panel.
pub(crate) async fn index(
    member: Member,
    headers: HeaderMap,
    Query(q): Query<SearchQuery>,
) -> Result<Response, WebError> {
    let query = clip(q.q.as_deref().unwrap_or(""));
    let page = page_of(&member, &query);
    let lang = page.lang;
    let found = (!query.is_empty()).then(|| hits(lang, &query));
    let results_html = match &found {
        Some(hits) => Some(
            ResultsFragment {
                count: lang.t_args(
                    "help-results",
                    &[("query", query.clone()), ("count", hits.len().to_string())],
                ),
                empty: lang.t_args("help-no-results", &[("query", query.clone())]),
                hits,
            }
            .render()?,
        ),
        None => None,
    };
    if wants_json(&headers) {
        let list: Vec<_> = found
            .iter()
            .flatten()
            .map(|h| serde_json::json!({"slug": h.slug, "title": h.title, "url": format!("/portal/help/{}", h.slug)}))
            .collect();
        return Ok(Json(serde_json::json!({
            "query": query,
            "hits": list,
            "html": results_html.unwrap_or_default(),
        }))
        .into_response());
    }
    let template = HelpTemplate {
        fallback: fallback_note(lang),
        groups: groups(lang),
        query,
        question: String::new(),
        results_html,
        answer_html: None,
        page,
    };
    Ok(render(&template))
}

#[derive(Deserialize, Default)]
pub(crate) struct ArticleQuery {
    voted: Option<String>,
}

pub(crate) async fn article(
    State(state): State<AppState>,
    member: Member,
    Path(slug): Path<String>,
    Query(q): Query<ArticleQuery>,
) -> Result<Response, WebError> {
    let lang = Lang::from_code(&member.user.language).unwrap_or(Lang::En);
    let (article, _) = help::article(lang.code(), &slug).ok_or(WebError::NotFound)?;
    let mut page = Page::member(&member, None, "help-title", &format!("/portal/help/{}", article.slug));
    page.title.clone_from(&article.title);
    let vote = state.db.help_vote_of(article.slug, member.user.id).await?;
    let template = ArticleTemplate {
        slug: article.slug,
        section: section_label(lang, &article.section),
        html: markdown::render(article.body),
        fallback: fallback_note(lang),
        thanks: q.voted.is_some() && vote.is_some(),
        vote,
        page,
    };
    Ok(render(&template))
}

#[derive(Deserialize)]
pub(crate) struct FeedbackForm {
    helpful: String,
}

/// "Was this helpful?": one vote per member and article; voting again changes the vote.
pub(crate) async fn feedback(
    State(state): State<AppState>,
    member: Member,
    Path(slug): Path<String>,
    Form(form): Form<FeedbackForm>,
) -> Result<Response, WebError> {
    let lang = Lang::from_code(&member.user.language).unwrap_or(Lang::En);
    let (article, _) = help::article(lang.code(), &slug).ok_or(WebError::NotFound)?;
    let helpful = match form.helpful.as_str() {
        "yes" => true,
        "no" => false,
        _ => return Err(WebError::BadRequest("helpful must be yes or no".into())),
    };
    state
        .db
        .vote_help(article.slug, member.user.id, article.lang, helpful, now_ms())
        .await?;
    Ok(Redirect::to(&format!("/portal/help/{}?voted=1#feedback", article.slug)).into_response())
}

#[derive(Deserialize)]
pub(crate) struct AskForm {
    #[serde(default)]
    question: String,
}

fn step_label(lang: Lang, step: NextStep) -> String {
    lang.t(match step {
        NextStep::Capture => "order-capture",
        NextStep::Refund => "order-refund",
        NextStep::Cancel => "order-cancel",
        NextStep::Extend => "order-extend",
        NextStep::Release => "order-release",
    })
}

fn order_view(lang: Lang, tz: &str, csrf: &str, o: &OrderFacts) -> OrderView {
    let money = |v: i64| lang.format_money(v, &o.currency);
    let mut facts = vec![
        lang.t_args("help-order-amount", &[("amount", money(o.order_amount))]),
        lang.t_args("help-order-captured", &[("amount", money(o.captured_amount))]),
        lang.t_args("help-order-refunded", &[("amount", money(o.refunded_amount))]),
    ];
    if o.remaining > 0 {
        facts.push(lang.t_args("help-order-remaining", &[("amount", money(o.remaining))]));
    }
    if let Some(at) = o.expires_at {
        facts.push(lang.t_args("help-order-expires", &[("date", format_time(at, tz))]));
    }
    if let Some(r) = &o.merchant_reference {
        facts.push(lang.t_args("help-order-reference", &[("reference", r.clone())]));
    }
    let next = if o.read_only {
        lang.t("help-order-read-only")
    } else if o.next.is_empty() {
        lang.t("help-order-nothing")
    } else {
        let steps: Vec<String> = o.next.iter().map(|s| step_label(lang, *s)).collect();
        lang.t_args("help-order-next", &[("actions", steps.join(", "))])
    };
    let href = format!("/portal/orders/{}", o.order_id);
    let store_name = format!("{} ({})", o.store_name, o.store_id);
    OrderView {
        title: lang.t_args("help-order-title", &[("reference", o.short_reference.clone())]),
        store: lang.t_args("help-order-store", &[("store", store_name.clone())]),
        switch: (!o.current_store).then(|| SwitchView {
            store_id: o.store_id.clone(),
            next: href.clone(),
            csrf: csrf.to_owned(),
            label: lang.t_args("help-order-switch", &[("store", store_name)]),
        }),
        href,
        status_label: lang.t(&status_key(o.status.code())),
        status_class: status_class(o.status.code()),
        facts,
        next,
    }
}

fn passages(answer: &Answer) -> Vec<PassageView> {
    answer
        .passages
        .iter()
        .map(|p| PassageView {
            slug: p.slug.clone(),
            title: p.title.clone(),
            heading: p.heading.clone(),
            html: markdown::render(&p.markdown),
        })
        .collect()
}

/// The assistant: paragraphs quoted from the articles, and the facts of an order the
/// question names (in any store the member may see orders in). With `Accept: application/json`
/// for the panel, else the help page with the answer.
pub(crate) async fn ask(
    State(state): State<AppState>,
    member: Member,
    headers: HeaderMap,
    Form(form): Form<AskForm>,
) -> Result<Response, WebError> {
    let question = clip(&form.question);
    let page = page_of(&member, "");
    let lang = page.lang;
    let answer = if question.is_empty() {
        Answer::default()
    } else {
        help::index().answer(lang.code(), &question)
    };
    let mention = if question.is_empty() {
        OrderMention::None
    } else {
        match order_in_question(&state.db, &member.actor(), &question, now_ms()).await {
            Ok(m) => m,
            Err(AppError::Forbidden) => OrderMention::None,
            Err(e) => return Err(e.into()),
        }
    };
    let (order, order_missing) = match &mention {
        OrderMention::Found(o) => (Some(order_view(lang, &member.user.timezone, &member.csrf, o)), None),
        OrderMention::NotFound(word) => (
            None,
            Some(lang.t_args("help-order-not-found-in-stores", &[("reference", word.clone())])),
        ),
        OrderMention::None => (None, None),
    };
    let view = AnswerView {
        passages: passages(&answer),
        nothing: !answer.found() && order.is_none(),
        fallback: answer.found().then(|| fallback_note(lang)).flatten(),
        question: question.clone(),
        order,
        order_missing,
    };
    let answer_html = if question.is_empty() {
        String::new()
    } else {
        AnswerFragment { lang, answer: &view }.render()?
    };
    if wants_json(&headers) {
        let order_json = match &mention {
            OrderMention::Found(o) => serde_json::json!({
                "order_id": o.order_id,
                "short_reference": o.short_reference,
                "status": o.status.code(),
                "url": format!("/portal/orders/{}", o.order_id),
                "next": o.next.iter().map(|s| s.code()).collect::<Vec<_>>(),
                "store_id": o.store_id,
                "store_name": o.store_name,
                "current_store": o.current_store,
            }),
            _ => serde_json::Value::Null,
        };
        return Ok(Json(serde_json::json!({
            "question": question,
            "found": answer.found(),
            "cited": answer.cited(),
            "order": order_json,
            "html": answer_html,
        }))
        .into_response());
    }
    let template = HelpTemplate {
        fallback: fallback_note(lang),
        groups: groups(lang),
        query: String::new(),
        question,
        results_html: None,
        answer_html: Some(answer_html).filter(|h| !h.is_empty()),
        page,
    };
    Ok(render(&template))
}
