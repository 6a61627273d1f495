-- Developer Logs read a store's calls newest first, a page at a time (keyset on at, id),
-- optionally narrowed by one filter; each filter has an index that starts with the store and
-- ends with (at, id), so the first page of any filter is a short index range. Search by
-- correlation id uses its own index (order id has one since 0002). Retention deletes the
-- oldest calls in small batches through the index on `at`.
DROP INDEX api_calls_store_at;
CREATE INDEX api_calls_store_at_id ON api_calls (store_id, at, id);
CREATE INDEX api_calls_at ON api_calls (at);
CREATE INDEX api_calls_store_class ON api_calls (store_id, (status / 100), at, id);
CREATE INDEX api_calls_store_method ON api_calls (store_id, method, at, id);
CREATE INDEX api_calls_store_direction ON api_calls (store_id, direction, at, id);
CREATE INDEX api_calls_store_kind ON api_calls (store_id, kind, at, id);
CREATE INDEX api_calls_store_key ON api_calls (store_id, api_key, at, id);
CREATE INDEX api_calls_correlation ON api_calls (correlation_id);
