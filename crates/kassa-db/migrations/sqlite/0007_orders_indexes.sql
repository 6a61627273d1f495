-- Home counts and sums the authorizations expiring soon from this index alone (amounts
-- included), instead of reading every such order.
DROP INDEX orders_store_expiring;
CREATE INDEX orders_store_expiring ON orders (store_id, expires_at, order_amount, captured_amount)
    WHERE status IN ('AUTHORIZED', 'PART_CAPTURED') AND released = FALSE;

-- (store_id, created_at, order_id) serves everything this one did; one index less to
-- update on every order change.
DROP INDEX orders_store_created;
