//! Files in the support chat: a message of the user or an agent may carry one file, by the
//! rules of dispute evidence (kassa-core's `check_attachments`): PDF, JPEG or PNG as read
//! from the file's first bytes (never its name or the browser's type), at most 7 MB, not
//! empty. The file is checked, then stored in the file store outside any lock, then
//! recorded with its message in the message's transaction — which also counts it against
//! the sender's per-minute limit. A refused or repeated send removes the file it stored.
//!
//! A file is read only by who may read its conversation: the conversation's own user or a
//! support agent; for anyone else it does not exist.

use super::{agent, agent_reply_with, chat_user, not_found, readable, user_send_with, ChatMailer, SendMessage, Sent};
use crate::files::FileStore;
use crate::{Actor, AppError, AppResult, Missing};
use kassa_core::dispute::check_attachments;
use kassa_db::{ChatAttachmentRow, Db};

/// A file as uploaded.
#[derive(Debug, Clone)]
pub struct ChatUpload {
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// A checked file, already in the file store, to record with its message.
#[derive(Debug, Clone)]
pub(super) struct StoredChatFile {
    pub id: String,
    pub conversation_id: i64,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub object_key: String,
}

impl StoredChatFile {
    pub(super) fn row(&self, message_id: i64, now: i64) -> ChatAttachmentRow {
        ChatAttachmentRow {
            id: self.id.clone(),
            conversation_id: self.conversation_id,
            message_id,
            filename: self.filename.clone(),
            content_type: self.content_type.clone(),
            size_bytes: self.size_bytes,
            object_key: self.object_key.clone(),
            created_at: now,
        }
    }
}

/// Checks the file and puts it in the file store for `conversation_id`.
async fn store(files: &dyn FileStore, conversation_id: i64, upload: ChatUpload) -> AppResult<StoredChatFile> {
    let content_type = check_attachments([(upload.filename.as_str(), upload.bytes.as_slice())])
        .map_err(|e| AppError::invalid("file", e.to_string()))?[0];
    let id = format!("chf_{}", uuid::Uuid::new_v4().simple());
    let object_key = format!("support/{conversation_id}/{id}");
    let size_bytes = upload.bytes.len() as i64;
    files
        .put(&object_key, upload.bytes)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(StoredChatFile {
        id,
        conversation_id,
        filename: kassa_core::dispute::clean_filename(&upload.filename),
        content_type: content_type.to_owned(),
        size_bytes,
        object_key,
    })
}

/// Keeps the file only if its message was stored with it now.
async fn settle(files: &dyn FileStore, stored: &StoredChatFile, result: AppResult<Sent>) -> AppResult<Sent> {
    let keep = matches!(&result, Ok(sent) if !sent.duplicate);
    if !keep {
        if let Err(e) = files.delete(&stored.object_key).await {
            tracing::warn!(key = stored.object_key, error = %e, "could not remove a refused chat file");
        }
    }
    result
}

/// The conversation's user sends a file (with an optional text) to their conversation.
pub async fn user_attach(
    db: &Db,
    files: &dyn FileStore,
    actor: &Actor,
    m: &SendMessage<'_>,
    upload: ChatUpload,
    now: i64,
) -> AppResult<Sent> {
    chat_user(actor)?;
    let conversation_id = m.conversation.ok_or_else(not_found)?;
    // Only the conversation's own user gets to store a file for it.
    readable(db, actor, conversation_id).await?;
    let stored = store(files, conversation_id, upload).await?;
    let result = user_send_with(db, actor, m, Some(&stored), now).await;
    settle(files, &stored, result).await
}

/// A support agent sends a file (with an optional text) to `m.conversation`, claiming it
/// while it waits.
pub async fn agent_attach(
    db: &Db,
    files: &dyn FileStore,
    actor: &Actor,
    m: &SendMessage<'_>,
    upload: ChatUpload,
    mailer: &dyn ChatMailer,
    now: i64,
) -> AppResult<Sent> {
    agent(actor)?;
    let conversation_id = m.conversation.ok_or_else(not_found)?;
    readable(db, actor, conversation_id).await?;
    let stored = store(files, conversation_id, upload).await?;
    let result = agent_reply_with(db, actor, conversation_id, m, Some(&stored), mailer, now).await;
    settle(files, &stored, result).await
}

/// A file of a conversation the actor may read, and its bytes.
pub async fn attachment(
    db: &Db,
    files: &dyn FileStore,
    actor: &Actor,
    conversation_id: i64,
    attachment_id: &str,
) -> AppResult<(ChatAttachmentRow, Vec<u8>)> {
    readable(db, actor, conversation_id).await?;
    let row = db
        .chat_attachment(conversation_id, attachment_id)
        .await?
        .ok_or(AppError::NotFound(Missing::Other("attachment")))?;
    let bytes = files
        .get(&row.object_key)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((row, bytes))
}
