-- Values a later filing changed: first reported vs latest, with both filing dates.
SELECT
    ticker, line_item, fiscal_label,
    first_reported_value, first_reported_filing_date, first_reported_accessions,
    value AS latest_value, latest_filing_date, source_accessions,
    value - first_reported_value AS change
FROM core.financials
WHERE is_restated
ORDER BY ticker, line_item, fiscal_label;
