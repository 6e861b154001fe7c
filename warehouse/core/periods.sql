-- Classify every reported (ticker, period_start, period_end) by its dates alone: its length
-- class (DQC_0006, core.period_lengths) and the nominal fiscal period it matches within the
-- tolerance (core.fiscal_calendar). Never uses the filing's DocumentFiscalPeriodFocus.
-- A twelve-month period that does not start and end on the fiscal year bounds (AMZN's
-- trailing twelve months in 10-Qs) matches nothing and is 'other'.
CREATE OR REPLACE TABLE core.periods AS
WITH reported AS (
    SELECT DISTINCT
        ticker, period_start, period_end,
        datediff('day', period_start, period_end) + 1 AS days
    FROM raw.line_items
),
sized AS (
    SELECT r.*, coalesce(l.period_kind, 'other') AS length_class, l.tolerance_days
    FROM reported AS r
    LEFT JOIN core.period_lengths AS l ON r.days BETWEEN l.min_days AND l.max_days
),
matched AS (
    SELECT
        s.ticker, s.period_start, s.period_end, s.days, s.length_class,
        c.fiscal_year, c.fiscal_period, c.fiscal_quarter, c.fiscal_label,
        c.calendar_year, c.calendar_quarter, c.calendar_label,
        EXISTS (SELECT 1 FROM core.fiscal_calendar AS k WHERE k.ticker = s.ticker) AS has_calendar
    FROM sized AS s
    LEFT JOIN core.fiscal_calendar AS c
        ON c.ticker = s.ticker
        AND c.period_kind = s.length_class
        AND abs(datediff('day', c.period_start, s.period_start)) <= s.tolerance_days
        AND abs(datediff('day', c.period_end, s.period_end)) <= s.tolerance_days
)
SELECT
    ticker, period_start, period_end, days, length_class,
    CASE WHEN fiscal_period IS NULL THEN 'other' ELSE length_class END AS period_kind,
    fiscal_year, fiscal_period, fiscal_quarter, fiscal_label,
    calendar_year, calendar_quarter, calendar_label,
    CASE
        WHEN fiscal_period IS NOT NULL THEN NULL
        WHEN NOT has_calendar THEN 'no fiscal year end known for the company'
        WHEN length_class = 'other' THEN 'length outside the DQC_0006 ranges'
        WHEN length_class = 'year' THEN 'twelve months not aligned to the fiscal year'
        ELSE 'dates not aligned to the fiscal calendar'
    END AS unclassified_reason
FROM matched;
