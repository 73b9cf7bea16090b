-- transactional: false
-- squawk-disable-assume-in-transaction
-- Roll back 0013: drop the course search index.
-- A concurrent build first waits for every transaction older than itself (an export streaming to
-- a slow client is one): the migration lock timeout must not cut that wait short.
SET lock_timeout = 0;

DROP INDEX CONCURRENTLY IF EXISTS courses_search_trgm_idx;

-- Back to the migration connection's own lock_timeout for the migrations that follow.
RESET lock_timeout;
