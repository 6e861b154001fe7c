-- raw.filings mirrors the filings catalog (registered as catalog_arrow): every catalog row
-- with its status ('landed' | 'download_failed' | 'parse_failed') and error, one row per
-- accession (if the catalog repeats one, the latest filing date wins). stage_catalog is
-- what the facts and line items staging below keep or drop accessions by.
CREATE OR REPLACE TEMP TABLE stage_catalog AS
SELECT * FROM catalog_arrow
QUALIFY row_number() OVER (PARTITION BY accession_number ORDER BY filing_date DESC, ticker) = 1;
