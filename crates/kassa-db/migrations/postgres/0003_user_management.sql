-- User management and account security: one-time tokens (invitations, password resets,
-- magic links, second-factor challenges), two-factor secrets and recovery codes.
ALTER TABLE users ADD COLUMN totp_pending_secret TEXT;
ALTER TABLE users ADD COLUMN two_factor_enabled_at BIGINT;
-- The last TOTP time step accepted, so a code cannot be used twice.
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;

-- Only a SHA-256 of each token is stored: a copy of the database opens no account.
CREATE TABLE user_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    purpose TEXT NOT NULL CHECK (purpose IN ('invitation', 'password_reset', 'magic_link', 'sign_in_challenge')),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX user_tokens_user ON user_tokens (user_id, purpose);

CREATE TABLE recovery_codes (
    code_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);

-- The audit log page filters a merchant's events by action and pages by id.
CREATE INDEX audit_events_merchant_id ON audit_events (merchant_id, id);
