-- Fiscal quarters missing from core.financials between a company's first and last quarter
-- of each line item (neither reported nor derivable). A gap is missing data, never zero.
CREATE OR REPLACE TABLE core.quarter_gaps AS
WITH present AS (
    SELECT ticker, line_item, fiscal_year * 4 + fiscal_quarter AS seq
    FROM core.financials
    WHERE fiscal_period IN ('Q1', 'Q2', 'Q3', 'Q4')
),
bounds AS (
    SELECT ticker, line_item, min(seq) AS lo, max(seq) AS hi
    FROM present
    GROUP BY ticker, line_item
)
SELECT
    b.ticker, b.line_item, c.fiscal_year, c.fiscal_quarter, c.fiscal_label,
    c.calendar_label, c.period_start, c.period_end
FROM bounds AS b
JOIN core.fiscal_calendar AS c
    ON c.ticker = b.ticker
    AND c.period_kind = 'quarter'
    AND c.fiscal_year * 4 + c.fiscal_quarter BETWEEN b.lo AND b.hi
WHERE NOT EXISTS (
    SELECT 1 FROM present AS p
    WHERE p.ticker = b.ticker AND p.line_item = b.line_item
        AND p.seq = c.fiscal_year * 4 + c.fiscal_quarter
)
ORDER BY b.ticker, b.line_item, c.fiscal_year, c.fiscal_quarter;
