-- Settlements: an append-only ledger of money events per store, payouts that close the open
-- entries, the store's settlement settings, and custom reports made in the background.

-- Whether refunds give back the percentage fee, an optional rolling reserve (a share of each
-- sale held back for some days), and how the store's CSV reports are written.
ALTER TABLE stores ADD COLUMN refunds_fees BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE stores ADD COLUMN reserve_bps INTEGER NOT NULL DEFAULT 0 CHECK (reserve_bps BETWEEN 0 AND 10000);
ALTER TABLE stores ADD COLUMN reserve_days INTEGER NOT NULL DEFAULT 0 CHECK (reserve_days BETWEEN 0 AND 365);
ALTER TABLE stores ADD COLUMN report_delimiter TEXT NOT NULL DEFAULT ';' CHECK (report_delimiter IN (';', ','));
ALTER TABLE stores ADD COLUMN report_bom BOOLEAN NOT NULL DEFAULT FALSE;
-- Chosen CSV columns in order, comma-separated; empty means Kassa's default set.
ALTER TABLE stores ADD COLUMN report_columns TEXT NOT NULL DEFAULT '';

CREATE TABLE payouts (
    id INTEGER PRIMARY KEY,
    store_id TEXT NOT NULL REFERENCES stores(id),
    currency TEXT NOT NULL,
    payment_reference TEXT NOT NULL UNIQUE,
    -- `scheduled` payouts close a schedule's period (one per store, currency and cut-off);
    -- `manual` ones were run by an operator or the playground test helper.
    kind TEXT NOT NULL CHECK (kind IN ('scheduled', 'manual')),
    period_end INTEGER NOT NULL,
    payout_date INTEGER NOT NULL,
    sale_amount INTEGER NOT NULL,
    fee_amount INTEGER NOT NULL,
    return_amount INTEGER NOT NULL,
    fee_refund_amount INTEGER NOT NULL,
    reversal_amount INTEGER NOT NULL,
    holdback_amount INTEGER NOT NULL,
    release_amount INTEGER NOT NULL,
    correction_amount INTEGER NOT NULL,
    charge_amount INTEGER NOT NULL,
    credit_amount INTEGER NOT NULL,
    commission_amount INTEGER NOT NULL,
    tax_amount INTEGER NOT NULL,
    repay_amount INTEGER NOT NULL,
    deposit_amount INTEGER NOT NULL,
    opening_debt INTEGER NOT NULL,
    closing_debt INTEGER NOT NULL,
    settlement_amount INTEGER NOT NULL CHECK (settlement_amount >= 0),
    entry_count INTEGER NOT NULL,
    iban TEXT NOT NULL,
    bic TEXT NOT NULL,
    account_holder TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX payouts_period ON payouts (store_id, currency, period_end) WHERE kind = 'scheduled';
CREATE INDEX payouts_store_date ON payouts (store_id, payout_date, id);
CREATE INDEX payouts_date ON payouts (payout_date, id);

-- Entries are written once. What an entry is (store, currency, type, amount, order) never
-- changes, and once a payout has closed it nothing does; the triggers below refuse it, and
-- every delete. A payout closing an entry sets payout_id; the demo seed dates its open
-- entries back with their orders.
CREATE TABLE ledger_entries (
    id INTEGER PRIMARY KEY,
    store_id TEXT NOT NULL REFERENCES stores(id),
    currency TEXT NOT NULL,
    type TEXT NOT NULL,
    detailed_type TEXT NOT NULL,
    -- As the Settlements API reports it: positive in the direction the type names.
    amount INTEGER NOT NULL,
    -- The entry's effect on the merchant's balance (amount with the type's sign).
    net INTEGER NOT NULL,
    vat_rate INTEGER,
    vat_amount INTEGER,
    order_id TEXT,
    short_order_id TEXT,
    capture_id TEXT,
    refund_id TEXT,
    merchant_reference1 TEXT,
    merchant_reference2 TEXT,
    merchant_capture_reference TEXT,
    merchant_refund_reference TEXT,
    purchase_country TEXT NOT NULL DEFAULT '',
    shipping_country TEXT,
    payment_method TEXT,
    sale_date INTEGER NOT NULL,
    capture_date INTEGER NOT NULL,
    comment TEXT,
    reversal_reference TEXT,
    -- A RELEASE names the HOLDBACK it releases.
    releases_entry_id INTEGER,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    payout_id INTEGER REFERENCES payouts(id)
);
CREATE INDEX ledger_open ON ledger_entries (store_id, created_at) WHERE payout_id IS NULL;
CREATE INDEX ledger_payout ON ledger_entries (payout_id, id);
CREATE INDEX ledger_order ON ledger_entries (order_id, id);
CREATE INDEX ledger_store ON ledger_entries (store_id, id);
CREATE INDEX ledger_holdbacks ON ledger_entries (store_id, created_at) WHERE type = 'HOLDBACK';
CREATE UNIQUE INDEX ledger_release_once ON ledger_entries (releases_entry_id) WHERE releases_entry_id IS NOT NULL;

CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger entries are never deleted');
END;
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE ON ledger_entries
WHEN OLD.payout_id IS NOT NULL
    OR NEW.id IS NOT OLD.id OR NEW.store_id IS NOT OLD.store_id OR NEW.currency IS NOT OLD.currency
    OR NEW.type IS NOT OLD.type OR NEW.detailed_type IS NOT OLD.detailed_type
    OR NEW.amount IS NOT OLD.amount OR NEW.net IS NOT OLD.net OR NEW.order_id IS NOT OLD.order_id
BEGIN
    SELECT RAISE(ABORT, 'ledger entries are append-only');
END;

-- Custom reports, made by a background job and kept for 30 days.
CREATE TABLE reports (
    id INTEGER PRIMARY KEY,
    store_id TEXT NOT NULL REFERENCES stores(id),
    kind TEXT NOT NULL CHECK (kind IN ('transactions', 'payouts_summary')),
    format TEXT NOT NULL CHECK (format IN ('csv', 'pdf')),
    date_from INTEGER NOT NULL,
    date_to INTEGER NOT NULL,
    language TEXT NOT NULL,
    created_by_user_id INTEGER REFERENCES users(id),
    created_by_name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'ready', 'failed')),
    progress INTEGER NOT NULL DEFAULT 0,
    object_key TEXT,
    size_bytes INTEGER,
    error TEXT,
    created_at INTEGER NOT NULL,
    finished_at INTEGER,
    expires_at INTEGER NOT NULL
);
CREATE INDEX reports_store ON reports (store_id, created_at);
