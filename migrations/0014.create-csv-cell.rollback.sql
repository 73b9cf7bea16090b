-- Roll back 0014: drop csv_cell.
DROP FUNCTION IF EXISTS csv_cell(TEXT);
