-- A store's balance sums its open entries by currency and type. This partial index holds
-- exactly those sums' inputs, so the balance is read from the index alone (no table rows)
-- and stays fast with a hundred thousand entries waiting for the next payout.
CREATE INDEX ledger_open_totals ON ledger_entries (store_id, currency, type, amount) WHERE payout_id IS NULL;
