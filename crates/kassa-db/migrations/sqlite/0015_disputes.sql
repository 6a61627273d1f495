-- Disputes: a shopper's claim against a captured order, the requests and responses it goes
-- through, and the files a merchant sends with a response.

-- What losing a dispute costs the store, in minor units of its currency.
ALTER TABLE stores ADD COLUMN dispute_fee_minor INTEGER NOT NULL DEFAULT 0 CHECK (dispute_fee_minor >= 0);

CREATE TABLE disputes (
    id TEXT PRIMARY KEY,
    store_id TEXT NOT NULL REFERENCES stores(id),
    order_id TEXT NOT NULL REFERENCES orders(order_id),
    reason TEXT NOT NULL CHECK (reason IN ('goods_not_received', 'return', 'incorrect_invoice', 'already_paid',
        'faulty_goods', 'unauthorized_purchase', 'high_risk_order', 'other')),
    stage TEXT NOT NULL CHECK (stage IN ('inquiry', 'response_required', 'under_review', 'closed')),
    outcome TEXT CHECK (outcome IN ('won', 'lost', 'refunded', 'withdrawn')),
    amount INTEGER NOT NULL CHECK (amount > 0),
    currency TEXT NOT NULL,
    -- The deadline of the open request, while a response is required.
    deadline_at INTEGER,
    -- When the "3 days left" notice of the current deadline went out.
    reminded_at INTEGER,
    opened_by TEXT NOT NULL,
    opened_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    closed_at INTEGER
);
-- One open dispute per order at a time.
CREATE UNIQUE INDEX disputes_open_per_order ON disputes (order_id) WHERE stage <> 'closed';
CREATE INDEX disputes_store ON disputes (store_id, stage, deadline_at);
CREATE INDEX disputes_due ON disputes (deadline_at) WHERE stage = 'response_required';
CREATE INDEX disputes_opened ON disputes (opened_at, id);

-- Everything said in a dispute, in order: the shopper's claim, the provider's requests
-- (with the fields asked for and their deadline), the merchant's responses, decisions.
CREATE TABLE dispute_messages (
    id INTEGER PRIMARY KEY,
    dispute_id TEXT NOT NULL REFERENCES disputes(id),
    kind TEXT NOT NULL CHECK (kind IN ('claim', 'request', 'response', 'decision', 'note')),
    author_kind TEXT NOT NULL,
    author TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    -- Comma-separated names of what a request asks for (e.g. tracking_number,invoice).
    requested_fields TEXT NOT NULL DEFAULT '',
    deadline_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX dispute_messages_dispute ON dispute_messages (dispute_id, id);

CREATE TABLE dispute_attachments (
    id TEXT PRIMARY KEY,
    dispute_id TEXT NOT NULL REFERENCES disputes(id),
    message_id INTEGER NOT NULL REFERENCES dispute_messages(id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    size_bytes INTEGER NOT NULL,
    object_key TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX dispute_attachments_message ON dispute_attachments (message_id);
