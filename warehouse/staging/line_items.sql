-- Accessions that left the catalog (stage_catalog) lose their line items; every accession
-- in stage_accessions (the verified files staged now, even one with no rows) is replaced
-- by its rows in stage_line_items. Any other catalog accession keeps the rows it has.
DELETE FROM raw.line_items
WHERE accession_number NOT IN (SELECT accession_number FROM stage_catalog)
   OR accession_number IN (SELECT accession_number FROM stage_accessions);

INSERT INTO raw.line_items BY NAME
SELECT
    ticker, cik, accession_number, form, filing_date, line_item, concept,
    CAST(value AS DECIMAL(38, 10)) AS value, unit, decimals, period_start, period_end,
    fact_id, context_id
FROM stage_line_items;
