-- Files attached to support chat messages (at most one per message), sent by the
-- conversation's user or an agent. The bytes live in the file store under `object_key`;
-- the content type was read from the file's first bytes, never from its name.

CREATE TABLE support_attachments (
    id TEXT PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES support_conversations(id),
    message_id INTEGER NOT NULL UNIQUE REFERENCES support_messages(id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    object_key TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX support_attachments_conversation ON support_attachments (conversation_id);
