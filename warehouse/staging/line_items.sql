-- Replace every accession present in the staged line items (view stage_line_items).
DELETE FROM raw.line_items
WHERE accession_number IN (SELECT DISTINCT accession_number FROM stage_line_items);

INSERT INTO raw.line_items BY NAME
SELECT
    ticker, cik, accession_number, form, filing_date, line_item, concept,
    CAST(value AS DECIMAL(38, 10)) AS value, unit, decimals, period_start, period_end,
    fact_id, context_id
FROM stage_line_items;
