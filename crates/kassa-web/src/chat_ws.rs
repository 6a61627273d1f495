//! One support chat WebSocket, for a merchant user (`/portal/support/chat/ws`) or a support
//! agent (`/ops/support/ws`): the same protocol on both, JSON text frames.
//!
//! The client connects with `?conversation=ID&after=N`, N the id of the last message it
//! has (0 for none), and first receives every message after N; from then on each message
//! as it is stored. It sends
//!
//! - `{"t":"send","client_id":"…","body":"…"}` — a message; the client id makes a resend
//!   (after a dropped connection) harmless: the stored message comes back, once.
//! - `{"t":"typing"}` and `{"t":"read","upto":ID}` — ephemeral, passed to the other side.
//!
//! and receives `{"t":"message",…}` (see [`MessageView`]), `{"t":"typing","name":…}`,
//! `{"t":"read","upto":…}` from the other side, and `{"t":"error","code":…,"client_id":…}`
//! for a message that was refused.

use crate::chat_hub::{ChatHub, HubEvent};
use crate::chat_mail::{message_text, MailChat};
use crate::shell::i18n::{format_time, Lang};
use crate::{now_ms, AppState};
use axum::extract::ws::{Message, WebSocket};
use kassa_app::support_chat::{self, Reader, SendMessage};
use kassa_app::{Actor, AppError};
use kassa_core::support_chat::{message_html, ChatRefusal};
use kassa_db::ChatMessageRow;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// A message as a page or a socket shows it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct MessageView {
    pub id: i64,
    pub client_id: String,
    /// `user`, `agent` or `system`.
    pub sender: String,
    pub name: String,
    /// The text as HTML: escaped, with http(s) links (kassa-core's `message_html`).
    pub html: String,
    pub at: String,
    /// For a system message, what happened: `claimed`, `transferred`, `closed`.
    pub event: Option<String>,
    /// Sent by the side that reads it.
    pub mine: bool,
    /// The file the message carries.
    pub attachment: Option<AttachmentView>,
}

/// A message's file as a download link.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct AttachmentView {
    pub href: String,
    pub name: String,
    /// `PDF`, `PNG`, `JPEG`.
    pub kind: String,
    pub size: String,
}

/// A file size in words a reader takes in at a glance: bytes, KB or MB.
pub(crate) fn size_words(bytes: i64) -> String {
    if bytes < 1024 {
        format!("{bytes} B")
    } else if bytes < 1024 * 1024 {
        format!("{} KB", (bytes + 1023) / 1024)
    } else {
        format!("{} MB", (bytes + 1024 * 1024 - 1) / (1024 * 1024))
    }
}

/// Where the reader downloads a conversation's file.
pub(crate) fn attachment_href(reader: Reader, conversation: i64, id: &str) -> String {
    match reader {
        Reader::User => format!("/portal/support/chat/{conversation}/attachments/{id}"),
        Reader::Agent => format!("/ops/support/{conversation}/attachments/{id}"),
    }
}

pub(crate) fn message_view(lang: Lang, timezone: &str, reader: Reader, m: &ChatMessageRow) -> MessageView {
    let mine = matches!(
        (reader, m.sender_kind.as_str()),
        (Reader::User, "user") | (Reader::Agent, "agent")
    );
    MessageView {
        id: m.id,
        client_id: m.client_id.clone(),
        sender: m.sender_kind.clone(),
        name: m.sender_name.clone(),
        // The file shows as its link, not in the text.
        html: if m.sender_kind == "system" {
            message_html(&message_text(lang, m))
        } else {
            message_html(&m.body)
        },
        at: format_time(m.created_at, timezone),
        event: (m.sender_kind == "system").then(|| m.body.clone()),
        mine,
        attachment: m.attachment_id.as_deref().map(|id| AttachmentView {
            href: attachment_href(reader, m.conversation_id, id),
            name: m.attachment_name.clone().unwrap_or_default(),
            kind: m
                .attachment_type
                .as_deref()
                .and_then(|t| t.rsplit('/').next())
                .unwrap_or_default()
                .to_ascii_uppercase(),
            size: size_words(m.attachment_size.unwrap_or(0)),
        }),
    }
}

#[derive(Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
enum ClientFrame {
    Send { client_id: String, body: String },
    Typing,
    Read { upto: i64 },
}

#[derive(Serialize)]
#[serde(tag = "t", rename_all = "snake_case")]
enum ServerFrame<'a> {
    Message(&'a MessageView),
    Typing { name: &'a str },
    Read { upto: i64 },
    Error { code: &'a str, client_id: Option<&'a str> },
}

/// The code of a refused message, for the client's words.
pub(crate) fn error_code(e: &AppError) -> &'static str {
    match e {
        AppError::Chat(ChatRefusal::RateLimited) => "rate-limited",
        AppError::Chat(ChatRefusal::Closed) => "closed",
        AppError::Chat(_) => "not-yours",
        AppError::Invalid(fields) if fields.iter().any(|f| f.message.contains("longer")) => "too-long",
        AppError::Invalid(fields) if fields.iter().any(|f| f.message.contains("empty")) => "empty",
        AppError::Invalid(_) => "invalid",
        AppError::NotFound(_) => "not-found",
        AppError::Forbidden => "forbidden",
        _ => "failed",
    }
}

/// Who is on the socket.
pub(crate) struct Party {
    pub actor: Actor,
    pub reader: Reader,
    pub name: String,
    pub lang: Lang,
    pub timezone: String,
}

impl Party {
    fn side(&self) -> &'static str {
        match self.reader {
            Reader::User => "user",
            Reader::Agent => "agent",
        }
    }
}

/// Sends a message as `party` and tells everyone.
pub(crate) async fn send_as(
    state: &AppState,
    party: &Party,
    conversation: i64,
    client_id: &str,
    body: &str,
) -> Result<support_chat::Sent, AppError> {
    let m = SendMessage {
        conversation: Some(conversation),
        client_id,
        body,
    };
    let now = now_ms();
    let sent = match party.reader {
        Reader::User => support_chat::user_send(&state.db, &party.actor, &m, now).await?,
        Reader::Agent => {
            let mailer = chat_mailer(state);
            support_chat::agent_reply(&state.db, &party.actor, conversation, &m, &mailer, now).await?
        }
    };
    publish_sent(state, &sent).await;
    Ok(sent)
}

/// Tells everyone about a message that was stored now, and the agents' queue when the
/// message started a conversation or took it out of the queue.
pub(crate) async fn publish_sent(state: &AppState, sent: &support_chat::Sent) {
    if sent.duplicate {
        return;
    }
    state
        .chat
        .publish(HubEvent::Message {
            c: sent.conversation_id,
            m: sent.message.id,
        })
        .await;
    if sent.started || sent.claimed {
        state.chat.publish(HubEvent::Queue).await;
    }
}

pub(crate) fn chat_mailer(state: &AppState) -> MailChat {
    MailChat {
        mailer: state.mailer.clone(),
        config: state.config.clone(),
    }
}

/// Serves one socket until either side closes it.
pub(crate) async fn serve(mut socket: WebSocket, state: AppState, party: Party, conversation: i64, after: i64) {
    let hub: ChatHub = state.chat.clone();
    let mut events = hub.subscribe(conversation);
    hub.ready(Duration::from_secs(5)).await;
    let mut last = after.max(0);
    if flush(&mut socket, &state, &party, conversation, &mut last)
        .await
        .is_err()
    {
        return;
    }
    let mut ping = tokio::time::interval(Duration::from_secs(25));
    ping.tick().await;
    loop {
        tokio::select! {
            incoming = socket.recv() => {
                let Some(Ok(frame)) = incoming else { break };
                let text = match frame {
                    Message::Text(t) => t,
                    Message::Close(_) => break,
                    _ => continue,
                };
                let Ok(frame) = serde_json::from_str::<ClientFrame>(text.as_str()) else {
                    if reply(&mut socket, &ServerFrame::Error { code: "invalid", client_id: None }).await.is_err() {
                        break;
                    }
                    continue;
                };
                match frame {
                    ClientFrame::Send { client_id, body } => {
                        match send_as(&state, &party, conversation, &client_id, &body).await {
                            Ok(_) => {
                                if flush(&mut socket, &state, &party, conversation, &mut last).await.is_err() {
                                    break;
                                }
                            }
                            Err(e) => {
                                if matches!(e, AppError::Storage(_) | AppError::Internal(_)) {
                                    tracing::error!(error = %e, "a chat message failed");
                                }
                                let frame = ServerFrame::Error { code: error_code(&e), client_id: Some(&client_id) };
                                if reply(&mut socket, &frame).await.is_err() {
                                    break;
                                }
                            }
                        }
                    }
                    ClientFrame::Typing => {
                        hub.publish(HubEvent::Typing { c: conversation, by: party.side().into(), name: party.name.clone() }).await;
                    }
                    ClientFrame::Read { upto } => {
                        if support_chat::mark_read(&state.db, &party.actor, conversation, upto).await.is_ok() {
                            hub.publish(HubEvent::Read { c: conversation, by: party.side().into(), upto }).await;
                        }
                    }
                }
            }
            event = events.recv() => {
                let result = match event {
                    Ok(HubEvent::Message { .. }) | Ok(HubEvent::Resync) | Err(RecvError::Lagged(_)) => {
                        flush(&mut socket, &state, &party, conversation, &mut last).await
                    }
                    Ok(HubEvent::Typing { by, name, .. }) if by != party.side() => {
                        reply(&mut socket, &ServerFrame::Typing { name: &name }).await
                    }
                    Ok(HubEvent::Read { by, upto, .. }) if by != party.side() => {
                        reply(&mut socket, &ServerFrame::Read { upto }).await
                    }
                    Ok(_) => Ok(()),
                    Err(RecvError::Closed) => break,
                };
                if result.is_err() {
                    break;
                }
            }
            _ = ping.tick() => {
                if socket.send(Message::Ping(Default::default())).await.is_err() {
                    break;
                }
            }
        }
    }
}

async fn reply(socket: &mut WebSocket, frame: &ServerFrame<'_>) -> Result<(), axum::Error> {
    let text = serde_json::to_string(frame).expect("frames serialize");
    socket.send(Message::Text(text.into())).await
}

/// Sends every message after `last` (and moves `last`).
async fn flush(
    socket: &mut WebSocket,
    state: &AppState,
    party: &Party,
    conversation: i64,
    last: &mut i64,
) -> Result<(), axum::Error> {
    loop {
        let rows = match support_chat::messages_after(&state.db, &party.actor, conversation, *last).await {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(error = %e, "loading chat messages failed");
                return Ok(());
            }
        };
        let full = rows.len() as i64 >= support_chat::PAGE;
        for m in &rows {
            let view = message_view(party.lang, &party.timezone, party.reader, m);
            reply(socket, &ServerFrame::Message(&view)).await?;
            *last = m.id;
        }
        if !full {
            return Ok(());
        }
    }
}
