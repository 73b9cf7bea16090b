-- transactional: false
-- squawk-disable-assume-in-transaction
-- Roll back 0013: drop the course search index.
DROP INDEX CONCURRENTLY IF EXISTS courses_search_trgm_idx;
