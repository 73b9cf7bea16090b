-- Throttling counts every password check before it runs, keyed by what was typed.
-- Scopes: 'account' (a typed sign-in name, normalised and hashed: all addresses together),
-- 'pair' (that name from one client address), 'address' (one client address, any name) and
-- 'register' (registrations from one address). A successful sign-in marks its pair as known
-- (last_success_at), which exempts that address from the account-wide limit. forget_at says
-- when a row can neither lock nor exempt anything any more, so cleanup deletes by it.
-- Counters of the old rule were keyed by user id: they mean nothing to the new rule.

DELETE FROM login_throttle
WHERE scope = 'account';

ALTER TABLE login_throttle DROP CONSTRAINT login_throttle_scope_values;

ALTER TABLE login_throttle
ADD CONSTRAINT login_throttle_scope_values
CHECK (scope IN ('account', 'pair', 'address', 'register')) NOT VALID;

-- login_throttle holds only recent counters (cleanup deletes them by forget_at): validating it in
-- this transaction reads a few thousand rows at most, and no request waits on it for long.
-- squawk-ignore constraint-missing-not-valid
ALTER TABLE login_throttle VALIDATE CONSTRAINT login_throttle_scope_values;

ALTER TABLE login_throttle ADD COLUMN last_success_at TIMESTAMP WITH TIME ZONE;

ALTER TABLE login_throttle ADD COLUMN forget_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now();

UPDATE login_throttle
SET forget_at = last_failure_at + INTERVAL '1 hour';

COMMENT ON TABLE login_throttle IS
'Throttling counters of password checks and registrations (sql/throttle.sql); a lock is derived, never stored.';
COMMENT ON COLUMN login_throttle.scope IS
'What is counted: account (a typed sign-in name), pair (that name from one address), address, or register.';
COMMENT ON COLUMN login_throttle.subject IS
'login:<sha256 of the normalised typed name>, ip:<client address>, or pair:<sha256 of both>.';
COMMENT ON COLUMN login_throttle.failures IS
'Attempts counted before their password check ran; a successful check gives its own back (pair: resets to 0).';
COMMENT ON COLUMN login_throttle.last_failure_at IS
'When the last attempt was counted; locks run from it and counts older than the window are forgotten.';
COMMENT ON COLUMN login_throttle.last_success_at IS
'pair rows: the last successful sign-in with this name from this address (a known address); NULL otherwise.';
COMMENT ON COLUMN login_throttle.forget_at IS
'After this time the row can neither lock nor exempt anything: cleanup deletes it in batches.';
