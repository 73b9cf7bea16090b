-- Roll back 0011: 0004's one-row user_count with its triggers, counted exactly. The row starts at
-- zero and is set after the triggers exist: CREATE TRIGGER keeps writers out until this commits.

CREATE TABLE user_count (
    singleton BOOLEAN PRIMARY KEY DEFAULT true,
    total BIGINT NOT NULL,
    CONSTRAINT user_count_one_row CHECK (singleton)
);

INSERT INTO user_count (total) VALUES (0);

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

UPDATE user_count SET total = (SELECT count(*) FROM users);
