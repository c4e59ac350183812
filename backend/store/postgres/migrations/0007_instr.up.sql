-- SQLite's instr(haystack, needle): the 1-based position of needle, 0 when absent. The store's
-- queries are written once for both databases; PostgreSQL spells it strpos.
CREATE FUNCTION instr(haystack text, needle text) RETURNS integer
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS 'SELECT strpos(haystack, needle)';
