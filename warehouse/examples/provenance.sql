-- Where a number came from: method, derivation, source accessions, first-reported vs latest.
SELECT
    ticker, line_item, fiscal_label, period_start, period_end, value,
    method, derivation, source_accessions, latest_filing_date,
    first_reported_value, first_reported_accessions, first_reported_filing_date, is_restated
FROM core.financials
WHERE line_item IN ('revenue', 'capex')
ORDER BY ticker, line_item, fiscal_year DESC, fiscal_period DESC;
