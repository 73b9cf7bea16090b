-- Keep the number of accounts in a one-row table, so the admin user list's total is exact
-- without counting a million rows on every page. Statement-level triggers add what an INSERT
-- inserted and subtract what a DELETE deleted (ON DELETE CASCADE included); TRUNCATE resets it.

CREATE TABLE user_count (
    singleton BOOLEAN PRIMARY KEY DEFAULT true,
    total BIGINT NOT NULL,
    CONSTRAINT user_count_one_row CHECK (singleton)
);

INSERT INTO user_count (total)
SELECT count(*) FROM users;

CREATE FUNCTION user_count_add_inserted() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE user_count SET total = total + (SELECT count(*) FROM inserted_users);
    RETURN NULL;
END;
$$;

CREATE FUNCTION user_count_subtract_deleted() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE user_count SET total = total - (SELECT count(*) FROM deleted_users);
    RETURN NULL;
END;
$$;

CREATE FUNCTION user_count_reset() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE user_count SET total = 0;
    RETURN NULL;
END;
$$;

CREATE TRIGGER users_count_inserted AFTER INSERT ON users
REFERENCING NEW TABLE AS inserted_users
FOR EACH STATEMENT EXECUTE FUNCTION user_count_add_inserted();

CREATE TRIGGER users_count_deleted AFTER DELETE ON users
REFERENCING OLD TABLE AS deleted_users
FOR EACH STATEMENT EXECUTE FUNCTION user_count_subtract_deleted();

CREATE TRIGGER users_count_truncated AFTER TRUNCATE ON users
FOR EACH STATEMENT EXECUTE FUNCTION user_count_reset();
