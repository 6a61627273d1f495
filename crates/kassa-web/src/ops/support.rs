//! The agent console at `/ops/support`, for operators who answer support
//! ([`OpsPermission::AnswerSupport`]: support, ops_admin; everyone else gets 403): the queue
//! of waiting conversations (the longest waiting first, with their wait), the agent's own
//! conversations, a search through every conversation, canned replies and the opening
//! hours; and one conversation with its messages, its forms (claim, reply, transfer,
//! close, attach a file) and beside it the merchant's context, read-only. `support-chat.js`
//! makes the conversation live over `/ops/support/ws`, and the queue over
//! `/ops/support/queue/ws`: the socket sends the queue again whenever a conversation starts,
//! is claimed, handed on or closed (in any process, see `crate::chat_hub`), and every 30
//! seconds so that the wait times keep counting. Without JavaScript a reload does the same.

use super::audit::PROVIDER_TZ;
use super::shell::{Operator, OpsAccess, OpsMenuEntry, OpsRoute, OpsSection};
use crate::chat_files::{self, file_refusal, read_upload, UPLOAD_LIMIT};
use crate::chat_hub::HubEvent;
use crate::chat_ws::{self, chat_mailer, error_code, message_view, publish_sent, MessageView, Party};
use crate::portal::support_chat::{conversation_view, error_key, new_client_id, ConversationView};
use crate::shell::extract::{Form, Path, Query};
use crate::shell::i18n::{format_time, Lang};
use crate::shell::session::same_origin;
use crate::shell::views::{render, Page};
use crate::{now_ms, AppState, WebError};
use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Multipart, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use kassa_app::support_chat::{self, Reader, SendMessage};
use kassa_app::AppError;
use kassa_core::ops_access::OpsPermission;
use kassa_core::support_search::SearchTerms;
use kassa_db::{ConversationHit, ConversationListRow};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

const HOME: &str = "/ops/support";

pub(super) fn section() -> OpsSection {
    let agent = OpsAccess::Operator(OpsPermission::AnswerSupport);
    OpsSection {
        menu: Some(OpsMenuEntry {
            href: HOME,
            label: "ops-livechat-title",
            permission: OpsPermission::AnswerSupport,
        }),
        routes: vec![
            OpsRoute::get(HOME, agent, console),
            OpsRoute::get("/ops/support/ws", agent, ws),
            OpsRoute::get("/ops/support/queue/ws", agent, queue_ws),
            OpsRoute::post("/ops/support/canned", agent, add_canned),
            OpsRoute::post("/ops/support/canned/{canned}/delete", agent, delete_canned),
            OpsRoute::post("/ops/support/hours", agent, set_hours),
            OpsRoute::get("/ops/support/{conversation}", agent, conversation_page),
            OpsRoute::post("/ops/support/{conversation}/claim", agent, claim),
            OpsRoute::post("/ops/support/{conversation}/reply", agent, reply),
            OpsRoute::post("/ops/support/{conversation}/transfer", agent, transfer),
            OpsRoute::post("/ops/support/{conversation}/close", agent, close),
            OpsRoute::post("/ops/support/{conversation}/attachments", agent, attach).multipart(UPLOAD_LIMIT),
            OpsRoute::get("/ops/support/{conversation}/attachments/{file}", agent, attachment),
        ],
    }
}

/// A conversation in a list.
struct RowView {
    href: String,
    user: String,
    email: String,
    store: String,
    merchant: String,
    state: String,
    agent: Option<String>,
    started: String,
    wait: String,
    /// Search results: a piece of the best matching message, escaped, the found words in
    /// `<mark>`.
    snippet_html: Option<String>,
}

fn wait_words(lang: Lang, ms: i64) -> String {
    let minutes = (ms / 60_000).max(0);
    if minutes < 60 {
        lang.t_args("ops-livechat-wait-minutes", &[("minutes", minutes.to_string())])
    } else {
        lang.t_args(
            "ops-livechat-wait-hours",
            &[
                ("hours", (minutes / 60).to_string()),
                ("minutes", (minutes % 60).to_string()),
            ],
        )
    }
}

fn row_view(lang: Lang, c: &ConversationListRow, now: i64) -> RowView {
    RowView {
        href: format!("/ops/support/{}", c.conversation.id),
        user: c.user_name.clone(),
        email: c.user_email.clone(),
        store: format!("{} ({})", c.store_name, c.conversation.store_id),
        merchant: c.merchant_name.clone(),
        state: lang.t(&format!("livechat-state-{}", c.conversation.state.code())),
        agent: c.agent_name.clone(),
        started: format_time(c.conversation.created_at, PROVIDER_TZ),
        wait: wait_words(lang, now - c.conversation.created_at),
        snippet_html: None,
    }
}

/// A search result: the conversation, and the words found in its best matching message.
fn hit_view(lang: Lang, hit: &ConversationHit, terms: &SearchTerms, now: i64) -> RowView {
    let snippet_html = hit
        .matched_body
        .as_deref()
        .and_then(|body| terms.snippet(body, SNIPPET_WORDS_BEFORE, SNIPPET_WORDS))
        .map(|runs| snippet_html(&runs));
    RowView {
        snippet_html,
        ..row_view(lang, &hit.row, now)
    }
}

/// Words shown before the first found word of a message, and in all.
const SNIPPET_WORDS_BEFORE: usize = 8;
const SNIPPET_WORDS: usize = 30;

/// Runs of text as HTML: every run escaped, the found ones in `<mark>`.
fn snippet_html(runs: &[(String, bool)]) -> String {
    let mut out = String::new();
    for (text, found) in runs {
        if *found {
            out.push_str("<mark>");
        }
        out.push_str(&crate::help::search::escape(text));
        if *found {
            out.push_str("</mark>");
        }
    }
    out
}

struct CannedView {
    id: i64,
    title: String,
    body: String,
}

/// The queue's table (or the words for an empty queue): on the console, and sent again by
/// the queue socket.
#[derive(Template)]
#[template(path = "ops/support_queue.html")]
struct QueueTemplate<'a> {
    page: &'a Page,
    queue: &'a [RowView],
}

/// The queue as shown: the waiting conversations' ids (the longest waiting first), its
/// HTML, and a digest of the HTML by which a page sees that nothing changed.
struct QueueNow {
    ids: Vec<i64>,
    html: String,
    key: String,
}

async fn queue_now(state: &AppState, operator: &Operator, page: &Page) -> Result<QueueNow, WebError> {
    let now = now_ms();
    let rows = support_chat::queue(&state.db, &operator.actor()).await?;
    let ids = rows.iter().map(|c| c.conversation.id).collect();
    let queue: Vec<RowView> = rows.iter().map(|c| row_view(page.lang, c, now)).collect();
    let html = QueueTemplate { page, queue: &queue }.render()?;
    let key = format!("{:x}", Sha256::digest(html.as_bytes()));
    Ok(QueueNow { ids, html, key })
}

#[derive(Template)]
#[template(path = "ops/support.html")]
struct ConsoleTemplate {
    page: Page,
    queue_html: String,
    queue_key: String,
    mine: Vec<RowView>,
    q: String,
    results: Option<Vec<RowView>>,
    canned: Vec<CannedView>,
    timezone: String,
    hours: String,
    open_now: bool,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
struct ConsoleQuery {
    #[serde(default)]
    q: String,
    error: Option<String>,
    notice: Option<String>,
}

async fn console(
    State(state): State<AppState>,
    operator: Operator,
    Query(query): Query<ConsoleQuery>,
) -> Result<Response, WebError> {
    let actor = operator.actor();
    let notice = match query.notice.as_deref() {
        Some("canned-added") => Some("ops-livechat-canned-added"),
        Some("hours-saved") => Some("ops-livechat-hours-saved"),
        _ => None,
    };
    let page = operator
        .page(Some(HOME), "ops-livechat-title", HOME)
        .with_notice(notice);
    let lang = page.lang;
    let now = now_ms();
    let rows = |list: Vec<ConversationListRow>| list.iter().map(|c| row_view(lang, c, now)).collect::<Vec<_>>();
    let QueueNow {
        html: queue_html,
        key: queue_key,
        ..
    } = queue_now(&state, &operator, &page).await?;
    let mine = rows(support_chat::mine(&state.db, &actor).await?);
    let results = if query.q.trim().is_empty() {
        None
    } else {
        let (hits, terms) = support_chat::search(&state.db, &actor, &query.q).await?;
        Some(match terms {
            Some(terms) => hits.iter().map(|h| hit_view(lang, h, &terms, now)).collect(),
            None => Vec::new(),
        })
    };
    let canned = support_chat::canned_replies(&state.db, &actor)
        .await?
        .into_iter()
        .map(|c| CannedView {
            id: c.id,
            title: c.title,
            body: c.body,
        })
        .collect();
    let (timezone, hours) = state.db.support_hours().await?;
    let error = query.error.as_deref().map(|code| match code {
        "hours" => lang.t("ops-livechat-error-hours"),
        "canned" => lang.t("ops-livechat-error-canned"),
        other => lang.t(error_key(other)),
    });
    Ok(render(&ConsoleTemplate {
        queue_html,
        queue_key,
        mine,
        q: query.q,
        results,
        canned,
        timezone,
        hours,
        open_now: support_chat::is_open(&state.db, now).await?,
        error,
        page,
    }))
}

struct OrderView {
    href: String,
    reference: String,
    amount: String,
    status: String,
    at: String,
}

struct DisputeView {
    href: String,
    id: String,
    stage: String,
    amount: String,
}

struct ContextView {
    merchant: String,
    merchant_href: String,
    store: String,
    role: String,
    orders: Vec<OrderView>,
    disputes: Vec<DisputeView>,
}

struct AgentChoice {
    id: i64,
    name: String,
}

#[derive(Template)]
#[template(path = "ops/support_chat.html")]
struct ChatTemplate {
    page: Page,
    c: ConversationView,
    user: String,
    email: String,
    waiting: bool,
    mine: bool,
    messages: Vec<MessageView>,
    last_id: i64,
    client_id: String,
    attach_client_id: String,
    attach_action: String,
    canned: Vec<CannedView>,
    agents: Vec<AgentChoice>,
    context: ContextView,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
struct ChatQuery {
    error: Option<String>,
}

async fn conversation_page(
    State(state): State<AppState>,
    operator: Operator,
    Path(id): Path<i64>,
    Query(query): Query<ChatQuery>,
) -> Result<Response, WebError> {
    let actor = operator.actor();
    let (row, _) = support_chat::readable(&state.db, &actor, id).await?;
    let page = operator.page(
        Some(HOME),
        "ops-livechat-conversation-title",
        &format!("/ops/support/{id}"),
    );
    let lang = page.lang;
    let messages = support_chat::messages_after(&state.db, &actor, id, 0).await?;
    let last_id = messages.last().map(|m| m.id).unwrap_or(0);
    let mine = row.conversation.agent_id == Some(operator.id);
    if mine && last_id > row.conversation.agent_read_id {
        support_chat::mark_read(&state.db, &actor, id, last_id).await?;
        state
            .chat
            .publish(HubEvent::Read {
                c: id,
                by: "agent".into(),
                upto: last_id,
            })
            .await;
    }
    let ctx = support_chat::merchant_context(&state.db, &actor, &row.conversation).await?;
    let context = ContextView {
        merchant: ctx.merchant.as_ref().map(|m| m.legal_name.clone()).unwrap_or_default(),
        merchant_href: format!("/ops/merchants/{}", row.conversation.merchant_id),
        store: ctx
            .store
            .as_ref()
            .map(|s| format!("{} ({}, {})", s.name, s.id, s.environment))
            .unwrap_or_else(|| row.conversation.store_id.clone()),
        role: ctx
            .role
            .as_deref()
            .map(|r| lang.t(&format!("role-{}", r.replace('_', "-"))))
            .unwrap_or_else(|| lang.t("ops-livechat-no-role")),
        orders: ctx
            .orders
            .iter()
            .map(|o| OrderView {
                href: format!("/ops/merchants/{}/orders/{}", row.conversation.merchant_id, o.order_id),
                reference: o.short_reference.clone(),
                amount: lang.format_money(o.order_amount, &o.purchase_currency),
                status: lang.t(&format!(
                    "order-status-{}",
                    o.status.code().to_lowercase().replace('_', "-")
                )),
                at: format_time(o.created_at, PROVIDER_TZ),
            })
            .collect(),
        disputes: ctx
            .open_disputes
            .iter()
            .map(|d| DisputeView {
                href: format!("/ops/disputes/{}", d.dispute.id),
                id: d.dispute.id.clone(),
                stage: lang.t(&format!("dispute-stage-{}", d.dispute.stage.code().replace('_', "-"))),
                amount: lang.format_money(d.dispute.amount, &d.dispute.currency),
            })
            .collect(),
    };
    let canned = support_chat::canned_replies(&state.db, &actor)
        .await?
        .into_iter()
        .map(|c| CannedView {
            id: c.id,
            title: c.title,
            body: c.body,
        })
        .collect();
    let agents = support_chat::support_agents(&state.db, &actor)
        .await?
        .into_iter()
        .filter(|o| Some(o.id) != row.conversation.agent_id)
        .map(|o| AgentChoice { id: o.id, name: o.name })
        .collect();
    let error = query.error.as_deref().map(|code| lang.t(error_key(code)));
    Ok(render(&ChatTemplate {
        c: conversation_view(&page, &row, PROVIDER_TZ),
        user: row.user_name.clone(),
        email: row.user_email.clone(),
        waiting: row.conversation.state == kassa_core::support_chat::ConversationState::Waiting,
        mine,
        messages: messages
            .iter()
            .map(|m| message_view(lang, PROVIDER_TZ, Reader::Agent, m))
            .collect(),
        last_id,
        client_id: new_client_id(),
        attach_client_id: new_client_id(),
        attach_action: format!("/ops/support/{id}/attachments"),
        canned,
        agents,
        context,
        error,
        page,
    }))
}

/// Back to the conversation, with the refusal's words when there is one.
fn back(id: i64, result: Result<(), AppError>) -> Result<Response, WebError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/ops/support/{id}#latest")).into_response()),
        Err(e @ (AppError::Storage(_) | AppError::Internal(_) | AppError::NotFound(_) | AppError::Forbidden)) => {
            Err(e.into())
        }
        Err(e) => Ok(Redirect::to(&format!("/ops/support/{id}?error={}", error_code(&e))).into_response()),
    }
}

/// Tells everyone about a state change that was made (its system message), and the agents'
/// queue sockets.
async fn changed(state: &AppState, result: Result<support_chat::Changed, AppError>) -> Result<(), AppError> {
    let done = result?;
    state
        .chat
        .publish(HubEvent::Message {
            c: done.conversation_id,
            m: done.message_id,
        })
        .await;
    state.chat.publish(HubEvent::Queue).await;
    Ok(())
}

async fn claim(State(state): State<AppState>, operator: Operator, Path(id): Path<i64>) -> Result<Response, WebError> {
    let result = support_chat::claim(&state.db, &operator.actor(), id, now_ms()).await;
    back(id, changed(&state, result).await)
}

async fn close(State(state): State<AppState>, operator: Operator, Path(id): Path<i64>) -> Result<Response, WebError> {
    let result = support_chat::close_by_agent(&state.db, &operator.actor(), id, now_ms()).await;
    back(id, changed(&state, result).await)
}

#[derive(Deserialize)]
struct TransferForm {
    to: i64,
}

async fn transfer(
    State(state): State<AppState>,
    operator: Operator,
    Path(id): Path<i64>,
    Form(form): Form<TransferForm>,
) -> Result<Response, WebError> {
    let result = support_chat::transfer(&state.db, &operator.actor(), id, form.to, now_ms()).await;
    back(id, changed(&state, result).await)
}

#[derive(Deserialize)]
struct ReplyForm {
    client_id: String,
    #[serde(default)]
    body: String,
    /// A canned reply's id: its text is sent when the message box is empty.
    #[serde(default)]
    canned: String,
}

async fn reply(
    State(state): State<AppState>,
    operator: Operator,
    Path(id): Path<i64>,
    Form(form): Form<ReplyForm>,
) -> Result<Response, WebError> {
    let actor = operator.actor();
    let mut body = form.body;
    if body.trim().is_empty() {
        if let Ok(canned) = form.canned.trim().parse::<i64>() {
            body = support_chat::canned_reply(&state.db, &actor, canned).await?.body;
        }
    }
    let m = SendMessage {
        conversation: Some(id),
        client_id: &form.client_id,
        body: &body,
    };
    let mailer = chat_mailer(&state);
    let result = match support_chat::agent_reply(&state.db, &actor, id, &m, &mailer, now_ms()).await {
        Ok(sent) => {
            publish_sent(&state, &sent).await;
            Ok(())
        }
        Err(e) => Err(e),
    };
    back(id, result)
}

/// `POST /ops/support/{conversation}/attachments`: the agent sends a file (PDF, JPEG, PNG;
/// 7 MB), claiming the conversation while it waits. A refused file comes back as the
/// conversation with the reason, and nothing is stored.
async fn attach(
    State(state): State<AppState>,
    operator: Operator,
    Path(id): Path<i64>,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Response, WebError> {
    let actor = operator.actor();
    support_chat::readable(&state.db, &actor, id).await?;
    let form = read_upload(form).await?;
    if let Some(code) = file_refusal(form.file.as_ref()) {
        return Ok(Redirect::to(&format!("/ops/support/{id}?error={code}")).into_response());
    }
    let Some(file) = form.file else {
        return Ok(Redirect::to(&format!("/ops/support/{id}?error=file-empty")).into_response());
    };
    let m = SendMessage {
        conversation: Some(id),
        client_id: &form.client_id,
        body: &form.body,
    };
    let mailer = chat_mailer(&state);
    let result = match support_chat::agent_attach(&state.db, &state.objects, &actor, &m, file, &mailer, now_ms()).await
    {
        Ok(sent) => {
            publish_sent(&state, &sent).await;
            Ok(())
        }
        Err(e) => Err(e),
    };
    back(id, result)
}

/// `GET /ops/support/{conversation}/attachments/{file}`: a conversation's file, for agents.
async fn attachment(
    State(state): State<AppState>,
    operator: Operator,
    Path((id, file)): Path<(i64, String)>,
) -> Result<Response, WebError> {
    let (row, bytes) = support_chat::attachment(&state.db, &state.objects, &operator.actor(), id, &file).await?;
    Ok(chat_files::download(&row, bytes))
}

#[derive(Deserialize)]
struct CannedForm {
    title: String,
    body: String,
}

async fn add_canned(
    State(state): State<AppState>,
    operator: Operator,
    Form(form): Form<CannedForm>,
) -> Result<Response, WebError> {
    match support_chat::add_canned_reply(&state.db, &operator.actor(), &form.title, &form.body, now_ms()).await {
        Ok(_) => Ok(Redirect::to("/ops/support?notice=canned-added").into_response()),
        Err(AppError::Invalid(_)) => Ok(Redirect::to("/ops/support?error=canned").into_response()),
        Err(e) => Err(e.into()),
    }
}

async fn delete_canned(
    State(state): State<AppState>,
    operator: Operator,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    // Deleting one that is gone already is no error: the list shows the outcome.
    match support_chat::delete_canned_reply(&state.db, &operator.actor(), id).await {
        Ok(()) | Err(AppError::NotFound(_)) => Ok(Redirect::to(HOME).into_response()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct HoursForm {
    timezone: String,
    hours: String,
}

async fn set_hours(
    State(state): State<AppState>,
    operator: Operator,
    Form(form): Form<HoursForm>,
) -> Result<Response, WebError> {
    match support_chat::set_opening_hours(&state.db, &operator.actor(), &form.timezone, &form.hours).await {
        Ok(_) => Ok(Redirect::to("/ops/support?notice=hours-saved").into_response()),
        Err(AppError::Invalid(_)) => Ok(Redirect::to("/ops/support?error=hours").into_response()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct WsQuery {
    conversation: i64,
    #[serde(default)]
    after: i64,
}

/// The agent's live socket on one conversation, from our own pages only.
async fn ws(
    State(state): State<AppState>,
    operator: Operator,
    Query(q): Query<WsQuery>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Result<Response, WebError> {
    if !same_origin(&headers, &state.config) {
        return Err(WebError::Forbidden);
    }
    let actor = operator.actor();
    support_chat::readable(&state.db, &actor, q.conversation).await?;
    let party = Party {
        actor,
        reader: Reader::Agent,
        name: operator.name.clone(),
        lang: operator.lang,
        timezone: PROVIDER_TZ.to_owned(),
    };
    Ok(upgrade.on_upgrade(move |socket| chat_ws::serve(socket, state, party, q.conversation, q.after)))
}

/// What the queue socket sends: the waiting conversations' ids, the queue as HTML and its
/// digest (the page keeps what it shows when the digest is the same).
#[derive(Serialize)]
struct QueueFrame<'a> {
    t: &'static str,
    ids: &'a [i64],
    html: &'a str,
    key: &'a str,
}

/// The agents' live queue, from our own pages only.
async fn queue_ws(
    State(state): State<AppState>,
    operator: Operator,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Result<Response, WebError> {
    if !same_origin(&headers, &state.config) {
        return Err(WebError::Forbidden);
    }
    Ok(upgrade.on_upgrade(move |socket| serve_queue(socket, state, operator)))
}

/// How often the queue is sent again even when nothing changed: its wait times move on.
const QUEUE_REFRESH: Duration = Duration::from_secs(30);

async fn serve_queue(mut socket: WebSocket, state: AppState, operator: Operator) {
    let mut events = state.chat.subscribe_queue();
    state.chat.ready(Duration::from_secs(5)).await;
    let page = operator.page(Some(HOME), "ops-livechat-title", HOME);
    let mut refresh = tokio::time::interval(QUEUE_REFRESH);
    refresh.tick().await;
    if send_queue(&mut socket, &state, &operator, &page).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => continue,
            },
            event = events.recv() => {
                if matches!(event, Err(RecvError::Closed)) {
                    break;
                }
                // One reload answers every change that is already waiting.
                while events.try_recv().is_ok() {}
                if send_queue(&mut socket, &state, &operator, &page).await.is_err() {
                    break;
                }
            }
            _ = refresh.tick() => {
                if send_queue(&mut socket, &state, &operator, &page).await.is_err() {
                    break;
                }
            }
        }
    }
}

/// Sends the queue as it is now; a failure to load it is logged and skipped (the next
/// change or refresh tries again).
async fn send_queue(
    socket: &mut WebSocket,
    state: &AppState,
    operator: &Operator,
    page: &Page,
) -> Result<(), axum::Error> {
    let q = match queue_now(state, operator, page).await {
        Ok(q) => q,
        Err(e) => {
            tracing::warn!(error = ?e, "loading the support queue failed");
            return Ok(());
        }
    };
    let frame = QueueFrame {
        t: "queue",
        ids: &q.ids,
        html: &q.html,
        key: &q.key,
    };
    let text = serde_json::to_string(&frame).expect("frames serialize");
    socket.send(Message::Text(text.into())).await
}
