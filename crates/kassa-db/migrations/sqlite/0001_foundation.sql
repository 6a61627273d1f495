-- Foundation: tenancy, users, sessions, audit. Times are Unix milliseconds (UTC).
CREATE TABLE merchants (
    id INTEGER PRIMARY KEY,
    legal_name TEXT NOT NULL,
    org_number TEXT NOT NULL DEFAULT '',
    vat_id TEXT NOT NULL DEFAULT '',
    address_line TEXT NOT NULL DEFAULT '',
    postal_code TEXT NOT NULL DEFAULT '',
    city TEXT NOT NULL DEFAULT '',
    country TEXT NOT NULL DEFAULT '',
    onboarding TEXT NOT NULL CHECK (onboarding IN ('direct', 'partner', 'migrated')),
    require_two_factor INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
);

CREATE TABLE stores (
    id TEXT PRIMARY KEY,
    merchant_id INTEGER NOT NULL REFERENCES merchants(id),
    name TEXT NOT NULL,
    url TEXT NOT NULL DEFAULT '',
    country TEXT NOT NULL,
    currency TEXT NOT NULL,
    statement_descriptor TEXT NOT NULL DEFAULT '',
    environment TEXT NOT NULL CHECK (environment IN ('live', 'playground')),
    reservation_days INTEGER NOT NULL DEFAULT 28,
    fee_bps INTEGER NOT NULL DEFAULT 0,
    fee_fixed_minor INTEGER NOT NULL DEFAULT 0,
    payout_schedule TEXT NOT NULL DEFAULT 'daily',
    payout_day INTEGER,
    payout_iban TEXT NOT NULL DEFAULT '',
    payout_bic TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE INDEX stores_merchant ON stores (merchant_id);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    phone TEXT NOT NULL DEFAULT '',
    password_hash TEXT,
    totp_secret TEXT,
    language TEXT NOT NULL DEFAULT 'en',
    theme TEXT NOT NULL DEFAULT 'system' CHECK (theme IN ('system', 'light', 'dark')),
    timezone TEXT NOT NULL DEFAULT 'Europe/Stockholm',
    status TEXT NOT NULL CHECK (status IN ('invited', 'active', 'deactivated')),
    access_expires_at INTEGER,
    failed_sign_ins INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER,
    last_sign_in_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE memberships (
    user_id INTEGER NOT NULL REFERENCES users(id),
    store_id TEXT NOT NULL REFERENCES stores(id),
    role TEXT NOT NULL CHECK (role IN ('super_admin', 'admin', 'user', 'settlement', 'disputes', 'read_only', 'terminated', 'external')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, store_id)
);
CREATE INDEX memberships_store ON memberships (store_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    store_id TEXT NOT NULL REFERENCES stores(id),
    ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    merchant_id INTEGER REFERENCES merchants(id),
    actor_user_id INTEGER REFERENCES users(id),
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT '',
    before_json TEXT,
    after_json TEXT
);
CREATE INDEX audit_events_merchant_at ON audit_events (merchant_id, at);
CREATE INDEX audit_events_actor_at ON audit_events (actor_user_id, at);
