-- Quarters that are missing (neither reported nor derivable) and reported periods that are
-- no fiscal period (e.g. AMZN trailing twelve months), with the reason.
SELECT 'missing quarter' AS kind, ticker, line_item AS detail, fiscal_label AS period,
    period_start, period_end
FROM core.quarter_gaps
UNION ALL
SELECT 'unclassified period', ticker, unclassified_reason, NULL, period_start, period_end
FROM core.periods
WHERE period_kind = 'other'
ORDER BY kind, ticker, period_start;
