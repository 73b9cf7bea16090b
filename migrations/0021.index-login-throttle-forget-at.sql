-- transactional: false
-- squawk-disable-assume-in-transaction
-- Stale throttling counters are deleted in batches by forget_at (known addresses are kept
-- for weeks, failures for an hour): the index on last_failure_at no longer serves the cleanup.

-- A concurrent build first waits for every transaction older than itself (an export streaming to
-- a slow client is one): the migration lock timeout must not cut that wait short.
SET lock_timeout = 0;

-- An invalid index left by a failed earlier attempt is dropped and built again.
DROP INDEX CONCURRENTLY IF EXISTS login_throttle_forget_at_idx;

CREATE INDEX CONCURRENTLY IF NOT EXISTS login_throttle_forget_at_idx ON login_throttle (forget_at);

DROP INDEX CONCURRENTLY IF EXISTS login_throttle_last_failure_at_idx;

-- Back to the migration connection's own lock_timeout for the migrations that follow.
RESET lock_timeout;
