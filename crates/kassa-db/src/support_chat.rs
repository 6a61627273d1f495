//! Live support chat: conversations, their messages, canned replies, opening hours, the
//! per-sender send counters of the rate limit, and PostgreSQL `LISTEN/NOTIFY` for live
//! delivery across processes.
//!
//! A change to a conversation is made in a transaction that holds its row
//! ([`Tx::lock_conversation`]); a message is stored once per `(conversation, client_id)`.

use crate::connect::Pool;
use crate::{on_pool, on_tx, on_writer, Db, DbError, Result, Tx};
use kassa_core::support_chat::ConversationState;
use kassa_core::support_search::SearchTerms;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ConversationRow {
    pub id: i64,
    pub merchant_id: i64,
    pub store_id: String,
    pub user_id: i64,
    #[sqlx(try_from = "String")]
    pub state: ConversationState,
    pub agent_id: Option<i64>,
    pub offline: bool,
    pub created_at: i64,
    pub claimed_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub last_message_at: i64,
    pub user_read_id: i64,
    pub agent_read_id: i64,
}

const CONVERSATION_COLUMNS: &str = "c.id, c.merchant_id, c.store_id, c.user_id, c.state, c.agent_id, c.offline, \
    c.created_at, c.claimed_at, c.closed_at, c.last_message_at, c.user_read_id, c.agent_read_id";

/// A conversation in a list, with the names around it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ConversationListRow {
    #[sqlx(flatten)]
    pub conversation: ConversationRow,
    pub user_name: String,
    pub user_email: String,
    pub user_language: String,
    pub user_timezone: String,
    pub store_name: String,
    pub merchant_name: String,
    pub agent_name: Option<String>,
}

const LIST_FROM: &str = "FROM support_conversations c \
    JOIN users u ON u.id = c.user_id \
    JOIN stores s ON s.id = c.store_id \
    JOIN merchants m ON m.id = c.merchant_id \
    LEFT JOIN operators o ON o.id = c.agent_id";

fn list_columns() -> String {
    format!(
        "{CONVERSATION_COLUMNS}, u.name AS user_name, u.email AS user_email, u.language AS user_language, u.timezone AS user_timezone, \
         s.name AS store_name, m.legal_name AS merchant_name, o.name AS agent_name"
    )
}

/// A conversation a search found, with the body of its best matching message (none when
/// only its names matched).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ConversationHit {
    #[sqlx(flatten)]
    pub row: ConversationListRow,
    pub matched_body: Option<String>,
}

/// One message of a conversation.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChatMessageRow {
    pub id: i64,
    pub conversation_id: i64,
    /// `user`, `agent` or `system`.
    pub sender_kind: String,
    pub sender_user_id: Option<i64>,
    pub sender_operator_id: Option<i64>,
    pub sender_name: String,
    pub body: String,
    pub client_id: String,
    pub created_at: i64,
    /// The file the message carries, if any (its id, name, detected type and size).
    pub attachment_id: Option<String>,
    pub attachment_name: Option<String>,
    pub attachment_type: Option<String>,
    pub attachment_size: Option<i64>,
}

/// Messages with their attachment: `sm` the message, `sa` its file.
const MESSAGE_SELECT: &str = "SELECT sm.id, sm.conversation_id, sm.sender_kind, sm.sender_user_id, \
    sm.sender_operator_id, sm.sender_name, sm.body, sm.client_id, sm.created_at, sa.id AS attachment_id, \
    sa.filename AS attachment_name, sa.content_type AS attachment_type, sa.size_bytes AS attachment_size \
    FROM support_messages sm LEFT JOIN support_attachments sa ON sa.message_id = sm.id";

/// A file attached to a chat message.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChatAttachmentRow {
    pub id: String,
    pub conversation_id: i64,
    pub message_id: i64,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub object_key: String,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewChatMessage<'a> {
    pub conversation_id: i64,
    pub sender_kind: &'a str,
    pub sender_user_id: Option<i64>,
    pub sender_operator_id: Option<i64>,
    pub sender_name: &'a str,
    pub body: &'a str,
    pub client_id: &'a str,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CannedReplyRow {
    pub id: i64,
    pub title: String,
    pub body: String,
}

#[derive(Debug, Clone)]
pub struct NewConversation<'a> {
    pub merchant_id: i64,
    pub store_id: &'a str,
    pub user_id: i64,
    pub offline: bool,
    pub now: i64,
}

/// Which side of a conversation read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatSide {
    User,
    Agent,
}

impl Tx {
    /// The conversation, held until the transaction ends (SQLite's one writer holds
    /// everything already).
    pub async fn lock_conversation(&mut self, id: i64) -> Result<Option<ConversationRow>> {
        let sql = format!("SELECT {CONVERSATION_COLUMNS} FROM support_conversations c WHERE c.id = $1");
        Ok(match self {
            Tx::Sqlite(t) => {
                sqlx::query_as::<_, ConversationRow>(&sql)
                    .bind(id)
                    .fetch_optional(t.flushed().await?)
                    .await?
            }
            Tx::Postgres(t) => {
                sqlx::query_as::<_, ConversationRow>(&format!("{sql} FOR UPDATE"))
                    .bind(id)
                    .fetch_optional(&mut **t)
                    .await?
            }
        })
    }

    /// The user's open conversation, held.
    pub async fn lock_open_conversation_of_user(&mut self, user_id: i64) -> Result<Option<ConversationRow>> {
        let sql = format!(
            "SELECT {CONVERSATION_COLUMNS} FROM support_conversations c WHERE c.user_id = $1 AND c.state <> 'closed'"
        );
        Ok(match self {
            Tx::Sqlite(t) => {
                sqlx::query_as::<_, ConversationRow>(&sql)
                    .bind(user_id)
                    .fetch_optional(t.flushed().await?)
                    .await?
            }
            Tx::Postgres(t) => {
                sqlx::query_as::<_, ConversationRow>(&format!("{sql} FOR UPDATE"))
                    .bind(user_id)
                    .fetch_optional(&mut **t)
                    .await?
            }
        })
    }

    /// A new waiting conversation; `Conflict` when the user already has an open one.
    pub async fn insert_conversation(&mut self, c: &NewConversation<'_>) -> Result<i64> {
        let sql = "INSERT INTO support_conversations (merchant_id, store_id, user_id, state, offline, created_at, \
                   last_message_at) VALUES ($1, $2, $3, 'waiting', $4, $5, $5) RETURNING id";
        on_tx!(self, t => sqlx::query_scalar::<_, i64>(sql)
            .bind(c.merchant_id)
            .bind(c.store_id)
            .bind(c.user_id)
            .bind(c.offline)
            .bind(c.now)
            .fetch_one(t)
            .await)
        .map_err(|e| DbError::from_insert(e, "an open conversation of this user"))
    }

    /// Writes back the changeable columns of a held conversation.
    pub async fn update_conversation(&mut self, c: &ConversationRow) -> Result<()> {
        let sql = "UPDATE support_conversations SET state = $2, agent_id = $3, offline = $4, claimed_at = $5, \
                   closed_at = $6, last_message_at = $7, user_read_id = $8, agent_read_id = $9 WHERE id = $1";
        on_tx!(self, t => sqlx::query(sql)
            .bind(c.id)
            .bind(c.state.code())
            .bind(c.agent_id)
            .bind(c.offline)
            .bind(c.claimed_at)
            .bind(c.closed_at)
            .bind(c.last_message_at)
            .bind(c.user_read_id)
            .bind(c.agent_read_id)
            .execute(t)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// The message a client already sent with `client_id`, if any.
    pub async fn chat_message_by_client_id(
        &mut self,
        conversation_id: i64,
        client_id: &str,
    ) -> Result<Option<ChatMessageRow>> {
        let sql = format!("{MESSAGE_SELECT} WHERE sm.conversation_id = $1 AND sm.client_id = $2");
        Ok(on_tx!(self, t => sqlx::query_as::<_, ChatMessageRow>(&sql)
            .bind(conversation_id)
            .bind(client_id)
            .fetch_optional(t)
            .await)?)
    }

    /// Counts one more message of `sender` in the window starting at `window_start`;
    /// returns the count including this one. Concurrent calls queue on the counter's row.
    pub async fn count_chat_send(&mut self, sender: &str, window_start: i64) -> Result<i64> {
        let sql = "INSERT INTO support_send_counts (sender, window_start, sent) VALUES ($1, $2, 1) \
                   ON CONFLICT (sender, window_start) DO UPDATE SET sent = support_send_counts.sent + 1 \
                   RETURNING sent";
        Ok(on_tx!(self, t => sqlx::query_scalar::<_, i64>(sql)
            .bind(sender)
            .bind(window_start)
            .fetch_one(t)
            .await)?)
    }

    /// Stores a message; `None` when one with its client id is there already.
    pub async fn insert_chat_message(&mut self, m: &NewChatMessage<'_>) -> Result<Option<i64>> {
        let sql = "INSERT INTO support_messages (conversation_id, sender_kind, sender_user_id, sender_operator_id, \
                   sender_name, body, client_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                   ON CONFLICT (conversation_id, client_id) DO NOTHING RETURNING id";
        Ok(on_tx!(self, t => sqlx::query_scalar::<_, i64>(sql)
            .bind(m.conversation_id)
            .bind(m.sender_kind)
            .bind(m.sender_user_id)
            .bind(m.sender_operator_id)
            .bind(m.sender_name)
            .bind(m.body)
            .bind(m.client_id)
            .bind(m.created_at)
            .fetch_optional(t)
            .await)?)
    }
}

impl Tx {
    /// Records the file a message carries.
    pub async fn insert_chat_attachment(&mut self, a: &ChatAttachmentRow) -> Result<()> {
        let sql = "INSERT INTO support_attachments (id, conversation_id, message_id, filename, content_type, \
                   size_bytes, object_key, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        on_tx!(self, t => sqlx::query(sql)
            .bind(&a.id)
            .bind(a.conversation_id)
            .bind(a.message_id)
            .bind(&a.filename)
            .bind(&a.content_type)
            .bind(a.size_bytes)
            .bind(&a.object_key)
            .bind(a.created_at)
            .execute(t)
            .await
            .map(|_| ()))?;
        Ok(())
    }
}

impl Db {
    /// A chat attachment, only if it belongs to `conversation_id`.
    pub async fn chat_attachment(&self, conversation_id: i64, id: &str) -> Result<Option<ChatAttachmentRow>> {
        let sql = "SELECT id, conversation_id, message_id, filename, content_type, size_bytes, object_key, created_at \
                   FROM support_attachments WHERE id = $1 AND conversation_id = $2";
        Ok(on_pool!(self, p => sqlx::query_as::<_, ChatAttachmentRow>(sql)
            .bind(id).bind(conversation_id).fetch_optional(p).await)?)
    }

    pub async fn conversation(&self, id: i64) -> Result<Option<ConversationListRow>> {
        let sql = format!("SELECT {} {LIST_FROM} WHERE c.id = $1", list_columns());
        Ok(on_pool!(self, p => sqlx::query_as::<_, ConversationListRow>(&sql).bind(id).fetch_optional(p).await)?)
    }

    pub async fn open_conversation_of_user(&self, user_id: i64) -> Result<Option<ConversationListRow>> {
        let sql = format!(
            "SELECT {} {LIST_FROM} WHERE c.user_id = $1 AND c.state <> 'closed'",
            list_columns()
        );
        Ok(on_pool!(self, p => sqlx::query_as::<_, ConversationListRow>(&sql).bind(user_id).fetch_optional(p).await)?)
    }

    /// The user's conversations, newest first.
    pub async fn conversations_of_user(&self, user_id: i64, limit: i64) -> Result<Vec<ConversationListRow>> {
        let sql = format!(
            "SELECT {} {LIST_FROM} WHERE c.user_id = $1 ORDER BY c.id DESC LIMIT $2",
            list_columns()
        );
        Ok(on_pool!(self, p => sqlx::query_as::<_, ConversationListRow>(&sql)
            .bind(user_id).bind(limit).fetch_all(p).await)?)
    }

    /// Waiting conversations, the longest waiting first.
    pub async fn support_queue(&self, limit: i64) -> Result<Vec<ConversationListRow>> {
        let sql = format!(
            "SELECT {} {LIST_FROM} WHERE c.state = 'waiting' ORDER BY c.created_at, c.id LIMIT $1",
            list_columns()
        );
        Ok(on_pool!(self, p => sqlx::query_as::<_, ConversationListRow>(&sql).bind(limit).fetch_all(p).await)?)
    }

    /// Open conversations claimed by `agent_id`, oldest first.
    pub async fn conversations_of_agent(&self, agent_id: i64) -> Result<Vec<ConversationListRow>> {
        let sql = format!(
            "SELECT {} {LIST_FROM} WHERE c.agent_id = $1 AND c.state = 'claimed' ORDER BY c.created_at, c.id",
            list_columns()
        );
        Ok(on_pool!(self, p => sqlx::query_as::<_, ConversationListRow>(&sql).bind(agent_id).fetch_all(p).await)?)
    }

    /// Conversations (any state) with a message holding every term, or whose user (name,
    /// email), store (id, name) or merchant (legal name) do: the best match first, then the
    /// newest activity (migration 0031). Each comes with its best matching message, if a
    /// message matched. `merchant_id` narrows it.
    pub async fn search_conversations(
        &self,
        terms: &SearchTerms,
        merchant_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<ConversationHit>> {
        let outer = format!(
            "SELECT {}, sm.body AS matched_body FROM best b \
             JOIN support_conversations c ON c.id = b.cid \
             JOIN users u ON u.id = c.user_id JOIN stores s ON s.id = c.store_id \
             JOIN merchants m ON m.id = c.merchant_id LEFT JOIN operators o ON o.id = c.agent_id \
             LEFT JOIN support_messages sm ON sm.id = b.mid \
             WHERE (CAST($2 AS BIGINT) IS NULL OR c.merchant_id = $2)",
            list_columns()
        );
        Ok(match &self.pool {
            // bm25(): lower is better. The FTS5 queries run materialized, as their own
            // statements (bm25 cannot run inside an aggregate); CROSS JOIN keeps the text
            // index the outer loop. Of one conversation's messages the best one is kept
            // (SQLite takes `mid` from the row of MIN(score)).
            Pool::Sqlite { read, .. } => {
                let sql = format!(
                    "WITH msg AS MATERIALIZED ( \
                       SELECT m.conversation_id AS cid, m.id AS mid, bm25(support_messages_text) AS score \
                       FROM support_messages_text CROSS JOIN support_messages m ON m.id = support_messages_text.rowid \
                       WHERE support_messages_text MATCH $1), \
                     names AS MATERIALIZED ( \
                       SELECT rowid AS cid, bm25(support_conversations_text) AS score \
                       FROM support_conversations_text WHERE support_conversations_text MATCH $1), \
                     hits AS (SELECT cid, mid, MIN(score) AS score FROM msg GROUP BY cid \
                              UNION ALL SELECT cid, NULL, score FROM names), \
                     best AS (SELECT cid, MAX(mid) AS mid, MIN(score) AS score FROM hits GROUP BY cid) \
                     {outer} ORDER BY b.score, c.last_message_at DESC, c.id DESC LIMIT $3"
                );
                sqlx::query_as::<_, ConversationHit>(&sql)
                    .bind(terms.fts5_query())
                    .bind(merchant_id)
                    .bind(limit)
                    .fetch_all(read)
                    .await?
            }
            // ts_rank(): higher is better.
            Pool::Postgres(p) => {
                let sql = format!(
                    "WITH q AS (SELECT to_tsquery('pg_catalog.simple', $1) AS q), \
                     msg AS (SELECT DISTINCT ON (m.conversation_id) m.conversation_id AS cid, m.id AS mid, \
                               ts_rank(m.body_search, q.q) AS score \
                             FROM support_messages m, q WHERE m.body_search @@ q.q \
                             ORDER BY m.conversation_id, score DESC, m.id DESC), \
                     hits AS (SELECT cid, mid, score FROM msg \
                              UNION ALL SELECT n.conversation_id, NULL::BIGINT, ts_rank(n.names_search, q.q) \
                              FROM support_conversation_names n, q WHERE n.names_search @@ q.q), \
                     best AS (SELECT cid, MAX(mid) AS mid, MAX(score) AS score FROM hits GROUP BY cid) \
                     {outer} ORDER BY b.score DESC, c.last_message_at DESC, c.id DESC LIMIT $3"
                );
                sqlx::query_as::<_, ConversationHit>(&sql)
                    .bind(terms.tsquery())
                    .bind(merchant_id)
                    .bind(limit)
                    .fetch_all(p)
                    .await?
            }
        })
    }

    /// Messages of a conversation with an id above `after`, oldest first, at most `limit`.
    pub async fn chat_messages_after(
        &self,
        conversation_id: i64,
        after: i64,
        limit: i64,
    ) -> Result<Vec<ChatMessageRow>> {
        let sql = format!("{MESSAGE_SELECT} WHERE sm.conversation_id = $1 AND sm.id > $2 ORDER BY sm.id LIMIT $3");
        Ok(on_pool!(self, p => sqlx::query_as::<_, ChatMessageRow>(&sql)
            .bind(conversation_id).bind(after).bind(limit).fetch_all(p).await)?)
    }

    pub async fn chat_message(&self, id: i64) -> Result<Option<ChatMessageRow>> {
        let sql = format!("{MESSAGE_SELECT} WHERE sm.id = $1");
        Ok(on_pool!(self, p => sqlx::query_as::<_, ChatMessageRow>(&sql).bind(id).fetch_optional(p).await)?)
    }

    /// Marks messages up to `upto` as read by `side` (never moves back).
    pub async fn mark_chat_read(&self, conversation_id: i64, side: ChatSide, upto: i64) -> Result<()> {
        let column = match side {
            ChatSide::User => "user_read_id",
            ChatSide::Agent => "agent_read_id",
        };
        let sql = format!(
            "UPDATE support_conversations SET {column} = CASE WHEN {column} < $2 THEN $2 ELSE {column} END \
             WHERE id = $1"
        );
        on_writer!(self, p => sqlx::query(&sql).bind(conversation_id).bind(upto).execute(p).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn canned_replies(&self) -> Result<Vec<CannedReplyRow>> {
        let sql = "SELECT id, title, body FROM support_canned_replies ORDER BY title, id";
        Ok(on_pool!(self, p => sqlx::query_as::<_, CannedReplyRow>(sql).fetch_all(p).await)?)
    }

    pub async fn canned_reply(&self, id: i64) -> Result<Option<CannedReplyRow>> {
        let sql = "SELECT id, title, body FROM support_canned_replies WHERE id = $1";
        Ok(on_pool!(self, p => sqlx::query_as::<_, CannedReplyRow>(sql).bind(id).fetch_optional(p).await)?)
    }

    pub async fn add_canned_reply(&self, title: &str, body: &str, operator_id: i64, now: i64) -> Result<i64> {
        let sql = "INSERT INTO support_canned_replies (title, body, created_by, created_at) VALUES ($1, $2, $3, $4) \
                   RETURNING id";
        Ok(on_writer!(self, p => sqlx::query_scalar::<_, i64>(sql)
            .bind(title).bind(body).bind(operator_id).bind(now).fetch_one(p).await)?)
    }

    pub async fn delete_canned_reply(&self, id: i64) -> Result<bool> {
        let sql = "DELETE FROM support_canned_replies WHERE id = $1";
        let done = on_writer!(self, p => sqlx::query(sql).bind(id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(done > 0)
    }

    /// The opening hours as stored: (timezone, schedule).
    pub async fn support_hours(&self) -> Result<(String, String)> {
        let sql = "SELECT timezone, hours FROM support_settings WHERE id = 1";
        let row = on_pool!(self, p => sqlx::query_as::<_, (String, String)>(sql).fetch_optional(p).await)?;
        Ok(row.unwrap_or_else(|| ("Europe/Stockholm".into(), "always".into())))
    }

    pub async fn set_support_hours(&self, timezone: &str, hours: &str) -> Result<()> {
        let sql = "INSERT INTO support_settings (id, timezone, hours) VALUES (1, $1, $2) \
                   ON CONFLICT (id) DO UPDATE SET timezone = excluded.timezone, hours = excluded.hours";
        on_writer!(self, p => sqlx::query(sql).bind(timezone).bind(hours).execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// The role code of `user_id` in `store_id`, if a member.
    pub async fn role_in_store(&self, user_id: i64, store_id: &str) -> Result<Option<String>> {
        let sql = "SELECT role FROM memberships WHERE user_id = $1 AND store_id = $2";
        Ok(
            on_pool!(self, p => sqlx::query_scalar::<_, String>(sql).bind(user_id).bind(store_id).fetch_optional(p).await)?,
        )
    }

    /// Sends `payload` to every process listening for chat events on this database
    /// (PostgreSQL); on SQLite, where one process serves, it does nothing.
    pub async fn support_notify(&self, payload: &str) -> Result<()> {
        if let Pool::Postgres(p) = &self.pool {
            sqlx::query("SELECT pg_notify('kassa_support_' || current_schema(), $1)")
                .bind(payload)
                .execute(p)
                .await?;
        }
        Ok(())
    }

    /// A listener for the payloads of [`Db::support_notify`] (PostgreSQL); `None` on SQLite.
    pub async fn support_listener(&self) -> Result<Option<SupportListener>> {
        let Pool::Postgres(p) = &self.pool else {
            return Ok(None);
        };
        let schema: String = sqlx::query_scalar("SELECT current_schema()::text").fetch_one(p).await?;
        let mut listener = sqlx::postgres::PgListener::connect_with(p).await?;
        listener.listen(&format!("kassa_support_{schema}")).await?;
        Ok(Some(SupportListener(listener)))
    }
}

/// Receives chat event payloads from every process on the same PostgreSQL database.
pub struct SupportListener(sqlx::postgres::PgListener);

impl SupportListener {
    /// The next payload. After a lost connection it reconnects (events sent meanwhile are
    /// lost: the caller tells its subscribers to catch up from the database).
    pub async fn recv(&mut self) -> Result<String> {
        Ok(self.0.recv().await?.payload().to_owned())
    }
}

#[cfg(test)]
mod tests {
    use kassa_core::support_search::{FOLD_FROM, FOLD_TO, PUNCTUATION};

    /// PostgreSQL's index folds text with the tables the search terms are folded with.
    #[test]
    fn the_postgres_folding_is_kassa_cores() {
        let migration = include_str!("../migrations/postgres/0031_support_search.sql");
        let from = format!("'{}{}'", PUNCTUATION.replace('\'', "''"), FOLD_FROM);
        let to = format!("'{}{}'", " ".repeat(PUNCTUATION.chars().count()), FOLD_TO);
        assert!(migration.contains(&from), "the migration translates {from}");
        assert!(migration.contains(&to), "the migration translates to {to}");
    }
}
