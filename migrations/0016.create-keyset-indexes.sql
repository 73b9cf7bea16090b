-- transactional: false
-- squawk-disable-assume-in-transaction
-- Keyset pages of one user's lists seek from their cursor: indexes on (user_id, id) start at
-- the cursor and read one page in id order.
-- - Sessions (GET /auth/active-sessions, newest first): the index carries expires_at, so that
--   expired sessions are skipped without reading their rows. It replaces the index on
--   (user_id, expires_at), with which the planner read every session of the user and sorted
--   them for each page; it serves that index's other uses (revoking or counting a user's
--   sessions) as well.
-- - Enrolments (GET /api/users/{id}/progress, /api/progress): without it, a page of a user with
--   many enrolments was read along the primary key from the first enrolment of anyone.
-- CONCURRENTLY, so no step blocks sign-ins or enrolments: this migration runs outside a
-- transaction (the directive above), one statement at a time.

-- A concurrent build first waits for every transaction older than itself (an export streaming to
-- a slow client is one): the migration lock timeout must not cut that wait short.
SET lock_timeout = 0;

-- An invalid index left by a failed earlier attempt is dropped and built again.
DROP INDEX CONCURRENTLY IF EXISTS active_sessions_user_id_id_idx;

CREATE INDEX CONCURRENTLY IF NOT EXISTS active_sessions_user_id_id_idx
ON active_sessions (user_id, id) INCLUDE (expires_at);

COMMENT ON INDEX active_sessions_user_id_id_idx IS
'A user''s sessions in id order, with their expiry: keyset pages of GET /auth/active-sessions (newest first), '
'revoking or counting a user''s sessions.';

DROP INDEX CONCURRENTLY IF EXISTS active_sessions_user_id_idx;

-- An invalid index left by a failed earlier attempt is dropped and built again.
DROP INDEX CONCURRENTLY IF EXISTS user_course_progress_user_id_id_idx;

CREATE INDEX CONCURRENTLY IF NOT EXISTS user_course_progress_user_id_id_idx
ON user_course_progress (user_id, id);

COMMENT ON INDEX user_course_progress_user_id_id_idx IS
'A user''s enrolments in enrolment order: keyset pages of GET /api/progress and GET /api/users/{id}/progress.';

-- Back to the migration connection's own lock_timeout for the migrations that follow.
RESET lock_timeout;
