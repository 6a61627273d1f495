-- A store's balance sums its open entries by currency and type. This partial index holds
-- exactly those sums' inputs, so the balance is read from the index alone (no table rows)
-- and stays fast with a hundred thousand entries waiting for the next payout.
CREATE INDEX ledger_open_totals ON ledger_entries (store_id, currency, type, amount) WHERE payout_id IS NULL;

-- Closing a payout sets payout_id on every entry it pays (100,000 in one statement for a big
-- store). The append-only guard now decides in its WHEN clause, evaluated without entering
-- PL/pgSQL, whether the function (which raises) runs at all — as SQLite's trigger does. What
-- it refuses is unchanged: any delete, any change of a closed entry or of what an entry is.
DROP TRIGGER ledger_entries_guard ON ledger_entries;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_entries_guard();
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE ON ledger_entries
    FOR EACH ROW
    WHEN (OLD.payout_id IS NOT NULL
        OR NEW.id IS DISTINCT FROM OLD.id OR NEW.store_id IS DISTINCT FROM OLD.store_id
        OR NEW.currency IS DISTINCT FROM OLD.currency OR NEW.type IS DISTINCT FROM OLD.type
        OR NEW.detailed_type IS DISTINCT FROM OLD.detailed_type OR NEW.amount IS DISTINCT FROM OLD.amount
        OR NEW.net IS DISTINCT FROM OLD.net OR NEW.order_id IS DISTINCT FROM OLD.order_id)
    EXECUTE FUNCTION ledger_entries_guard();
