-- Nothing to do: SQLite compares text bytewise (BINARY) already, which name search needs.
-- The PostgreSQL migration of the same number makes its search column compare the same way.
SELECT 1;
