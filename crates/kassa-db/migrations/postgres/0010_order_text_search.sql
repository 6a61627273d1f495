-- Order search by substring: order id, short reference, merchant references, customer name
-- and email. Kassa writes these fields, lower-cased and one per line, into search_text with
-- every order insert and update (order_text.rs), so case folds the same way on both
-- databases. Rows from before this migration are lower-cased here by PostgreSQL's lower();
-- the next change of such an order writes Kassa's own folding.
ALTER TABLE orders ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
UPDATE orders SET search_text = lower(order_id || chr(10) || short_reference || chr(10) || coalesce(merchant_reference1, '')
    || chr(10) || coalesce(merchant_reference2, '') || chr(10) || customer_name || chr(10) || customer_email);

-- pg_trgm's GIN index finds LIKE '%term%' matches. Extensions belong to the database, not to
-- a schema, while Kassa may run in its own schema (tests run one per test, with only that
-- schema on the search_path). So the extension goes into public unless it is installed
-- already (wherever that is), a concurrent installation by another schema's migration is
-- tolerated, and the index names the operator class with its schema. Queries use LIKE, a
-- built-in operator, and need nothing of the extension on their search_path.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
EXCEPTION WHEN unique_violation OR duplicate_object THEN
    NULL;
END
$$;
DO $$
BEGIN
    EXECUTE format(
        'CREATE INDEX orders_search_text ON orders USING gin (search_text %I.gin_trgm_ops)',
        (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm')
    );
END
$$;
