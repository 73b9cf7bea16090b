-- Roll back 0020: the two-scope throttle (account by user id, address). Rows of the new
-- scopes cannot be read by the old rule and are deleted.

DELETE FROM login_throttle
WHERE scope <> 'address';

-- Rolling back removes what 0020 added; only this service reads these columns.
-- squawk-ignore ban-drop-column
ALTER TABLE login_throttle DROP COLUMN forget_at;

-- squawk-ignore ban-drop-column
ALTER TABLE login_throttle DROP COLUMN last_success_at;

ALTER TABLE login_throttle DROP CONSTRAINT login_throttle_scope_values;

-- A small table of recent counters, emptied of other scopes above: the scan is short.
-- squawk-ignore constraint-missing-not-valid
ALTER TABLE login_throttle ADD CONSTRAINT login_throttle_scope_values CHECK (scope IN ('account', 'address'));

-- 0005's descriptions of the two-scope throttle again.
COMMENT ON TABLE login_throttle IS
'Failed sign-ins counted per account and per client address, shared by every worker and instance. '
'A lockout is derived from failures and last_failure_at when a sign-in is checked, never stored.';
COMMENT ON COLUMN login_throttle.scope IS 'What is counted: account or address.';
COMMENT ON COLUMN login_throttle.subject IS
'Who: "user:<id>" for an account, "login:<sha256 of the name>" for a name that matches no account, '
'"ip:<address>" for an address; at most 100 characters.';
COMMENT ON COLUMN login_throttle.failures IS
'Failed sign-ins in a row (0 or more); forgotten after LOGIN_FAILURE_WINDOW_SECONDS without one.';
COMMENT ON COLUMN login_throttle.last_failure_at IS
'When the last failure happened (UTC); stale counters are deleted in batches by this.';
