-- Sorting the order list by amount walks an index instead of sorting the store.
CREATE INDEX orders_store_amount ON orders (store_id, order_amount, order_id);
