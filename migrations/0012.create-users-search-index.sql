-- transactional: false
-- squawk-disable-assume-in-transaction
-- A trigram index for the user list's search (GET /api/users?q=): q matches a substring of the
-- username, the email or the full name, and without an index every search that matches few
-- accounts read every account. pg_trgm's GIN index finds the accounts holding each three-letter
-- piece of q; sql/users.sql matches the same expression with LIKE, then checks each field.
--
-- pg_trgm ships with PostgreSQL (contrib) and is a trusted extension: the database's owner, or
-- any role with CREATE on the database, may create it; no superuser is needed.
-- Built CONCURRENTLY (this migration runs outside a transaction), so registrations and sign-ins
-- continue while it builds (about a minute at 1M accounts). If the build fails it leaves an
-- INVALID index: DROP INDEX CONCURRENTLY users_search_trgm_idx; then apply again.

-- A concurrent build first waits for every transaction older than itself (an export streaming to
-- a slow client is one): the migration lock timeout must not cut that wait short.
SET lock_timeout = 0;

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The LIKE pattern that finds q anywhere, q taken literally (its \, % and _ escaped), when q
-- has at least three letters or digits in a row; NULL otherwise. Below three, pg_trgm has no
-- trigram to look up and its index cannot narrow a search: the queries then match whole values.
-- Immutable, so PostgreSQL folds it to a constant when it plans a query.
CREATE OR REPLACE FUNCTION search_pattern(q TEXT) RETURNS TEXT
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN q ~ '[[:alnum:]]{3}'
            THEN '%' || replace(replace(replace(lower(q), '\', '\\'), '%', '\%'), '_', '\_') || '%'
    END
$$;

COMMENT ON FUNCTION search_pattern(TEXT) IS
'LIKE pattern finding q anywhere, case-insensitively and literally; NULL when q has no three letters or digits in a row.';

-- An invalid index left by a failed earlier attempt is dropped and built again.
DROP INDEX CONCURRENTLY IF EXISTS users_search_trgm_idx;

CREATE INDEX CONCURRENTLY IF NOT EXISTS users_search_trgm_idx ON users
USING gin ((lower(username) || ' ' || email || ' ' || lower(full_name)) gin_trgm_ops);

COMMENT ON INDEX users_search_trgm_idx IS
'Trigram index of lower(username) || '' '' || email || '' '' || lower(full_name): the search of GET /api/users?q=.';

-- Statistics of the indexed expression: without them the planner guesses how many accounts a
-- pattern matches, and for a text that matches none it walked every account in id order
-- (3 s at 1M accounts) instead of asking the index (0.1 ms).
ANALYZE users;

-- Back to the migration connection's own lock_timeout for the migrations that follow.
RESET lock_timeout;
