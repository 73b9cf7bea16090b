-- Login throttling: failed sign-ins counted per account and per client address, in the
-- database so that every worker and every instance sees the same counts.
-- A lock is not stored: it is derived from failures and last_failure_at when a sign-in is
-- checked (see sql/throttle.sql), so it always ends by itself.

CREATE TABLE login_throttle (
    scope VARCHAR(10) NOT NULL,
    subject VARCHAR(100) NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    last_failure_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
    CONSTRAINT login_throttle_pkey PRIMARY KEY (scope, subject),
    CONSTRAINT login_throttle_scope_values CHECK (scope IN ('account', 'address')),
    CONSTRAINT login_throttle_failures_range CHECK (failures >= 0)
);

-- Stale counters are deleted in bounded batches, oldest first.
CREATE INDEX login_throttle_last_failure_at_idx ON login_throttle (last_failure_at);
