-- Accessions that left the catalog (stage_catalog) lose their line items; every accession
-- in stage_line_items (the verified files the catalog names) is replaced. Any other catalog
-- accession (file missing or not verified) keeps the rows it has.
DELETE FROM raw.line_items
WHERE accession_number NOT IN (SELECT accession_number FROM stage_catalog)
   OR accession_number IN (SELECT DISTINCT accession_number FROM stage_line_items);

INSERT INTO raw.line_items BY NAME
SELECT
    ticker, cik, accession_number, form, filing_date, line_item, concept,
    CAST(value AS DECIMAL(38, 10)) AS value, unit, decimals, period_start, period_end,
    fact_id, context_id
FROM stage_line_items;
