-- Replace every accession present in the staged facts (view stage_facts).
DELETE FROM raw.facts
WHERE accession_number IN (SELECT DISTINCT accession_number FROM stage_facts);

INSERT INTO raw.facts BY NAME
SELECT
    ticker, cik, accession_number, form, filing_date, concept, namespace,
    CAST(value AS DECIMAL(38, 10)) AS value, unit, decimals, period_type, period_start,
    period_end, dimensions, context_id, fact_id, is_hidden, is_nil, is_conflict, flags,
    source_document, source_format
FROM stage_facts;
