-- Classify every reported (ticker, period_start, period_end) by its dates alone: its length
-- class (DQC_0006, core.period_lengths) and the nominal fiscal period it matches within the
-- tolerance (core.fiscal_calendar). Never uses the filing's DocumentFiscalPeriodFocus.
-- A twelve-month period ending at the end of fiscal quarter q = 1..3 of year Y and starting
-- after quarter q of year Y-1 (AMZN's trailing twelve months in 10-Qs) is period_kind 'ttm',
-- fiscal_period 'TTMQ<q>' with the labels of the quarter it ends (it never reaches
-- core.financials; core.ttm uses it). Any other period matches nothing and is 'other'.
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
        s.ticker, s.period_start, s.period_end, s.days, s.length_class, s.tolerance_days,
        c.period_kind, c.fiscal_year, c.fiscal_period, c.fiscal_quarter, c.fiscal_label,
        c.calendar_year, c.calendar_quarter, c.calendar_label,
        EXISTS (SELECT 1 FROM core.fiscal_calendar AS k WHERE k.ticker = s.ticker) AS has_calendar
    FROM sized AS s
    LEFT JOIN core.fiscal_calendar AS c
        ON c.ticker = s.ticker
        AND c.period_kind = s.length_class
        AND abs(datediff('day', c.period_start, s.period_start)) <= s.tolerance_days
        AND abs(datediff('day', c.period_end, s.period_end)) <= s.tolerance_days
),
ttm_match AS (
    -- twelve months to the end of quarter q (1-3), from the start of quarter q+1 a year before
    SELECT
        m.ticker, m.period_start, m.period_end, m.days, m.length_class, m.tolerance_days,
        'ttm' AS period_kind, q.fiscal_year, 'TTMQ' || q.fiscal_quarter AS fiscal_period,
        q.fiscal_quarter, q.fiscal_label, q.calendar_year, q.calendar_quarter,
        q.calendar_label, m.has_calendar
    FROM matched AS m
    JOIN core.fiscal_calendar AS q
        ON q.ticker = m.ticker
        AND q.period_kind = 'quarter'
        AND q.fiscal_quarter < 4
        AND abs(datediff('day', q.period_end, m.period_end)) <= m.tolerance_days
    JOIN core.fiscal_calendar AS p
        ON p.ticker = m.ticker
        AND p.period_kind = 'quarter'
        AND p.fiscal_year = q.fiscal_year - 1
        AND p.fiscal_quarter = q.fiscal_quarter + 1
        AND abs(datediff('day', p.period_start, m.period_start)) <= m.tolerance_days
    WHERE m.length_class = 'year' AND m.fiscal_period IS NULL
),
classified AS (
    SELECT * FROM matched
    WHERE NOT EXISTS (
        SELECT 1 FROM ttm_match AS t
        WHERE t.ticker = matched.ticker
            AND t.period_start = matched.period_start AND t.period_end = matched.period_end
    )
    UNION ALL BY NAME
    SELECT * FROM ttm_match
)
SELECT
    ticker, period_start, period_end, days, length_class,
    coalesce(period_kind, 'other') AS period_kind,
    fiscal_year, fiscal_period, fiscal_quarter, fiscal_label,
    calendar_year, calendar_quarter, calendar_label,
    CASE
        WHEN fiscal_period IS NOT NULL THEN NULL
        WHEN NOT has_calendar THEN 'no fiscal year end known for the company'
        WHEN length_class = 'other' THEN 'length outside the DQC_0006 ranges'
        WHEN length_class = 'year'
            THEN 'twelve months ending neither at a fiscal year end nor at a quarter end'
        ELSE 'dates not aligned to the fiscal calendar'
    END AS unclassified_reason
FROM classified;
