-- transactional: false
-- squawk-disable-assume-in-transaction
-- Roll back 0012: drop the user search index, then pg_trgm (refused while anything else uses it).
-- A concurrent build first waits for every transaction older than itself (an export streaming to
-- a slow client is one): the migration lock timeout must not cut that wait short.
SET lock_timeout = 0;

DROP INDEX CONCURRENTLY IF EXISTS users_search_trgm_idx;

DROP FUNCTION IF EXISTS search_pattern(TEXT);

DROP EXTENSION IF EXISTS pg_trgm;

-- Back to the migration connection's own lock_timeout for the migrations that follow.
RESET lock_timeout;
