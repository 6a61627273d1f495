-- The provider back office: operators are a realm of their own, apart from merchant users,
-- with their own sessions. An operator session passes through stages: after the password,
-- `second_factor` (a TOTP code is due) or `enrol` (the provider requires two-factor and the
-- operator has none yet) before `signed_in`.
CREATE TABLE operators (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('ops_admin', 'onboarding', 'finance', 'risk', 'support')),
    password_hash TEXT,
    totp_secret TEXT,
    totp_pending_secret TEXT,
    totp_last_step INTEGER NOT NULL DEFAULT 0,
    language TEXT NOT NULL DEFAULT 'en',
    theme TEXT NOT NULL DEFAULT 'system' CHECK (theme IN ('system', 'light', 'dark')),
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'deactivated')),
    failed_sign_ins INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER,
    last_sign_in_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE operator_sessions (
    token_hash TEXT PRIMARY KEY,
    operator_id INTEGER NOT NULL REFERENCES operators(id),
    csrf_token TEXT NOT NULL,
    stage TEXT NOT NULL CHECK (stage IN ('second_factor', 'enrol', 'signed_in')),
    ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
CREATE INDEX operator_sessions_operator ON operator_sessions (operator_id);

-- Provider-wide policies, one row each (e.g. `operator_two_factor` = `required` | `off`).
CREATE TABLE provider_settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Operator actions live in the one audit log: with the merchant they touched (so that
-- merchant's admins see them) and the operator who did them (the operator audit log).
ALTER TABLE audit_events ADD COLUMN actor_operator_id INTEGER REFERENCES operators(id);
CREATE INDEX audit_events_operator ON audit_events (actor_operator_id, id);
