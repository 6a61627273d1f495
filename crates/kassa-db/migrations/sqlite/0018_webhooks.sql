-- Signed webhooks: a store's endpoints, the events its changes raise (an outbox written in
-- the transaction of the change) and one delivery per event and subscribed endpoint (a job
-- leased like `jobs`, retried with backoff, in order per endpoint and order).

CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY,
    store_id TEXT NOT NULL REFERENCES stores(id),
    url TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    -- The subscribed event types as ',a,b,' (found with LIKE '%,<type>,%').
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    -- The secret before the last rotation; it signs too until previous_until.
    previous_secret TEXT,
    previous_until INTEGER,
    -- Enabled while disabled_at is NULL.
    disabled_at INTEGER,
    disabled_reason TEXT,
    -- The first failed delivery since the last success.
    failing_since INTEGER,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX webhook_endpoints_store ON webhook_endpoints (store_id, created_at);

CREATE TABLE webhook_events (
    id TEXT PRIMARY KEY,
    store_id TEXT NOT NULL REFERENCES stores(id),
    type TEXT NOT NULL,
    -- The order the event is about (orders and their disputes), for ordering and the logs.
    order_id TEXT,
    -- The object: an order id, a dispute id, a payout's payment reference, an endpoint id.
    object_id TEXT NOT NULL,
    -- The JSON body, rendered at the first delivery attempt and sent unchanged after.
    payload TEXT,
    created_at INTEGER NOT NULL
);

CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    event_id TEXT NOT NULL REFERENCES webhook_events(id),
    type TEXT NOT NULL,
    -- '' when the event concerns no order (payouts, tests).
    order_id TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    locked_until INTEGER,
    first_attempt_at INTEGER,
    last_attempt_at INTEGER,
    last_status INTEGER,
    last_error TEXT,
    -- The first 4 KB of the last response body.
    last_response TEXT,
    last_duration_ms INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (endpoint_id, order_id, id) WHERE state = 'pending';
