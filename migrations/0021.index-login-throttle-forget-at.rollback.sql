-- transactional: false
-- squawk-disable-assume-in-transaction
-- Roll back 0021: the cleanup index on last_failure_at again.

CREATE INDEX CONCURRENTLY IF NOT EXISTS login_throttle_last_failure_at_idx ON login_throttle (last_failure_at);

DROP INDEX CONCURRENTLY IF EXISTS login_throttle_forget_at_idx;
