-- Order search by substring: order id, short reference, merchant references, customer name
-- and email. Kassa writes these fields, lower-cased and one per line, into search_text with
-- every order insert and update (order_text.rs), so case folds the same way on both
-- databases. Rows from before this migration are lower-cased here by SQLite's lower(), which
-- folds ASCII only; the next change of such an order writes Kassa's own folding.
ALTER TABLE orders ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
UPDATE orders SET search_text = lower(order_id || char(10) || short_reference || char(10) || coalesce(merchant_reference1, '')
    || char(10) || coalesce(merchant_reference2, '') || char(10) || customer_name || char(10) || customer_email);

-- FTS5 with the trigram tokenizer finds any substring of three characters or more. The
-- index reads its text from orders (external content, by rowid: orders has indexes, so even
-- VACUUM keeps its rowids). The text is lower-cased already, hence case_sensitive 1: no
-- second folding that could disagree with Kassa's.
CREATE VIRTUAL TABLE orders_text USING fts5(
    search_text,
    content = 'orders',
    tokenize = 'trigram case_sensitive 1'
);
INSERT INTO orders_text (orders_text) VALUES ('rebuild');

-- Kept in step with orders by triggers, inside the statement that changes the order. Most
-- order updates (captures, refunds, expiry) leave the text as it was and skip the index.
CREATE TRIGGER orders_text_insert AFTER INSERT ON orders BEGIN
    INSERT INTO orders_text (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
CREATE TRIGGER orders_text_delete AFTER DELETE ON orders BEGIN
    INSERT INTO orders_text (orders_text, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
END;
CREATE TRIGGER orders_text_update AFTER UPDATE OF search_text ON orders
WHEN old.search_text IS NOT new.search_text BEGIN
    INSERT INTO orders_text (orders_text, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
    INSERT INTO orders_text (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
