-- Name search is a range (term <= name < term || U+10FFFF), which is a prefix match only
-- when text compares bytewise. A linguistic database collation (en_US.UTF-8, ICU) may order
-- names otherwise, so the lower-cased search column compares bytewise ("C") whatever the
-- database's default. (SQLite compares text bytewise already: its 0008 changes nothing.)
ALTER TABLE orders ALTER COLUMN customer_search TYPE TEXT COLLATE "C";
