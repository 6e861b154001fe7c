-- Replace catalog rows by accession from the staged catalog (view stage_catalog).
DELETE FROM raw.filings
WHERE accession_number IN (SELECT accession_number FROM stage_catalog);

INSERT INTO raw.filings BY NAME
SELECT
    ticker, cik, accession_number, form, is_amendment, filing_date, period_of_report,
    fiscal_year_end, path, size_bytes, sha256
FROM stage_catalog
-- one row per accession even if the catalog file repeats one (latest filing_date wins)
QUALIFY row_number() OVER (PARTITION BY accession_number ORDER BY filing_date DESC, path) = 1;
