-- Live support chat: conversations between a merchant's user and the provider's support
-- agents, their messages, canned replies, the provider's opening hours and the per-user
-- send counters behind the rate limit.

CREATE TABLE support_conversations (
    id INTEGER PRIMARY KEY,
    merchant_id INTEGER NOT NULL REFERENCES merchants(id),
    store_id TEXT NOT NULL REFERENCES stores(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    state TEXT NOT NULL CHECK (state IN ('waiting', 'claimed', 'closed')),
    agent_id INTEGER REFERENCES operators(id),
    -- Started outside opening hours: agents' replies are also emailed to the user.
    offline BOOLEAN NOT NULL DEFAULT FALSE,
    created_at INTEGER NOT NULL,
    claimed_at INTEGER,
    closed_at INTEGER,
    last_message_at INTEGER NOT NULL,
    -- The last message id each side has read.
    user_read_id INTEGER NOT NULL DEFAULT 0,
    agent_read_id INTEGER NOT NULL DEFAULT 0
);
-- One open conversation per user at a time.
CREATE UNIQUE INDEX support_conversations_open_per_user ON support_conversations (user_id) WHERE state <> 'closed';
CREATE INDEX support_conversations_queue ON support_conversations (state, created_at, id);
CREATE INDEX support_conversations_user ON support_conversations (user_id, id);
CREATE INDEX support_conversations_agent ON support_conversations (agent_id, state);

CREATE TABLE support_messages (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES support_conversations(id),
    sender_kind TEXT NOT NULL CHECK (sender_kind IN ('user', 'agent', 'system')),
    sender_user_id INTEGER REFERENCES users(id),
    sender_operator_id INTEGER REFERENCES operators(id),
    sender_name TEXT NOT NULL,
    body TEXT NOT NULL,
    -- Made by the sender's browser (or form): a message sent again is stored once.
    client_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (conversation_id, client_id)
);
CREATE INDEX support_messages_conversation ON support_messages (conversation_id, id);

-- Messages sent per sender and minute, for the rate limit.
CREATE TABLE support_send_counts (
    sender TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    sent INTEGER NOT NULL,
    PRIMARY KEY (sender, window_start)
);

CREATE TABLE support_canned_replies (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_by INTEGER REFERENCES operators(id),
    created_at INTEGER NOT NULL
);

-- The provider's opening hours (one row).
CREATE TABLE support_settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    timezone TEXT NOT NULL,
    hours TEXT NOT NULL
);
INSERT INTO support_settings (id, timezone, hours) VALUES (1, 'Europe/Stockholm', 'mon-fri 08:00-17:00');
