-- Accessions that left the catalog (stage_catalog) lose their facts; every accession
-- in stage_accessions (the verified files staged now, even one with no rows) is replaced
-- by its rows in stage_facts. Any other catalog accession keeps the rows it has.
DELETE FROM raw.facts
WHERE accession_number NOT IN (SELECT accession_number FROM stage_catalog)
   OR accession_number IN (SELECT accession_number FROM stage_accessions);

INSERT INTO raw.facts BY NAME
SELECT
    ticker, cik, accession_number, form, filing_date, concept, namespace,
    CAST(value AS DECIMAL(38, 10)) AS value, unit, decimals, period_type, period_start,
    period_end, dimensions, context_id, fact_id, is_hidden, is_nil, is_conflict, flags,
    source_document, source_format
FROM stage_facts;
