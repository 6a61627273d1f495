-- The portal's Orders section and Home: search indexes, maintained aggregates, and
-- per-user settings (such as the order-list columns).

-- Lower-cased customer name for prefix search with a plain index on both databases.
ALTER TABLE orders ADD COLUMN customer_search TEXT NOT NULL DEFAULT '';
UPDATE orders SET customer_search = lower(customer_name); -- ASCII-only on SQLite; rows written from now on are lower-cased by Kassa itself

CREATE INDEX orders_store_created_id ON orders (store_id, created_at, order_id);
CREATE INDEX orders_store_status_created ON orders (store_id, status, created_at, order_id);
CREATE INDEX orders_store_ref1 ON orders (store_id, merchant_reference1);
CREATE INDEX orders_store_ref2 ON orders (store_id, merchant_reference2);
CREATE INDEX orders_store_email ON orders (store_id, customer_email);
CREATE INDEX orders_store_customer ON orders (store_id, customer_search);
CREATE INDEX orders_store_expiring ON orders (store_id, expires_at) WHERE status IN ('AUTHORIZED', 'PART_CAPTURED') AND released = FALSE;

-- Uncaptured authorizations per store and currency, kept in step with every order change
-- in the same transaction, so Home never scans orders. Each change adds to one of 16
-- shards at random, so concurrent captures in one store do not queue on a single row.
CREATE TABLE store_totals (
    store_id TEXT NOT NULL,
    currency TEXT NOT NULL,
    shard INTEGER NOT NULL,
    uncaptured_amount INTEGER NOT NULL DEFAULT 0,
    uncaptured_count INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (store_id, currency, shard)
);

-- Completed sales per store, currency and UTC day, for the Home chart.
CREATE TABLE daily_sales (
    store_id TEXT NOT NULL,
    currency TEXT NOT NULL,
    day INTEGER NOT NULL,
    amount INTEGER NOT NULL DEFAULT 0,
    order_count INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (store_id, currency, day)
);

CREATE TABLE user_settings (
    user_id INTEGER NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (user_id, name)
);

INSERT INTO store_totals (store_id, currency, shard, uncaptured_amount, uncaptured_count)
SELECT store_id, purchase_currency, 0, SUM(order_amount - captured_amount), COUNT(*)
FROM orders WHERE status IN ('AUTHORIZED', 'PART_CAPTURED') AND released = FALSE
GROUP BY store_id, purchase_currency;

INSERT INTO daily_sales (store_id, currency, day, amount, order_count)
SELECT store_id, purchase_currency, completed_at / 86400000, SUM(original_order_amount), COUNT(*)
FROM orders WHERE completed_at IS NOT NULL
GROUP BY store_id, purchase_currency, completed_at / 86400000;
