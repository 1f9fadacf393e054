-- Golden psql session against the Rocksgres server (server_psql.rs).
-- The same script runs on a reference PostgreSQL 15; the outputs must match.
CREATE TABLE items (
    id integer PRIMARY KEY,
    name text,
    qty smallint,
    big bigint,
    price numeric(10,2),
    ratio double precision,
    ok boolean,
    day date,
    at timestamp,
    code varchar(8)
);
INSERT INTO items VALUES
    (1, 'apple', 3, 9000000000, 1.50, 0.25, true, '2024-01-02', '2024-01-02 03:04:05', 'A1'),
    (2, 'banana', NULL, NULL, 0.99, NULL, false, NULL, NULL, NULL),
    (3, NULL, 7, -1, NULL, 1.5, NULL, '1999-12-31', '2000-01-01 00:00:00.5', 'C3');
INSERT INTO items (id, name) VALUES (4, 'quote''s "x"');
SELECT * FROM items ORDER BY id;
SELECT id, name IS NULL AS no_name, qty * 2 AS double_qty FROM items WHERE id < 4 ORDER BY id DESC;
SELECT count(*), sum(qty), max(price) FROM items;
UPDATE items SET qty = qty + 1 WHERE qty IS NOT NULL;
DELETE FROM items WHERE id = 2;
SELECT id, qty FROM items ORDER BY id;
-- A transaction rolled back
BEGIN;
INSERT INTO items (id, name) VALUES (10, 'temp');
SELECT count(*) FROM items;
ROLLBACK;
SELECT count(*) FROM items;
-- An error inside a transaction aborts it
BEGIN;
UPDATE items SET name = 'changed' WHERE id = 1;
INSERT INTO items (id, name) VALUES (1, 'duplicate');
SELECT 1;
COMMIT;
SELECT name FROM items WHERE id = 1;
-- Errors outside a transaction
SELECT * FROM no_such_table;
SELECT 1/0;
-- COPY both ways
CREATE TABLE notes (id int, body text, n numeric);
\copy notes from stdin
1	plain	1.5
2	tab\there	\N
3	back\\slash	-2
\.
\copy notes to stdout
\copy notes from stdin with (format csv)
4,"comma, and ""quotes""",
5,,7
\.
\copy (SELECT id, body FROM notes WHERE id > 3 ORDER BY id) to stdout with (format csv, header)
SELECT * FROM notes ORDER BY id;
-- A failing COPY is atomic
\copy notes from stdin
6	ok	1
7	bad	not-a-number
\.
SELECT count(*) FROM notes;
DROP TABLE notes;
DROP TABLE items;
-- Everyday DDL: notices and warnings, comments in \d+ and \dt+
CREATE TABLE ddl_notes (a int, b text);
ALTER TABLE ddl_notes ADD COLUMN IF NOT EXISTS a int;
ALTER TABLE ddl_notes DROP COLUMN IF EXISTS zz;
ALTER TABLE ddl_notes ALTER COLUMN a SET STATISTICS 20000;
ALTER TABLE ddl_notes ALTER COLUMN b SET STORAGE main;
COMMENT ON TABLE ddl_notes IS 'notes on DDL';
COMMENT ON COLUMN ddl_notes.b IS 'the body';
\d+ ddl_notes
SELECT 1 AS a123456789a123456789a123456789a123456789a123456789a123456789a123456789;
ALTER TABLE ddl_notes OWNER TO nosuch_role;
DROP TABLE ddl_notes;
