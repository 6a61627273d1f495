-- Full-text search of support conversations (issue 16: every conversation searchable later):
-- the words of every message, and of each conversation's names (the user's name and email,
-- the Store ID and name, the merchant's legal name), each as a tsvector with a GIN index.
--
-- The 'simple' configuration (no stemming: conversations are in any of Kassa's languages)
-- reads the text as support_search_text() leaves it: ASCII punctuation made spaces (so an
-- email address or a-b are separate words, as in SQLite's FTS5), Latin diacritics removed
-- and lower-cased (so "overforing" and "överföring" are one word, as SQLite's
-- remove_diacritics makes them). kassa-core's support_search.rs folds the search terms with
-- the same tables (PUNCTUATION, FOLD_FROM, FOLD_TO), and a test holds them equal.
CREATE FUNCTION support_search_text(t TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT pg_catalog.lower(pg_catalog.translate(t,
        '!"#$%&''()*+,-./:;<=>?@[\]^_`{|}~ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĨĩĪīĬĭĮįİĴĵĶķĹĺĻļĽľŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽž',
        '                                AAAAAACEEEEIIIINOOOOOUUUUYaaaaaaceeeeiiiinooooouuuuyyAaAaAaCcCcCcCcDdEeEeEeEeEeGgGgGgGgHhIiIiIiIiIJjKkLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtUuUuUuUuUuUuWwYyYZzZzZz'))
$$;

-- Messages: a generated column, kept in step by PostgreSQL itself (and filled for every
-- existing message as the column is added).
ALTER TABLE support_messages ADD COLUMN body_search tsvector
    GENERATED ALWAYS AS (to_tsvector('pg_catalog.simple'::regconfig, support_search_text(body))) STORED;
CREATE INDEX support_messages_body_search ON support_messages USING gin (body_search);

-- Names: one row per conversation, written when the conversation starts and rewritten when
-- its user, store or merchant is renamed. A table of its own, so that a rename never waits
-- for (or deadlocks with) a chat transaction that holds the conversation's row.
CREATE TABLE support_conversation_names (
    conversation_id BIGINT PRIMARY KEY REFERENCES support_conversations(id),
    names_search tsvector NOT NULL
);
CREATE INDEX support_conversation_names_search ON support_conversation_names USING gin (names_search);

CREATE FUNCTION support_names_search(conv_user BIGINT, conv_store TEXT, conv_merchant BIGINT) RETURNS tsvector
LANGUAGE sql STABLE AS $$
    SELECT coalesce((
        SELECT to_tsvector('pg_catalog.simple'::regconfig,
            support_search_text(concat_ws(' ', u.name, u.email, s.id, s.name, m.legal_name)))
        FROM users u, stores s, merchants m
        WHERE u.id = conv_user AND s.id = conv_store AND m.id = conv_merchant
    ), ''::tsvector)
$$;

INSERT INTO support_conversation_names (conversation_id, names_search)
    SELECT id, support_names_search(user_id, store_id, merchant_id) FROM support_conversations;

CREATE FUNCTION support_conversation_names_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO support_conversation_names (conversation_id, names_search)
        VALUES (NEW.id, support_names_search(NEW.user_id, NEW.store_id, NEW.merchant_id));
    RETURN NULL;
END
$$;
CREATE TRIGGER support_conversation_names_insert AFTER INSERT ON support_conversations
    FOR EACH ROW EXECUTE FUNCTION support_conversation_names_insert();

-- A rename of a user, store or merchant: the names of their conversations again.
CREATE FUNCTION support_conversation_names_rename() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'users' THEN
        UPDATE support_conversation_names n
            SET names_search = support_names_search(c.user_id, c.store_id, c.merchant_id)
            FROM support_conversations c WHERE c.id = n.conversation_id AND c.user_id = NEW.id;
    ELSIF TG_TABLE_NAME = 'stores' THEN
        UPDATE support_conversation_names n
            SET names_search = support_names_search(c.user_id, c.store_id, c.merchant_id)
            FROM support_conversations c WHERE c.id = n.conversation_id AND c.store_id = NEW.id;
    ELSE
        UPDATE support_conversation_names n
            SET names_search = support_names_search(c.user_id, c.store_id, c.merchant_id)
            FROM support_conversations c WHERE c.id = n.conversation_id AND c.merchant_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER support_conversation_names_user AFTER UPDATE OF name, email ON users
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.email IS DISTINCT FROM NEW.email)
    EXECUTE FUNCTION support_conversation_names_rename();
CREATE TRIGGER support_conversation_names_store AFTER UPDATE OF name ON stores
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION support_conversation_names_rename();
CREATE TRIGGER support_conversation_names_merchant AFTER UPDATE OF legal_name ON merchants
    FOR EACH ROW WHEN (OLD.legal_name IS DISTINCT FROM NEW.legal_name)
    EXECUTE FUNCTION support_conversation_names_rename();
