-- Changing a store's payout bank account: a Super Admin asks (after password and TOTP), every
-- Super Admin of the merchant is emailed a confirmation link, and the change takes effect only
-- when one of them confirms it. Payouts then wait until `stores.payout_hold_until` (3 days),
-- and the provider's finance staff may block a change while it is pending.

CREATE TABLE bank_account_changes (
    id INTEGER PRIMARY KEY,
    merchant_id INTEGER NOT NULL REFERENCES merchants(id),
    store_id TEXT NOT NULL REFERENCES stores(id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'blocked', 'replaced')),
    iban TEXT NOT NULL,
    bic TEXT NOT NULL,
    account_holder TEXT NOT NULL,
    -- The account it replaces, as it was when asked.
    old_iban TEXT NOT NULL,
    old_bic TEXT NOT NULL,
    old_account_holder TEXT NOT NULL,
    requested_by INTEGER NOT NULL REFERENCES users(id),
    requested_at INTEGER NOT NULL,
    -- When its links stop working; a pending change past it is expired.
    expires_at INTEGER NOT NULL,
    decided_at INTEGER,
    confirmed_by INTEGER REFERENCES users(id),
    blocked_by INTEGER REFERENCES operators(id),
    hold_until INTEGER
);
-- One pending change per store: a new request replaces the old one.
CREATE UNIQUE INDEX bank_account_changes_pending ON bank_account_changes (store_id) WHERE status = 'pending';
CREATE INDEX bank_account_changes_store ON bank_account_changes (store_id, id);
CREATE INDEX bank_account_changes_recent ON bank_account_changes (requested_at, id);

-- One confirmation link per Super Admin of the change; only a SHA-256 of its token is kept.
CREATE TABLE bank_change_links (
    token_hash TEXT PRIMARY KEY,
    change_id INTEGER NOT NULL REFERENCES bank_account_changes(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    used_at INTEGER
);
CREATE INDEX bank_change_links_change ON bank_change_links (change_id);

-- Payouts of the store are not made before this time (Unix ms).
ALTER TABLE stores ADD COLUMN payout_hold_until INTEGER;
