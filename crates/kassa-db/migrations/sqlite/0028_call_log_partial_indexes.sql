-- Recording an API call updated nine indexes of api_calls (0019). The filters whose values
-- are common (a 2xx status, GET or POST, incoming, kind api) need no index of their own: their
-- first page is a short walk of api_calls_store_at_id. Their rare values (errors, other
-- methods, outgoing calls, pushes and webhooks) get partial indexes holding only those rows,
-- which the list query names with the same literal condition (call_log.rs). A successful
-- incoming API call now updates five indexes.
DROP INDEX api_calls_store_class;
DROP INDEX api_calls_store_method;
DROP INDEX api_calls_store_direction;
DROP INDEX api_calls_store_kind;
CREATE INDEX api_calls_store_class_rare ON api_calls (store_id, (status / 100), at, id)
    WHERE status < 200 OR status >= 300;
CREATE INDEX api_calls_store_method_rare ON api_calls (store_id, method, at, id)
    WHERE method NOT IN ('GET', 'POST');
CREATE INDEX api_calls_store_outgoing ON api_calls (store_id, direction, at, id)
    WHERE direction <> 'incoming';
CREATE INDEX api_calls_store_kind_rare ON api_calls (store_id, kind, at, id)
    WHERE kind <> 'api';
