-- Accessions that left the catalog (stage_catalog) lose their line items; every accession
-- in stage_accessions (the verified files staged now, even one with no rows) is replaced
-- by its rows in stage_line_items. Any other catalog accession keeps the rows it has.
DELETE FROM raw.line_items
WHERE accession_number NOT IN (SELECT accession_number FROM stage_catalog)
   OR accession_number IN (SELECT accession_number FROM stage_accessions);

-- USD line items are whole dollars (BIGINT): one with cents stops the load with one line
-- naming the filing, concept and value (the parser refuses such a filing before this).
INSERT INTO raw.line_items BY NAME
SELECT
    ticker, cik, accession_number, form, filing_date, line_item, concept,
    CASE
        WHEN value IS NULL OR value = trunc(value) THEN CAST(value AS BIGINT)
        ELSE error(
            'line items of ' || accession_number || ': ' || concept || ' = ' || value
            || ' USD (' || line_item || ', ' || period_start || '..' || period_end
            || ') has cents; USD line items are whole dollars: re-parse the filing, or store '
            || 'cents as DECIMAL(38,2) (warehouse/schema.sql)'
        )
    END AS value,
    unit, decimals, period_start, period_end, fact_id, context_id
FROM stage_line_items;
