-- Users are shared by merchants (one email, one account, memberships at several). Whether
-- someone may use a merchant's stores — invited and not yet accepted, deactivated, an
-- external user's end date — is that merchant's business alone, so it lives on the
-- memberships (kept equal across one merchant's stores), not on the shared user row. The
-- user row keeps the account's own life cycle: invited (no password yet) or active.
ALTER TABLE memberships ADD COLUMN status TEXT NOT NULL DEFAULT 'active'
    CHECK (status IN ('invited', 'active'));
-- Set while the merchant has deactivated the user; clearing it restores the status.
ALTER TABLE memberships ADD COLUMN deactivated_at BIGINT;
ALTER TABLE memberships ADD COLUMN access_expires_at BIGINT;

UPDATE memberships SET deactivated_at = (SELECT u.updated_at FROM users u WHERE u.id = memberships.user_id)
    WHERE user_id IN (SELECT id FROM users WHERE status = 'deactivated');
UPDATE memberships SET access_expires_at = (SELECT u.access_expires_at FROM users u WHERE u.id = memberships.user_id);
UPDATE users SET status = CASE WHEN password_hash IS NULL THEN 'invited' ELSE 'active' END
    WHERE status = 'deactivated';
UPDATE users SET access_expires_at = NULL;

-- An invitation is to one merchant: accepting it activates that merchant's memberships only.
ALTER TABLE user_tokens ADD COLUMN merchant_id BIGINT REFERENCES merchants(id);
