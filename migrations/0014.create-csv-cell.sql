-- csv_cell(text): one cell of a CSV file for spreadsheets, used by the admin CSV export
-- (sql/admin.sql), so every column is written by the same rule:
--   - NULL is an empty cell;
--   - a value that a spreadsheet would run as a formula (first character = + - @ tab or
--     carriage return) gets a leading apostrophe and is quoted (OWASP, "CSV injection");
--   - a value holding a double quote, a comma or a line break is quoted, its double quotes
--     doubled (RFC 4180).
-- A single expression without FROM, so PostgreSQL inlines it into the query (no call per cell).

CREATE FUNCTION csv_cell(value TEXT) RETURNS TEXT
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN value IS NULL THEN ''
        WHEN left(value, 1) IN ('=', '+', '-', '@', E'\t', E'\r') THEN '"''' || replace(value, '"', '""') || '"'
        WHEN strpos(value, '"') > 0 OR strpos(value, ',') > 0 OR strpos(value, E'\n') > 0 OR strpos(value, E'\r') > 0
            THEN '"' || replace(value, '"', '""') || '"'
        ELSE value
    END
$$;

COMMENT ON FUNCTION csv_cell(TEXT) IS
'One CSV cell for spreadsheets: NULL as empty, RFC 4180 quoting, formulas neutralised with a leading apostrophe.';
