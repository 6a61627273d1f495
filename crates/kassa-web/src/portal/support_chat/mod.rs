//! Chat with the provider's support agents (`/portal/support/chat`).
//!
//! The page works without JavaScript: the history, a form that posts a message (its hidden
//! client id makes a re-posted form harmless) and a reload. `support-chat.js` turns it into
//! a live chat over the WebSocket at `/portal/support/chat/ws` (see `crate::chat_ws`).
//! Outside the provider's opening hours the page says that the answer comes by email.

mod section;
pub(crate) use section::section;

use crate::chat_files::{self, file_refusal, read_upload};
use crate::chat_hub::HubEvent;
use crate::chat_ws::{self, chat_mailer, error_code, message_view, publish_sent, MessageView, Party};
use crate::shell::extract::{Form, Path, Query};
use crate::shell::session::{same_origin, Member};
use crate::shell::views::{render, Page};
use crate::{now_ms, AppState, WebError};
use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Multipart, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use kassa_app::support_chat::{self, Reader, SendMessage};
use kassa_app::AppError;
use kassa_db::ConversationListRow;
use serde::Deserialize;

const HERE: &str = "/portal/support/chat";

/// The conversation shown on a chat page.
pub(crate) struct ConversationView {
    pub id: i64,
    pub state: String,
    pub open: bool,
    pub offline: bool,
    pub agent: Option<String>,
    pub started: String,
}

pub(crate) fn conversation_view(page: &Page, c: &ConversationListRow, timezone: &str) -> ConversationView {
    ConversationView {
        id: c.conversation.id,
        state: page.t(&format!("livechat-state-{}", c.conversation.state.code())),
        open: c.conversation.state.is_open(),
        offline: c.conversation.offline,
        agent: c.agent_name.clone(),
        started: crate::shell::i18n::format_time(c.conversation.created_at, timezone),
    }
}

pub(crate) struct PastView {
    pub href: String,
    pub started: String,
    pub state: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "support_chat.html")]
struct ChatTemplate {
    page: Page,
    open_now: bool,
    conversation: Option<ConversationView>,
    messages: Vec<MessageView>,
    last_id: i64,
    past: Vec<PastView>,
    client_id: String,
    attach_client_id: String,
    attach_action: String,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub(crate) struct PageQuery {
    conversation: Option<i64>,
    error: Option<String>,
    notice: Option<String>,
}

/// A fresh client id for a form: the same form posted twice stores one message.
pub(crate) fn new_client_id() -> String {
    format!("f-{}", uuid::Uuid::new_v4().simple())
}

/// Words for a refused message's code.
pub(crate) fn error_key(code: &str) -> &'static str {
    match code {
        "rate-limited" => "livechat-error-rate-limited",
        "closed" => "livechat-error-closed",
        "too-long" => "livechat-error-too-long",
        "empty" => "livechat-error-empty",
        "busy" => "livechat-error-busy",
        "file-too-large" => "livechat-error-file-too-large",
        "file-type" => "livechat-error-file-type",
        "file-empty" => "livechat-error-file-empty",
        _ => "livechat-error-failed",
    }
}

pub(crate) async fn page(
    State(state): State<AppState>,
    member: Member,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    let actor = member.actor();
    let notice = (q.notice.as_deref() == Some("transcript-sent")).then_some("livechat-transcript-sent");
    let page = Page::member(&member, None, "livechat-title", HERE).with_notice(notice);
    let tz = member.user.timezone.clone();
    let shown = match q.conversation {
        Some(id) => Some(support_chat::readable(&state.db, &actor, id).await?.0),
        None => support_chat::open_conversation(&state.db, &actor).await?,
    };
    let mut messages = Vec::new();
    let mut last_id = 0;
    if let Some(c) = &shown {
        let rows = support_chat::messages_after(&state.db, &actor, c.conversation.id, 0).await?;
        last_id = rows.last().map(|m| m.id).unwrap_or(0);
        messages = rows
            .iter()
            .map(|m| message_view(page.lang, &tz, Reader::User, m))
            .collect();
        if last_id > c.conversation.user_read_id {
            support_chat::mark_read(&state.db, &actor, c.conversation.id, last_id).await?;
            state
                .chat
                .publish(HubEvent::Read {
                    c: c.conversation.id,
                    by: "user".into(),
                    upto: last_id,
                })
                .await;
        }
    }
    let past = support_chat::my_conversations(&state.db, &actor)
        .await?
        .iter()
        .map(|c| PastView {
            href: format!("{HERE}?conversation={}", c.conversation.id),
            started: crate::shell::i18n::format_time(c.conversation.created_at, &tz),
            state: page.t(&format!("livechat-state-{}", c.conversation.state.code())),
            current: shown.as_ref().is_some_and(|s| s.conversation.id == c.conversation.id),
        })
        .collect();
    let error = q.error.as_deref().map(|code| page.t(error_key(code)));
    Ok(render(&ChatTemplate {
        open_now: support_chat::is_open(&state.db, now_ms()).await?,
        conversation: shown.as_ref().map(|c| conversation_view(&page, c, &tz)),
        messages,
        last_id,
        attach_action: shown
            .as_ref()
            .map(|c| format!("{HERE}/{}/attachments", c.conversation.id))
            .unwrap_or_default(),
        past,
        client_id: new_client_id(),
        attach_client_id: new_client_id(),
        error,
        page,
    }))
}

#[derive(Deserialize)]
pub(crate) struct SendForm {
    #[serde(default)]
    conversation: Option<String>,
    client_id: String,
    body: String,
}

/// The form's post: store the message, tell the agents, and show the chat again.
pub(crate) async fn send(State(state): State<AppState>, member: Member, Form(form): Form<SendForm>) -> Response {
    let conversation = form.conversation.as_deref().and_then(|c| c.trim().parse().ok());
    let m = SendMessage {
        conversation,
        client_id: &form.client_id,
        body: &form.body,
    };
    match support_chat::user_send(&state.db, &member.actor(), &m, now_ms()).await {
        Ok(sent) => {
            publish_sent(&state, &sent).await;
            Redirect::to(&format!("{HERE}?conversation={}#latest", sent.conversation_id)).into_response()
        }
        Err(AppError::NotFound(_)) => WebError::NotFound.into_response(),
        Err(e @ (AppError::Storage(_) | AppError::Internal(_) | AppError::Forbidden)) => {
            WebError::from(e).into_response()
        }
        Err(e) => {
            let code = match &e {
                AppError::Conflict(_) => "busy",
                e => error_code(e),
            };
            let back = match conversation {
                Some(id) => format!("{HERE}?conversation={id}&error={code}"),
                None => format!("{HERE}?error={code}"),
            };
            Redirect::to(&back).into_response()
        }
    }
}

/// `POST /portal/support/chat/{id}/attachments`: a file (PDF, JPEG, PNG; 7 MB) with an
/// optional text, from the page's upload form. A refused file comes back as the page with
/// the reason in the member's words, and nothing is stored.
pub(crate) async fn attach(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<i64>,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Response, WebError> {
    // Only the conversation's own user gets to send into it (anyone else: not found).
    support_chat::readable(&state.db, &member.actor(), id).await?;
    let form = read_upload(form).await?;
    let back = |code: &str| Redirect::to(&format!("{HERE}?conversation={id}&error={code}")).into_response();
    if let Some(code) = file_refusal(form.file.as_ref()) {
        return Ok(back(code));
    }
    let Some(file) = form.file else {
        return Ok(back("file-empty"));
    };
    let m = SendMessage {
        conversation: Some(id),
        client_id: &form.client_id,
        body: &form.body,
    };
    match support_chat::user_attach(&state.db, &state.objects, &member.actor(), &m, file, now_ms()).await {
        Ok(sent) => {
            publish_sent(&state, &sent).await;
            Ok(Redirect::to(&format!("{HERE}?conversation={id}#latest")).into_response())
        }
        Err(e @ (AppError::Storage(_) | AppError::Internal(_) | AppError::Forbidden | AppError::NotFound(_))) => {
            Err(e.into())
        }
        Err(e) => Ok(back(error_code(&e))),
    }
}

/// `GET /portal/support/chat/{id}/attachments/{attachment}`: a file of the member's own
/// conversation (anyone else's does not exist here).
pub(crate) async fn attachment(
    State(state): State<AppState>,
    member: Member,
    Path((id, attachment)): Path<(i64, String)>,
) -> Result<Response, WebError> {
    let (row, bytes) = support_chat::attachment(&state.db, &state.objects, &member.actor(), id, &attachment).await?;
    Ok(chat_files::download(&row, bytes))
}

pub(crate) async fn transcript(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let mailer = chat_mailer(&state);
    support_chat::email_transcript(&state.db, &member.actor(), id, &mailer).await?;
    Ok(Redirect::to(&format!("{HERE}?conversation={id}&notice=transcript-sent")).into_response())
}

pub(crate) async fn close(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    match support_chat::close_by_user(&state.db, &member.actor(), id, now_ms()).await {
        Ok(done) => {
            state
                .chat
                .publish(HubEvent::Message {
                    c: done.conversation_id,
                    m: done.message_id,
                })
                .await;
            state.chat.publish(HubEvent::Queue).await;
            Ok(Redirect::to(&format!("{HERE}?conversation={id}")).into_response())
        }
        Err(AppError::Chat(_)) => Ok(Redirect::to(&format!("{HERE}?conversation={id}&error=closed")).into_response()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub(crate) struct WsQuery {
    conversation: i64,
    #[serde(default)]
    after: i64,
}

/// The live chat's socket: the member's own conversation only, from our own pages only.
pub(crate) async fn ws(
    State(state): State<AppState>,
    member: Member,
    Query(q): Query<WsQuery>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Result<Response, WebError> {
    if !same_origin(&headers, &state.config) {
        return Err(WebError::Forbidden);
    }
    let actor = member.actor();
    support_chat::readable(&state.db, &actor, q.conversation).await?;
    let party = Party {
        actor,
        reader: Reader::User,
        name: member.user.name.clone(),
        lang: crate::shell::i18n::Lang::from_code(&member.user.language).unwrap_or(crate::shell::i18n::Lang::En),
        timezone: member.user.timezone.clone(),
    };
    Ok(upgrade.on_upgrade(move |socket| chat_ws::serve(socket, state, party, q.conversation, q.after)))
}

#[cfg(test)]
mod tests {
    /// The message ids built at run time exist.
    #[test]
    fn built_message_ids_exist() {
        let english = crate::shell::i18n::english_ids();
        for state in kassa_core::support_chat::ConversationState::ALL {
            let id = format!("livechat-state-{}", state.code());
            assert!(english.contains(&id), "{id}");
        }
        for event in ["claimed", "transferred", "closed"] {
            let id = format!("livechat-event-{event}");
            assert!(english.contains(&id), "{id}");
        }
        for code in [
            "rate-limited",
            "closed",
            "too-long",
            "empty",
            "busy",
            "failed",
            "not-yours",
            "file-too-large",
            "file-type",
            "file-empty",
        ] {
            assert!(english.contains(super::error_key(code)), "{code}");
        }
    }
}
