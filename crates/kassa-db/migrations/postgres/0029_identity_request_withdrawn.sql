-- A merchant may withdraw its own pending identity change request (issue 15): the status
-- 'withdrawn' joins the CHECK (named by PostgreSQL after the table and column).
ALTER TABLE company_identity_requests DROP CONSTRAINT company_identity_requests_status_check;
ALTER TABLE company_identity_requests ADD CONSTRAINT company_identity_requests_status_check
    CHECK (status IN ('pending', 'applied', 'declined', 'withdrawn'));
