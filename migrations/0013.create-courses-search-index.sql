-- transactional: false
-- squawk-disable-assume-in-transaction
-- A trigram index for the course catalogue's search (GET /api/courses?q=): q matches a substring
-- of the title or the description (sql/courses.sql). pg_trgm comes from 0012. Built CONCURRENTLY,
-- like 0012; on a failed build: DROP INDEX CONCURRENTLY courses_search_trgm_idx; then apply again.

-- A concurrent build first waits for every transaction older than itself (an export streaming to
-- a slow client is one): the migration lock timeout must not cut that wait short.
SET lock_timeout = 0;

-- An invalid index left by a failed earlier attempt is dropped and built again.
DROP INDEX CONCURRENTLY IF EXISTS courses_search_trgm_idx;

CREATE INDEX CONCURRENTLY IF NOT EXISTS courses_search_trgm_idx ON courses
USING gin ((lower(title) || ' ' || lower(coalesce(description, ''))) gin_trgm_ops);

COMMENT ON INDEX courses_search_trgm_idx IS
'Trigram index of lower(title) || '' '' || lower(description): the search of GET /api/courses?q=.';

-- Statistics of the indexed expression, for the planner's estimate of a search (see 0012).
ANALYZE courses;

-- Back to the migration connection's own lock_timeout for the migrations that follow.
RESET lock_timeout;
