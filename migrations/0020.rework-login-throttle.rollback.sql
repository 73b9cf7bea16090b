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

COMMENT ON TABLE login_throttle IS NULL;
