-- Personal details (issue 15): email changes confirmed from the new address, and whether the
-- user has chosen a timezone (until then the browser's at sign-in is taken).

-- A requested email change. Only SHA-256s of the two emailed tokens are stored: the one sent
-- to the new address applies the change, the one sent to the old address cancels it while it
-- is pending. Each works once; a newer request retires the older.
CREATE TABLE email_changes (
    token_hash TEXT PRIMARY KEY,
    cancel_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users(id),
    old_email TEXT NOT NULL,
    new_email TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    outcome TEXT CHECK (outcome IN ('applied', 'cancelled', 'replaced', 'taken'))
);
CREATE INDEX email_changes_user ON email_changes (user_id, created_at);

-- When the user last chose a timezone; NULL: never, so the browser's offer at the next sign-in
-- is taken. Accounts that have signed in before keep the timezone they have.
ALTER TABLE users ADD COLUMN timezone_chosen_at INTEGER;
UPDATE users SET timezone_chosen_at = updated_at WHERE last_sign_in_at IS NOT NULL;
