-- Full-text search of support conversations (issue 16: every conversation searchable later):
-- the words of every message, and of each conversation's names (the user's name and email,
-- the Store ID and name, the merchant's legal name). Both indexes use the unicode61
-- tokenizer with diacritics removed, so "overforing" and "överföring" are one word, as on
-- PostgreSQL (support_search.rs in kassa-core).

-- Messages: the index reads its text from support_messages (external content, by id).
CREATE VIRTUAL TABLE support_messages_text USING fts5(
    body,
    content = 'support_messages',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO support_messages_text (support_messages_text) VALUES ('rebuild');

CREATE TRIGGER support_messages_text_insert AFTER INSERT ON support_messages BEGIN
    INSERT INTO support_messages_text (rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER support_messages_text_delete AFTER DELETE ON support_messages BEGIN
    INSERT INTO support_messages_text (support_messages_text, rowid, body) VALUES ('delete', old.id, old.body);
END;
CREATE TRIGGER support_messages_text_update AFTER UPDATE OF body ON support_messages
WHEN old.body IS NOT new.body BEGIN
    INSERT INTO support_messages_text (support_messages_text, rowid, body) VALUES ('delete', old.id, old.body);
    INSERT INTO support_messages_text (rowid, body) VALUES (new.id, new.body);
END;

-- Names: one row per conversation (rowid = its id), holding its own text, rewritten when
-- the user, the store or the merchant is renamed.
CREATE VIRTUAL TABLE support_conversations_text USING fts5(
    names,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO support_conversations_text (rowid, names)
    SELECT c.id, u.name || ' ' || u.email || ' ' || s.id || ' ' || s.name || ' ' || m.legal_name
    FROM support_conversations c
    JOIN users u ON u.id = c.user_id JOIN stores s ON s.id = c.store_id JOIN merchants m ON m.id = c.merchant_id;

CREATE TRIGGER support_conversations_text_insert AFTER INSERT ON support_conversations BEGIN
    INSERT INTO support_conversations_text (rowid, names)
        SELECT new.id, u.name || ' ' || u.email || ' ' || s.id || ' ' || s.name || ' ' || m.legal_name
        FROM users u, stores s, merchants m
        WHERE u.id = new.user_id AND s.id = new.store_id AND m.id = new.merchant_id;
END;
CREATE TRIGGER support_conversations_text_delete AFTER DELETE ON support_conversations BEGIN
    DELETE FROM support_conversations_text WHERE rowid = old.id;
END;
CREATE TRIGGER support_conversations_text_user AFTER UPDATE OF name, email ON users
WHEN old.name IS NOT new.name OR old.email IS NOT new.email BEGIN
    DELETE FROM support_conversations_text WHERE rowid IN (SELECT id FROM support_conversations WHERE user_id = new.id);
    INSERT INTO support_conversations_text (rowid, names)
        SELECT c.id, u.name || ' ' || u.email || ' ' || s.id || ' ' || s.name || ' ' || m.legal_name
        FROM support_conversations c
        JOIN users u ON u.id = c.user_id JOIN stores s ON s.id = c.store_id JOIN merchants m ON m.id = c.merchant_id
        WHERE c.user_id = new.id;
END;
CREATE TRIGGER support_conversations_text_store AFTER UPDATE OF name ON stores
WHEN old.name IS NOT new.name BEGIN
    DELETE FROM support_conversations_text WHERE rowid IN (SELECT id FROM support_conversations WHERE store_id = new.id);
    INSERT INTO support_conversations_text (rowid, names)
        SELECT c.id, u.name || ' ' || u.email || ' ' || s.id || ' ' || s.name || ' ' || m.legal_name
        FROM support_conversations c
        JOIN users u ON u.id = c.user_id JOIN stores s ON s.id = c.store_id JOIN merchants m ON m.id = c.merchant_id
        WHERE c.store_id = new.id;
END;
CREATE TRIGGER support_conversations_text_merchant AFTER UPDATE OF legal_name ON merchants
WHEN old.legal_name IS NOT new.legal_name BEGIN
    DELETE FROM support_conversations_text WHERE rowid IN (SELECT id FROM support_conversations WHERE merchant_id = new.id);
    INSERT INTO support_conversations_text (rowid, names)
        SELECT c.id, u.name || ' ' || u.email || ' ' || s.id || ' ' || s.name || ' ' || m.legal_name
        FROM support_conversations c
        JOIN users u ON u.id = c.user_id JOIN stores s ON s.id = c.store_id JOIN merchants m ON m.id = c.merchant_id
        WHERE c.merchant_id = new.id;
END;
