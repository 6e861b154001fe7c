-- raw.filings becomes stage_catalog (staging/catalog_stage.sql), row for row.
DELETE FROM raw.filings;

INSERT INTO raw.filings BY NAME
SELECT
    ticker, cik, accession_number, form, is_amendment, filing_date, period_of_report,
    fiscal_year_end, path, size_bytes, sha256, status, error
FROM stage_catalog;
