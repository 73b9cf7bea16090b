-- Roll back 0020: the two-scope throttle (account by user id, address). Rows of the new
-- scopes cannot be read by the old rule and are deleted.

DELETE FROM login_throttle
WHERE scope <> 'address';

ALTER TABLE login_throttle DROP COLUMN forget_at;

ALTER TABLE login_throttle DROP COLUMN last_success_at;

ALTER TABLE login_throttle DROP CONSTRAINT login_throttle_scope_values;

ALTER TABLE login_throttle
ADD CONSTRAINT login_throttle_scope_values CHECK (scope IN ('account', 'address'));

COMMENT ON TABLE login_throttle IS NULL;
