-- Merchant API: credentials, orders (checkout and order management), captures, refunds,
-- the order timeline, idempotency keys, background jobs and recorded API calls.

CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY,
    store_id TEXT NOT NULL REFERENCES stores(id),
    username TEXT NOT NULL UNIQUE,
    -- HMAC-SHA256 of the password under the server's secret key; the password itself is
    -- shown once and never stored.
    secret_hash TEXT NOT NULL,
    prefix TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at INTEGER
);
CREATE INDEX api_keys_store ON api_keys (store_id);

CREATE TABLE orders (
    order_id TEXT PRIMARY KEY,
    store_id TEXT NOT NULL REFERENCES stores(id),
    short_reference TEXT NOT NULL,
    checkout_status TEXT NOT NULL,
    status TEXT,
    fraud_status TEXT,
    purchase_country TEXT NOT NULL,
    purchase_currency TEXT NOT NULL,
    locale TEXT NOT NULL,
    order_amount INTEGER NOT NULL,
    order_tax_amount INTEGER NOT NULL,
    original_order_amount INTEGER NOT NULL,
    captured_amount INTEGER NOT NULL DEFAULT 0,
    refunded_amount INTEGER NOT NULL DEFAULT 0,
    released INTEGER NOT NULL DEFAULT 0,
    merchant_reference1 TEXT,
    merchant_reference2 TEXT,
    customer_name TEXT NOT NULL DEFAULT '',
    customer_email TEXT NOT NULL DEFAULT '',
    payment_method TEXT,
    acknowledged INTEGER NOT NULL DEFAULT 0,
    -- The full order as the API shows it (lines, addresses, merchant URLs, options…);
    -- the columns above are the facts queries and invariants need.
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    completed_at INTEGER,
    last_modified_at INTEGER NOT NULL,
    checkout_expires_at INTEGER NOT NULL,
    expires_at INTEGER
);
CREATE INDEX orders_store_created ON orders (store_id, created_at);
CREATE INDEX orders_status_expires ON orders (status, expires_at);
CREATE UNIQUE INDEX orders_short_reference ON orders (short_reference);

CREATE TABLE captures (
    capture_id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders(order_id),
    seq INTEGER NOT NULL,
    captured_amount INTEGER NOT NULL,
    refunded_amount INTEGER NOT NULL DEFAULT 0,
    body TEXT NOT NULL,
    captured_at INTEGER NOT NULL
);
CREATE INDEX captures_order ON captures (order_id, seq);

CREATE TABLE refunds (
    refund_id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders(order_id),
    refunded_amount INTEGER NOT NULL,
    body TEXT NOT NULL,
    refunded_at INTEGER NOT NULL
);
CREATE INDEX refunds_order ON refunds (order_id, refunded_at);

CREATE TABLE order_events (
    id INTEGER PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders(order_id),
    at INTEGER NOT NULL,
    -- api_key, portal_user, system or shopper, and who exactly
    actor_kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    amount INTEGER,
    details TEXT
);
CREATE INDEX order_events_order ON order_events (order_id, id);

CREATE TABLE idempotency_keys (
    store_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    state TEXT NOT NULL,
    response_status INTEGER,
    response_headers TEXT,
    response_body TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (store_id, idempotency_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    -- One live job per (kind, key): a second schedule of the same push is a no-op.
    job_key TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '',
    run_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER,
    last_error TEXT,
    done_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX jobs_kind_key ON jobs (kind, job_key);
CREATE INDEX jobs_due ON jobs (done_at, run_at);

CREATE TABLE api_calls (
    id INTEGER PRIMARY KEY,
    store_id TEXT NOT NULL,
    api_key TEXT NOT NULL,
    at INTEGER NOT NULL,
    direction TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    status INTEGER NOT NULL,
    duration_us INTEGER NOT NULL,
    correlation_id TEXT NOT NULL,
    order_id TEXT,
    request_body TEXT,
    response_body TEXT
);
CREATE INDEX api_calls_store_at ON api_calls (store_id, at);
CREATE INDEX api_calls_order ON api_calls (order_id);
