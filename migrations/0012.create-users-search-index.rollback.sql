-- transactional: false
-- squawk-disable-assume-in-transaction
-- Roll back 0012: drop the user search index, then pg_trgm (refused while anything else uses it).
DROP INDEX CONCURRENTLY IF EXISTS users_search_trgm_idx;

DROP FUNCTION IF EXISTS search_pattern(TEXT);

DROP EXTENSION IF EXISTS pg_trgm;
