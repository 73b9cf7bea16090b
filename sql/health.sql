-- Service health checks.

-- name: ping_database()$
-- A trivial query: succeeds when the database answers.
SELECT 1 AS ok;
