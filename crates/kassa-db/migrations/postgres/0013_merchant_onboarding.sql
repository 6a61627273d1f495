-- Merchant onboarding in the back office: a merchant's standing, a store's fee per payment
-- method and payout account holder, and Store ID allocation.

-- A suspended merchant keeps everything but reads only and takes no payments.
ALTER TABLE merchants ADD COLUMN status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended'));
ALTER TABLE merchants ADD COLUMN suspended_at BIGINT;
ALTER TABLE merchants ADD COLUMN suspension_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE merchants ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
UPDATE merchants SET updated_at = created_at;
-- The back office lists merchants by name (keyset pages over name, id).
CREATE INDEX merchants_name ON merchants (LOWER(legal_name), id);

-- The name on the payout bank account, which the bank checks against the IBAN.
ALTER TABLE stores ADD COLUMN payout_account_holder TEXT NOT NULL DEFAULT '';
ALTER TABLE stores ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
UPDATE stores SET updated_at = created_at;

-- What the provider charges a store per payment method (the methods the hosted checkout
-- offers). A method without a row costs nothing. Supersedes stores.fee_bps and
-- stores.fee_fixed_minor, which are copied here and no longer read.
CREATE TABLE store_fees (
    store_id TEXT NOT NULL REFERENCES stores(id),
    payment_method TEXT NOT NULL CHECK (payment_method IN ('CARD', 'PAY_IN_X', 'INVOICE')),
    bps BIGINT NOT NULL CHECK (bps BETWEEN 0 AND 10000),
    fixed_minor BIGINT NOT NULL CHECK (fixed_minor >= 0),
    PRIMARY KEY (store_id, payment_method)
);
INSERT INTO store_fees (store_id, payment_method, bps, fixed_minor)
    SELECT id, 'CARD', fee_bps, fee_fixed_minor FROM stores WHERE fee_bps <> 0 OR fee_fixed_minor <> 0;
INSERT INTO store_fees (store_id, payment_method, bps, fixed_minor)
    SELECT id, 'PAY_IN_X', fee_bps, fee_fixed_minor FROM stores WHERE fee_bps <> 0 OR fee_fixed_minor <> 0;
INSERT INTO store_fees (store_id, payment_method, bps, fixed_minor)
    SELECT id, 'INVOICE', fee_bps, fee_fixed_minor FROM stores WHERE fee_bps <> 0 OR fee_fixed_minor <> 0;

-- Store IDs are `M` + 6 digits, handed out in order and never reused: the one row holds
-- the last number handed out. Taking a number updates the row inside the store's own
-- transaction, so concurrent creations queue on it (PostgreSQL's row lock, SQLite's one
-- writer) and a rolled-back creation gives its number back. Numbers taken by hand (the
-- demo's M100001/M100002, tests' M2xxxxx) are skipped by the allocator.
CREATE TABLE store_id_counter (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_number BIGINT NOT NULL
);
INSERT INTO store_id_counter (id, last_number) VALUES (1, 100000);
