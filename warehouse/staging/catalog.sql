-- raw.filings mirrors the filings catalog (registered as catalog_arrow): every catalog row
-- with its status ('landed' | 'download_failed' | 'parse_failed') and error, one row per
-- accession (if the catalog repeats one, the latest filing date wins). stage_catalog is
-- what the facts and line items staging below keep or drop accessions by.
CREATE OR REPLACE TEMP TABLE stage_catalog AS
SELECT * FROM catalog_arrow
QUALIFY row_number() OVER (PARTITION BY accession_number ORDER BY filing_date DESC, ticker) = 1;

DELETE FROM raw.filings;

INSERT INTO raw.filings BY NAME
SELECT
    ticker, cik, accession_number, form, is_amendment, filing_date, period_of_report,
    fiscal_year_end, path, size_bytes, sha256, status, error
FROM stage_catalog;
