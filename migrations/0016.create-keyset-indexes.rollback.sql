-- transactional: false
-- squawk-disable-assume-in-transaction
-- Roll back 0016: drop the enrolments index, bring back the (user_id, expires_at) index of
-- sessions, then drop its replacement. (The SELECT 1 steps pair with COMMENT steps, which need
-- no undoing.)
-- A concurrent build first waits for every transaction older than itself (an export streaming to
-- a slow client is one): the migration lock timeout must not cut that wait short.
SET lock_timeout = 0;

SELECT 1;

DROP INDEX CONCURRENTLY IF EXISTS user_course_progress_user_id_id_idx;

-- An invalid index left by a failed earlier attempt is dropped and built again.
DROP INDEX CONCURRENTLY IF EXISTS active_sessions_user_id_idx;

CREATE INDEX CONCURRENTLY IF NOT EXISTS active_sessions_user_id_idx ON active_sessions (user_id, expires_at);

SELECT 1;

DROP INDEX CONCURRENTLY IF EXISTS active_sessions_user_id_id_idx;

-- Back to the migration connection's own lock_timeout for the migrations that follow.
RESET lock_timeout;
