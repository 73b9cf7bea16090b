-- A session may only be opened with the password it was checked against: each account
-- carries a version of its password, raised by every change or reset (not by re-hashing the
-- same password at a new cost), and a login inserts its session only while the version it read
-- before the check is still the stored one (sql/sessions.sql, insert_session).

ALTER TABLE users ADD COLUMN password_version INTEGER NOT NULL DEFAULT 1;

COMMENT ON COLUMN users.password_version IS
'Raised by 1 by every password change or reset (not by a re-hash of the same password); sessions are opened only at the version checked.';
