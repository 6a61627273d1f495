-- Company details the merchant keeps itself (Account settings → Company): a trading name,
-- a billing address (all empty: the registered one), and the support contact shown to
-- shoppers. Legal name, organisation number and VAT id are verified identities: the
-- merchant asks for a change, and the provider applies or declines it in the back office.

ALTER TABLE merchants ADD COLUMN trading_name TEXT NOT NULL DEFAULT '';
ALTER TABLE merchants ADD COLUMN billing_address_line TEXT NOT NULL DEFAULT '';
ALTER TABLE merchants ADD COLUMN billing_postal_code TEXT NOT NULL DEFAULT '';
ALTER TABLE merchants ADD COLUMN billing_city TEXT NOT NULL DEFAULT '';
ALTER TABLE merchants ADD COLUMN billing_country TEXT NOT NULL DEFAULT '';
ALTER TABLE merchants ADD COLUMN support_email TEXT NOT NULL DEFAULT '';
ALTER TABLE merchants ADD COLUMN support_phone TEXT NOT NULL DEFAULT '';

CREATE TABLE company_identity_requests (
    id INTEGER PRIMARY KEY,
    merchant_id INTEGER NOT NULL REFERENCES merchants(id),
    -- What the merchant asks for (normalised) and what it had when it asked.
    legal_name TEXT NOT NULL,
    org_number TEXT NOT NULL,
    vat_id TEXT NOT NULL,
    previous_legal_name TEXT NOT NULL,
    previous_org_number TEXT NOT NULL,
    previous_vat_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'applied', 'declined')),
    requested_by_user_id INTEGER REFERENCES users(id),
    requested_by TEXT NOT NULL,
    requested_at INTEGER NOT NULL,
    decided_by_operator_id INTEGER REFERENCES operators(id),
    decided_by TEXT NOT NULL DEFAULT '',
    decided_at INTEGER,
    decline_reason TEXT NOT NULL DEFAULT ''
);
-- At most one pending request per merchant, however many arrive at once.
CREATE UNIQUE INDEX company_identity_requests_pending ON company_identity_requests (merchant_id) WHERE status = 'pending';
CREATE INDEX company_identity_requests_merchant ON company_identity_requests (merchant_id, id);
CREATE INDEX company_identity_requests_status ON company_identity_requests (status, id);
