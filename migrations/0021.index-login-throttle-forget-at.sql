-- transactional: false
-- squawk-disable-assume-in-transaction
-- Stale throttling counters are deleted in batches by forget_at (known addresses are kept
-- for weeks, failures for an hour): the index on last_failure_at no longer serves the cleanup.

CREATE INDEX CONCURRENTLY IF NOT EXISTS login_throttle_forget_at_idx ON login_throttle (forget_at);

DROP INDEX CONCURRENTLY IF EXISTS login_throttle_last_failure_at_idx;
