//! Live support chat between a merchant's user and the provider's support agents.
//!
//! A portal member (any role) starts a conversation by sending its first message; it waits
//! in the agents' queue until an operator with the `support` permission
//! ([`OpsPermission::AnswerSupport`]) claims it, answers, hands it to another agent or
//! closes it. Every message is stored once per client id (a browser that resends after a
//! dropped connection does not duplicate it), counted against its sender's per-minute
//! limit in the same transaction, and checked by kassa-core's message rules. A member reads
//! only their own conversations; state changes are stored as `system` messages, so a
//! client catching up after a reconnect sees them in order.
//!
//! Outside the provider's opening hours a conversation is marked `offline`: the user is
//! told that the answer comes by email, and each agent reply to it is emailed too
//! ([`ChatMailer`]).

mod attachments;

use attachments::StoredChatFile;
pub use attachments::{agent_attach, attachment, user_attach, ChatUpload};

use crate::{Actor, AppError, AppResult, Missing};
use kassa_core::dispute::Stage;
use kassa_core::ops_access::{ops_allows, OpsPermission};
use kassa_core::support_chat::{
    check_message, valid_client_id, ChatRefusal, Conversation, ConversationState, MessageProblem, OpeningHours,
    MESSAGES_PER_MINUTE, RATE_WINDOW_MS,
};
use kassa_core::support_search::SearchTerms;
use kassa_db::{
    CannedReplyRow, ChatMessageRow, ChatSide, ConversationHit, ConversationListRow, ConversationRow, Db, DbError,
    DisputeListRow, DisputeQuery, MerchantRow, NewChatMessage, NewConversation, OperatorRow, StoreOrderRow, StoreRow,
};
use std::future::Future;
use std::pin::Pin;

/// How many messages one read returns at most.
pub const PAGE: i64 = 500;

/// Sends the chat's emails; kassa-web implements it with its mailer.
pub trait ChatMailer: Send + Sync {
    /// The whole conversation to its user.
    fn transcript<'a>(
        &'a self,
        conversation: &'a ConversationListRow,
        messages: &'a [ChatMessageRow],
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

    /// An agent's reply to a conversation left outside opening hours.
    fn reply<'a>(
        &'a self,
        conversation: &'a ConversationListRow,
        message: &'a ChatMessageRow,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;
}

/// A portal member as a chat participant.
struct ChatUser {
    id: i64,
    merchant_id: i64,
    store_id: String,
}

fn chat_user(actor: &Actor) -> AppResult<ChatUser> {
    let id = actor.user_id.as_deref().and_then(|u| u.parse().ok());
    let merchant = actor.merchant_id.as_deref().and_then(|m| m.parse().ok());
    match (id, merchant, &actor.store_id, actor.operator_id) {
        (Some(id), Some(merchant_id), Some(store), None) => Ok(ChatUser {
            id,
            merchant_id,
            store_id: store.clone(),
        }),
        _ => Err(AppError::Forbidden),
    }
}

/// The operator's id, if they may answer support chats.
fn agent(actor: &Actor) -> AppResult<i64> {
    match (actor.operator_id, actor.operator_role) {
        (Some(id), Some(role)) if ops_allows(role, OpsPermission::AnswerSupport) => Ok(id),
        _ => Err(AppError::Forbidden),
    }
}

fn not_found() -> AppError {
    AppError::NotFound(Missing::Other("conversation"))
}

fn refused(r: ChatRefusal) -> AppError {
    AppError::Chat(r)
}

fn message_problem(p: MessageProblem) -> AppError {
    AppError::invalid("body", p.to_string())
}

/// The provider's opening hours as configured; a stored schedule that no longer reads
/// (it is checked when saved) counts as always open, logged.
pub async fn opening_hours(db: &Db) -> AppResult<OpeningHours> {
    let (tz, hours) = db.support_hours().await?;
    match OpeningHours::parse(&tz, &hours) {
        Ok(h) => Ok(h),
        Err(e) => {
            tracing::warn!(error = %e, "the stored support hours do not read; treating support as open");
            Ok(OpeningHours::parse("UTC", "always").expect("always reads"))
        }
    }
}

/// Whether live agents answer at `now` (Unix ms).
pub async fn is_open(db: &Db, now: i64) -> AppResult<bool> {
    let at = jiff::Timestamp::from_millisecond(now).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(opening_hours(db).await?.is_open(at))
}

/// Sets the opening hours (an operator who answers support).
pub async fn set_opening_hours(db: &Db, actor: &Actor, timezone: &str, hours: &str) -> AppResult<OpeningHours> {
    agent(actor)?;
    let parsed =
        OpeningHours::parse(timezone.trim(), hours.trim()).map_err(|e| AppError::invalid("hours", e.to_string()))?;
    db.set_support_hours(timezone.trim(), hours.trim()).await?;
    Ok(parsed)
}

/// What a send did: the message (new, or the one already stored under its client id).
#[derive(Debug, Clone)]
pub struct Sent {
    pub message: ChatMessageRow,
    pub conversation_id: i64,
    /// The message was there already (a resend).
    pub duplicate: bool,
    /// The send opened a new conversation.
    pub started: bool,
    /// The conversation was started outside opening hours.
    pub offline: bool,
    /// The send took a waiting conversation out of the queue (an agent's first reply).
    pub claimed: bool,
}

/// A message to send.
#[derive(Debug, Clone)]
pub struct SendMessage<'a> {
    /// The conversation to write to; `None`: the user's open one, or a new one.
    pub conversation: Option<i64>,
    pub client_id: &'a str,
    pub body: &'a str,
}

/// The message's text as stored; with a file attached it may be empty.
fn checked_input(m: &SendMessage<'_>, file: Option<&StoredChatFile>) -> AppResult<String> {
    if !valid_client_id(m.client_id) {
        return Err(AppError::invalid("client_id", "1 to 64 letters, digits, - or _"));
    }
    match check_message(m.body) {
        Err(MessageProblem::Empty) if file.is_some() => Ok(String::new()),
        checked => checked.map_err(message_problem),
    }
}

/// The start of the rate-limit window `now` falls in.
fn window(now: i64) -> i64 {
    now - now.rem_euclid(RATE_WINDOW_MS)
}

/// A merchant user sends a message: to their open conversation, or opening one.
pub async fn user_send(db: &Db, actor: &Actor, m: &SendMessage<'_>, now: i64) -> AppResult<Sent> {
    user_send_with(db, actor, m, None, now).await
}

async fn user_send_with(
    db: &Db,
    actor: &Actor,
    m: &SendMessage<'_>,
    file: Option<&StoredChatFile>,
    now: i64,
) -> AppResult<Sent> {
    let user = chat_user(actor)?;
    let body = checked_input(m, file)?;
    let name = db
        .user_by_id(user.id)
        .await?
        .map(|u| u.name)
        .ok_or(AppError::Forbidden)?;
    let open_now = is_open(db, now).await?;
    let mut tx = db.begin().await?;
    let (mut conv, started) = match m.conversation {
        Some(id) => {
            let c = tx
                .lock_conversation(id)
                .await?
                .filter(|c| c.user_id == user.id)
                .ok_or_else(not_found)?;
            (c, false)
        }
        None => match tx.lock_open_conversation_of_user(user.id).await? {
            Some(c) => (c, false),
            None => {
                let id = tx
                    .insert_conversation(&NewConversation {
                        merchant_id: user.merchant_id,
                        store_id: &user.store_id,
                        user_id: user.id,
                        offline: !open_now,
                        now,
                    })
                    .await
                    .map_err(|e| match e {
                        DbError::Conflict(what) => AppError::Conflict(what),
                        e => e.into(),
                    })?;
                (tx.lock_conversation(id).await?.ok_or_else(not_found)?, true)
            }
        },
    };
    if let Some(existing) = tx.chat_message_by_client_id(conv.id, m.client_id).await? {
        return Ok(Sent {
            conversation_id: conv.id,
            message: existing,
            duplicate: true,
            started: false,
            offline: conv.offline,
            claimed: false,
        });
    }
    Conversation {
        state: conv.state,
        agent: conv.agent_id,
    }
    .user_writes()
    .map_err(refused)?;
    if tx.count_chat_send(&format!("user:{}", user.id), window(now)).await? > MESSAGES_PER_MINUTE {
        return Err(refused(ChatRefusal::RateLimited));
    }
    if file.is_some_and(|f| f.conversation_id != conv.id) {
        return Err(not_found());
    }
    let new = NewChatMessage {
        conversation_id: conv.id,
        sender_kind: "user",
        sender_user_id: Some(user.id),
        sender_operator_id: None,
        sender_name: &name,
        body: &body,
        client_id: m.client_id,
        created_at: now,
    };
    let Some(id) = tx.insert_chat_message(&new).await? else {
        // Stored meanwhile by a concurrent resend; this attempt changes nothing.
        drop(tx);
        let existing = db
            .chat_messages_after(conv.id, 0, PAGE)
            .await?
            .into_iter()
            .find(|x| x.client_id == m.client_id)
            .ok_or_else(not_found)?;
        return Ok(Sent {
            conversation_id: conv.id,
            message: existing,
            duplicate: true,
            started: false,
            offline: conv.offline,
            claimed: false,
        });
    };
    if let Some(f) = file {
        tx.insert_chat_attachment(&f.row(id, now)).await?;
    }
    // Outside opening hours an open conversation's later messages are answered by email too.
    if !open_now && !conv.offline && conv.state == ConversationState::Waiting {
        conv.offline = true;
    }
    conv.last_message_at = now;
    conv.user_read_id = id;
    tx.update_conversation(&conv).await?;
    tx.commit().await?;
    let message = db.chat_message(id).await?.ok_or_else(not_found)?;
    Ok(Sent {
        conversation_id: conv.id,
        message,
        duplicate: false,
        started,
        offline: conv.offline,
        claimed: false,
    })
}

/// An agent answers (claiming a waiting conversation). A reply to a conversation left
/// outside opening hours is emailed to its user as well.
pub async fn agent_reply(
    db: &Db,
    actor: &Actor,
    conversation_id: i64,
    m: &SendMessage<'_>,
    mailer: &dyn ChatMailer,
    now: i64,
) -> AppResult<Sent> {
    agent_reply_with(db, actor, conversation_id, m, None, mailer, now).await
}

async fn agent_reply_with(
    db: &Db,
    actor: &Actor,
    conversation_id: i64,
    m: &SendMessage<'_>,
    file: Option<&StoredChatFile>,
    mailer: &dyn ChatMailer,
    now: i64,
) -> AppResult<Sent> {
    let agent_id = agent(actor)?;
    let body = checked_input(m, file)?;
    if file.is_some_and(|f| f.conversation_id != conversation_id) {
        return Err(not_found());
    }
    let name = agent_name(db, agent_id).await?;
    let mut tx = db.begin().await?;
    let mut conv = tx.lock_conversation(conversation_id).await?.ok_or_else(not_found)?;
    if let Some(existing) = tx.chat_message_by_client_id(conv.id, m.client_id).await? {
        return Ok(Sent {
            conversation_id: conv.id,
            message: existing,
            duplicate: true,
            started: false,
            offline: conv.offline,
            claimed: false,
        });
    }
    let before = Conversation {
        state: conv.state,
        agent: conv.agent_id,
    };
    let after = before.reply(agent_id).map_err(refused)?;
    if tx.count_chat_send(&format!("operator:{agent_id}"), window(now)).await? > MESSAGES_PER_MINUTE {
        return Err(refused(ChatRefusal::RateLimited));
    }
    if before.state == ConversationState::Waiting {
        system_message(&mut tx, conv.id, "claimed", &name, now).await?;
        conv.claimed_at = Some(now);
    }
    let new = NewChatMessage {
        conversation_id: conv.id,
        sender_kind: "agent",
        sender_user_id: None,
        sender_operator_id: Some(agent_id),
        sender_name: &name,
        body: &body,
        client_id: m.client_id,
        created_at: now,
    };
    let id = tx
        .insert_chat_message(&new)
        .await?
        .ok_or_else(|| AppError::Conflict("the message was sent already".into()))?;
    if let Some(f) = file {
        tx.insert_chat_attachment(&f.row(id, now)).await?;
    }
    let claimed = before.state == ConversationState::Waiting;
    conv.state = after.state;
    conv.agent_id = after.agent;
    conv.last_message_at = now;
    conv.agent_read_id = id;
    tx.update_conversation(&conv).await?;
    tx.commit().await?;
    let message = db.chat_message(id).await?.ok_or_else(not_found)?;
    if conv.offline {
        if let Some(row) = db.conversation(conv.id).await? {
            if let Err(e) = mailer.reply(&row, &message).await {
                tracing::warn!(error = %e, conversation = conv.id, "emailing a chat reply failed");
            }
        }
    }
    Ok(Sent {
        conversation_id: conv.id,
        message,
        duplicate: false,
        started: false,
        offline: conv.offline,
        claimed,
    })
}

async fn agent_name(db: &Db, id: i64) -> AppResult<String> {
    db.operator(id).await?.map(|o| o.name).ok_or(AppError::Forbidden)
}

/// A state change, stored in the conversation as a `system` message: its body is the
/// event's code (`claimed`, `transferred`, `closed`), its name the agent (or user) concerned.
async fn system_message(
    tx: &mut kassa_db::Tx,
    conversation_id: i64,
    code: &str,
    name: &str,
    now: i64,
) -> AppResult<i64> {
    let client_id = format!("system-{}", uuid::Uuid::new_v4().simple());
    let new = NewChatMessage {
        conversation_id,
        sender_kind: "system",
        sender_user_id: None,
        sender_operator_id: None,
        sender_name: name,
        body: code,
        client_id: &client_id,
        created_at: now,
    };
    tx.insert_chat_message(&new)
        .await?
        .ok_or_else(|| AppError::Internal("a system message id repeated".into()))
}

/// What a state change did: the system message that records it.
#[derive(Debug, Clone)]
pub struct Changed {
    pub conversation_id: i64,
    pub message_id: i64,
}

/// An agent takes a conversation from the queue.
pub async fn claim(db: &Db, actor: &Actor, conversation_id: i64, now: i64) -> AppResult<Changed> {
    let agent_id = agent(actor)?;
    let name = agent_name(db, agent_id).await?;
    let step = |c: Conversation| c.claim(agent_id);
    change_state(db, conversation_id, None, step, "claimed", &name, now).await
}

/// The agents a conversation can be handed to: active operators who answer support.
pub async fn support_agents(db: &Db, actor: &Actor) -> AppResult<Vec<OperatorRow>> {
    agent(actor)?;
    Ok(db
        .operators()
        .await?
        .into_iter()
        .filter(|o| o.active() && ops_allows(o.role, OpsPermission::AnswerSupport))
        .collect())
}

/// The holder (or, while it waits, any agent) hands a conversation to another support agent.
pub async fn transfer(db: &Db, actor: &Actor, conversation_id: i64, to: i64, now: i64) -> AppResult<Changed> {
    let agent_id = agent(actor)?;
    let target = db
        .operator(to)
        .await?
        .filter(|o| o.active() && ops_allows(o.role, OpsPermission::AnswerSupport))
        .ok_or_else(|| AppError::invalid("to", "not an active support agent"))?;
    let step = |c: Conversation| c.transfer(agent_id, to);
    change_state(db, conversation_id, None, step, "transferred", &target.name, now).await
}

/// An agent closes a conversation (theirs, or one still waiting).
pub async fn close_by_agent(db: &Db, actor: &Actor, conversation_id: i64, now: i64) -> AppResult<Changed> {
    let agent_id = agent(actor)?;
    let name = agent_name(db, agent_id).await?;
    let step = |c: Conversation| c.close_by_agent(agent_id);
    change_state(db, conversation_id, None, step, "closed", &name, now).await
}

/// The user ends their conversation.
pub async fn close_by_user(db: &Db, actor: &Actor, conversation_id: i64, now: i64) -> AppResult<Changed> {
    let user = chat_user(actor)?;
    let name = db.user_by_id(user.id).await?.map(|u| u.name).unwrap_or_default();
    let step = |c: Conversation| c.close_by_user();
    change_state(db, conversation_id, Some(user.id), step, "closed", &name, now).await
}

/// The one way a conversation changes state: locked (only `owner`'s, when given), moved by
/// kassa-core's rule `step`, stamped (claimed or closed at `now`), recorded as a system
/// message `kind` naming `name`, and written back, in one transaction.
async fn change_state(
    db: &Db,
    conversation_id: i64,
    owner: Option<i64>,
    step: impl FnOnce(Conversation) -> Result<Conversation, ChatRefusal>,
    kind: &str,
    name: &str,
    now: i64,
) -> AppResult<Changed> {
    let mut tx = db.begin().await?;
    let mut conv = tx
        .lock_conversation(conversation_id)
        .await?
        .filter(|c| owner.is_none_or(|user| c.user_id == user))
        .ok_or_else(not_found)?;
    let next = step(state_of(&conv)).map_err(refused)?;
    let closed = next.state == ConversationState::Closed;
    apply(&mut conv, next);
    if closed {
        conv.closed_at = Some(now);
    } else {
        conv.claimed_at = Some(now);
    }
    let message_id = system_message(&mut tx, conv.id, kind, name, now).await?;
    tx.update_conversation(&conv).await?;
    tx.commit().await?;
    Ok(Changed {
        conversation_id,
        message_id,
    })
}

fn state_of(c: &ConversationRow) -> Conversation {
    Conversation {
        state: c.state,
        agent: c.agent_id,
    }
}

fn apply(c: &mut ConversationRow, next: Conversation) {
    c.state = next.state;
    c.agent_id = next.agent;
}

/// Who reads a conversation: its own user, or a support agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    User,
    Agent,
}

/// A conversation the actor may read, and as which side. A member reads only their own
/// (anything else is "not found"); an operator needs the support permission.
pub async fn readable(db: &Db, actor: &Actor, conversation_id: i64) -> AppResult<(ConversationListRow, Reader)> {
    if actor.operator_id.is_some() {
        agent(actor)?;
        let c = db.conversation(conversation_id).await?.ok_or_else(not_found)?;
        return Ok((c, Reader::Agent));
    }
    let user = chat_user(actor)?;
    let c = db
        .conversation(conversation_id)
        .await?
        .filter(|c| c.conversation.user_id == user.id)
        .ok_or_else(not_found)?;
    Ok((c, Reader::User))
}

/// Messages after `after` of a conversation the actor may read, oldest first.
pub async fn messages_after(
    db: &Db,
    actor: &Actor,
    conversation_id: i64,
    after: i64,
) -> AppResult<Vec<ChatMessageRow>> {
    readable(db, actor, conversation_id).await?;
    Ok(db.chat_messages_after(conversation_id, after.max(0), PAGE).await?)
}

/// The user's open conversation, if any.
pub async fn open_conversation(db: &Db, actor: &Actor) -> AppResult<Option<ConversationListRow>> {
    let user = chat_user(actor)?;
    Ok(db.open_conversation_of_user(user.id).await?)
}

/// The user's conversations, newest first.
pub async fn my_conversations(db: &Db, actor: &Actor) -> AppResult<Vec<ConversationListRow>> {
    let user = chat_user(actor)?;
    Ok(db.conversations_of_user(user.id, 50).await?)
}

/// Marks the conversation read up to `upto` by the actor's side; returns that side.
pub async fn mark_read(db: &Db, actor: &Actor, conversation_id: i64, upto: i64) -> AppResult<Reader> {
    let (_, reader) = readable(db, actor, conversation_id).await?;
    let side = match reader {
        Reader::User => ChatSide::User,
        Reader::Agent => ChatSide::Agent,
    };
    db.mark_chat_read(conversation_id, side, upto).await?;
    Ok(reader)
}

/// Emails the whole conversation to its user (the user asks).
pub async fn email_transcript(db: &Db, actor: &Actor, conversation_id: i64, mailer: &dyn ChatMailer) -> AppResult<()> {
    let (c, reader) = readable(db, actor, conversation_id).await?;
    if reader != Reader::User {
        return Err(AppError::Forbidden);
    }
    let messages = db.chat_messages_after(conversation_id, 0, 10_000).await?;
    mailer
        .transcript(&c, &messages)
        .await
        .map_err(|e| AppError::Internal(format!("emailing the transcript failed: {e}")))
}

/// The agents' queue: waiting conversations, the longest waiting first.
pub async fn queue(db: &Db, actor: &Actor) -> AppResult<Vec<ConversationListRow>> {
    agent(actor)?;
    Ok(db.support_queue(200).await?)
}

/// The conversations the agent holds.
pub async fn mine(db: &Db, actor: &Actor) -> AppResult<Vec<ConversationListRow>> {
    let id = agent(actor)?;
    Ok(db.conversations_of_agent(id).await?)
}

/// Past and present conversations found by the words of `text` (full-text: see
/// [`kassa_core::support_search`]), the best match first; with the terms, for highlighting.
/// Text without a letter or digit finds nothing.
pub async fn search(db: &Db, actor: &Actor, text: &str) -> AppResult<(Vec<ConversationHit>, Option<SearchTerms>)> {
    agent(actor)?;
    let Some(terms) = SearchTerms::parse(text) else {
        return Ok((Vec::new(), None));
    };
    let hits = db.search_conversations(&terms, None, 100).await?;
    Ok((hits, Some(terms)))
}

pub async fn canned_replies(db: &Db, actor: &Actor) -> AppResult<Vec<CannedReplyRow>> {
    agent(actor)?;
    Ok(db.canned_replies().await?)
}

pub async fn canned_reply(db: &Db, actor: &Actor, id: i64) -> AppResult<CannedReplyRow> {
    agent(actor)?;
    db.canned_reply(id)
        .await?
        .ok_or(AppError::NotFound(Missing::Other("canned reply")))
}

pub async fn add_canned_reply(db: &Db, actor: &Actor, title: &str, body: &str, now: i64) -> AppResult<i64> {
    let id = agent(actor)?;
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 100 {
        return Err(AppError::invalid("title", "1 to 100 characters"));
    }
    let body = check_message(body).map_err(message_problem)?;
    Ok(db.add_canned_reply(title, &body, id, now).await?)
}

pub async fn delete_canned_reply(db: &Db, actor: &Actor, id: i64) -> AppResult<()> {
    agent(actor)?;
    if db.delete_canned_reply(id).await? {
        Ok(())
    } else {
        Err(AppError::NotFound(Missing::Other("canned reply")))
    }
}

/// What an agent sees beside a conversation, read-only.
#[derive(Debug, Clone)]
pub struct MerchantContext {
    pub merchant: Option<MerchantRow>,
    pub store: Option<StoreRow>,
    /// The user's role code in the conversation's store.
    pub role: Option<String>,
    pub orders: Vec<StoreOrderRow>,
    pub open_disputes: Vec<DisputeListRow>,
}

pub async fn merchant_context(db: &Db, actor: &Actor, c: &ConversationRow) -> AppResult<MerchantContext> {
    agent(actor)?;
    let stores = vec![c.store_id.clone()];
    let query = DisputeQuery {
        store_ids: stores.clone(),
        stages: vec![Stage::Inquiry, Stage::ResponseRequired, Stage::UnderReview],
        ..DisputeQuery::default()
    };
    Ok(MerchantContext {
        merchant: db.merchant(c.merchant_id).await?,
        store: db.store(&c.store_id).await?,
        role: db.role_in_store(c.user_id, &c.store_id).await?,
        orders: db.recent_orders_of_stores(&stores, None, 10).await?,
        open_disputes: db.disputes_page(&query, 0, 10).await?.0,
    })
}
