-- Test-only queries: arranging and checking database state from the tests.

-- name: empty-all-tables()!
-- Start a test from empty tables (CASCADE reaches every table that references these).
TRUNCATE users, courses RESTART IDENTITY CASCADE;

-- name: make-admin(id)!
-- Promote an account to admin.
UPDATE users SET is_admin = true
WHERE id = :id;
