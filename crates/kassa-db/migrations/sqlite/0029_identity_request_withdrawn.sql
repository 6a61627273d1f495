-- A merchant may withdraw its own pending identity change request (issue 15): the status
-- 'withdrawn' joins the CHECK. SQLite cannot change a CHECK in place, so the table is
-- rebuilt with the same columns in the same order, its rows copied and its indexes made
-- again. Nothing references this table.
CREATE TABLE company_identity_requests_new (
    id INTEGER PRIMARY KEY,
    merchant_id INTEGER NOT NULL REFERENCES merchants(id),
    legal_name TEXT NOT NULL,
    org_number TEXT NOT NULL,
    vat_id TEXT NOT NULL,
    previous_legal_name TEXT NOT NULL,
    previous_org_number TEXT NOT NULL,
    previous_vat_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'applied', 'declined', 'withdrawn')),
    requested_by_user_id INTEGER REFERENCES users(id),
    requested_by TEXT NOT NULL,
    requested_at INTEGER NOT NULL,
    -- A decision of the provider names its operator; a withdrawal only the member (decided_by).
    decided_by_operator_id INTEGER REFERENCES operators(id),
    decided_by TEXT NOT NULL DEFAULT '',
    decided_at INTEGER,
    decline_reason TEXT NOT NULL DEFAULT ''
);
INSERT INTO company_identity_requests_new (id, merchant_id, legal_name, org_number, vat_id,
    previous_legal_name, previous_org_number, previous_vat_id, status, requested_by_user_id,
    requested_by, requested_at, decided_by_operator_id, decided_by, decided_at, decline_reason)
SELECT id, merchant_id, legal_name, org_number, vat_id, previous_legal_name, previous_org_number,
    previous_vat_id, status, requested_by_user_id, requested_by, requested_at,
    decided_by_operator_id, decided_by, decided_at, decline_reason
FROM company_identity_requests;
DROP TABLE company_identity_requests;
ALTER TABLE company_identity_requests_new RENAME TO company_identity_requests;
CREATE UNIQUE INDEX company_identity_requests_pending ON company_identity_requests (merchant_id) WHERE status = 'pending';
CREATE INDEX company_identity_requests_merchant ON company_identity_requests (merchant_id, id);
CREATE INDEX company_identity_requests_status ON company_identity_requests (status, id);
