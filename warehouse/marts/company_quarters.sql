-- marts.company_quarters: one row per company and fiscal quarter, for every quarter between
-- the company's first and last quarter with revenue or capex (missing quarters stay as rows
-- with NULLs, never zeros). YoY compares with the same fiscal quarter a year earlier. TTM is
-- core.ttm's chosen value at the quarter end, with its method (reported_ttm, sum_of_quarters
-- or fy_plus_ytd); NULL, with a note, where no method applies.
CREATE OR REPLACE TABLE marts.company_quarters AS
WITH q AS (
    SELECT
        * REPLACE (
            marts.whole_dollars(value, ticker || ' ' || line_item || ' ' || fiscal_label) AS value
        )
    FROM core.financials
    WHERE fiscal_period IN ('Q1', 'Q2', 'Q3', 'Q4') AND line_item IN ('revenue', 'capex')
),
t AS (
    SELECT * FROM core.ttm WHERE line_item IN ('revenue', 'capex')
),
bounds AS (
    SELECT ticker, min(fiscal_year * 4 + fiscal_quarter) AS lo,
        max(fiscal_year * 4 + fiscal_quarter) AS hi
    FROM (SELECT ticker, fiscal_year, fiscal_quarter FROM q
        UNION ALL SELECT ticker, fiscal_year, fiscal_quarter FROM t)
    GROUP BY ticker
),
spine AS (
    SELECT c.*, c.fiscal_year * 4 + c.fiscal_quarter AS seq
    FROM core.fiscal_calendar AS c
    JOIN bounds AS b
        ON c.ticker = b.ticker AND c.period_kind = 'quarter'
        AND c.fiscal_year * 4 + c.fiscal_quarter BETWEEN b.lo AND b.hi
),
base AS (
    SELECT
        s.ticker, s.fiscal_year, s.fiscal_quarter, s.fiscal_label,
        s.calendar_year, s.calendar_quarter, s.calendar_label, s.seq,
        coalesce(rv.period_start, cx.period_start, s.period_start) AS period_start,
        coalesce(rv.period_end, cx.period_end, s.period_end) AS period_end,
        rv.value AS revenue, rv.method AS revenue_method, rv.derivation AS revenue_derivation,
        cx.value AS capex, cx.method AS capex_method, cx.derivation AS capex_derivation,
        tr.value AS ttm_revenue, tr.method AS ttm_revenue_method,
        tc.value AS ttm_capex, tc.method AS ttm_capex_method,
        list_sort(list_distinct(flatten([
            coalesce(rv.source_accessions, []), coalesce(cx.source_accessions, []),
            coalesce(tr.source_accessions, []), coalesce(tc.source_accessions, [])
        ]))) AS source_accessions
    FROM spine AS s
    LEFT JOIN q AS rv
        ON rv.ticker = s.ticker AND rv.fiscal_year = s.fiscal_year
        AND rv.fiscal_period = s.fiscal_period AND rv.line_item = 'revenue'
    LEFT JOIN q AS cx
        ON cx.ticker = s.ticker AND cx.fiscal_year = s.fiscal_year
        AND cx.fiscal_period = s.fiscal_period AND cx.line_item = 'capex'
    LEFT JOIN t AS tr
        ON tr.ticker = s.ticker AND tr.fiscal_year = s.fiscal_year
        AND tr.fiscal_quarter = s.fiscal_quarter AND tr.line_item = 'revenue'
    LEFT JOIN t AS tc
        ON tc.ticker = s.ticker AND tc.fiscal_year = s.fiscal_year
        AND tc.fiscal_quarter = s.fiscal_quarter AND tc.line_item = 'capex'
),
windowed AS (
    SELECT
        *,
        lag(revenue, 4) OVER w AS revenue_prior_year,
        lag(capex, 4) OVER w AS capex_prior_year
    FROM base
    WINDOW w AS (PARTITION BY ticker ORDER BY seq)
)
SELECT
    ticker, fiscal_year, fiscal_quarter, fiscal_label,
    calendar_year, calendar_quarter, calendar_label, period_start, period_end,
    revenue, revenue_method, revenue_derivation,
    capex, capex_method, capex_derivation,
    CAST(round(capex / nullif(revenue, 0), 6) AS DECIMAL(18, 6)) AS capex_to_revenue,
    revenue_prior_year,
    CAST(round((revenue - revenue_prior_year) / nullif(revenue_prior_year, 0), 6)
        AS DECIMAL(18, 6)) AS revenue_yoy_growth,
    capex_prior_year,
    CAST(round((capex - capex_prior_year) / nullif(capex_prior_year, 0), 6)
        AS DECIMAL(18, 6)) AS capex_yoy_growth,
    ttm_revenue, ttm_revenue_method, ttm_capex, ttm_capex_method,
    CAST(round(ttm_capex / nullif(ttm_revenue, 0), 6) AS DECIMAL(18, 6)) AS ttm_capex_to_revenue,
    revenue IS NOT NULL AND capex IS NOT NULL AS is_complete,
    array_to_string([n FOR n IN [
        CASE WHEN revenue IS NULL THEN 'revenue missing' END,
        CASE WHEN capex IS NULL THEN 'capex missing' END,
        CASE WHEN ttm_revenue IS NULL THEN 'TTM revenue: no method applies' END,
        CASE WHEN ttm_capex IS NULL THEN 'TTM capex: no method applies' END
    ] IF n IS NOT NULL], '; ') AS notes,
    source_accessions
FROM windowed
ORDER BY ticker, seq;
