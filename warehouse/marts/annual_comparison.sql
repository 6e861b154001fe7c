-- marts.annual_comparison: both companies' fiscal-year revenue and capex per year, on two
-- bases. basis='fiscal_year': each company's fiscal year of that name (WMT FY2025 ends
-- 2025-01-31). basis='calendar_year': the fiscal year aligned to that calendar year by the
-- midpoint rule (WMT FY2025, Feb 2024-Jan 2025, is CY2024, beside AMZN FY2024). The gap is
-- AMZN minus WMT; a missing value is NULL and the row says so.
CREATE OR REPLACE TABLE marts.annual_comparison AS
WITH fy AS (
    SELECT
        c.ticker, c.fiscal_year, c.fiscal_label, c.calendar_year,
        f.period_start, f.period_end,
        f.revenue, f.capex, f.source_accessions
    FROM core.fiscal_calendar AS c
    JOIN (
        SELECT
            ticker, fiscal_year,
            min(period_start) AS period_start, max(period_end) AS period_end,
            any_value(value) FILTER (WHERE line_item = 'revenue') AS revenue,
            any_value(value) FILTER (WHERE line_item = 'capex') AS capex,
            list_sort(list_distinct(flatten(list(source_accessions)))) AS source_accessions
        FROM core.financials
        WHERE fiscal_period = 'FY' AND line_item IN ('revenue', 'capex')
        GROUP BY ticker, fiscal_year
    ) AS f USING (ticker, fiscal_year)
    WHERE c.fiscal_period = 'FY'
),
keyed AS (
    SELECT 'fiscal_year' AS basis, fiscal_year AS year, * FROM fy
    UNION ALL
    SELECT 'calendar_year' AS basis, calendar_year AS year, * FROM fy
),
years AS (SELECT DISTINCT basis, year FROM keyed WHERE ticker IN ('AMZN', 'WMT')),
a AS (SELECT * FROM keyed WHERE ticker = 'AMZN'),
w AS (SELECT * FROM keyed WHERE ticker = 'WMT')
SELECT
    y.basis, y.year,
    CASE y.basis WHEN 'fiscal_year' THEN 'FY' ELSE 'CY' END || y.year AS label,
    a.fiscal_label AS amzn_fiscal_year, a.period_start AS amzn_period_start,
    a.period_end AS amzn_period_end, a.revenue AS amzn_revenue, a.capex AS amzn_capex,
    w.fiscal_label AS wmt_fiscal_year, w.period_start AS wmt_period_start,
    w.period_end AS wmt_period_end, w.revenue AS wmt_revenue, w.capex AS wmt_capex,
    a.revenue - w.revenue AS revenue_gap_amzn_minus_wmt,
    a.capex - w.capex AS capex_gap_amzn_minus_wmt,
    CASE
        WHEN a.revenue IS NULL OR w.revenue IS NULL THEN NULL
        WHEN a.revenue > w.revenue THEN 'AMZN'
        WHEN a.revenue < w.revenue THEN 'WMT'
        ELSE 'tie'
    END AS revenue_leader,
    CASE
        WHEN a.capex IS NULL OR w.capex IS NULL THEN NULL
        WHEN a.capex > w.capex THEN 'AMZN'
        WHEN a.capex < w.capex THEN 'WMT'
        ELSE 'tie'
    END AS capex_leader,
    a.revenue IS NOT NULL AND a.capex IS NOT NULL
        AND w.revenue IS NOT NULL AND w.capex IS NOT NULL AS is_complete,
    array_to_string([n FOR n IN [
        CASE WHEN a.ticker IS NULL THEN 'AMZN: no fiscal year'
            WHEN a.revenue IS NULL THEN 'AMZN: revenue missing' END,
        CASE WHEN a.ticker IS NOT NULL AND a.capex IS NULL THEN 'AMZN: capex missing' END,
        CASE WHEN w.ticker IS NULL THEN 'WMT: no fiscal year'
            WHEN w.revenue IS NULL THEN 'WMT: revenue missing' END,
        CASE WHEN w.ticker IS NOT NULL AND w.capex IS NULL THEN 'WMT: capex missing' END
    ] IF n IS NOT NULL], '; ') AS notes,
    list_sort(list_distinct(flatten([
        coalesce(a.source_accessions, []), coalesce(w.source_accessions, [])
    ]))) AS source_accessions
FROM years AS y
LEFT JOIN a USING (basis, year)
LEFT JOIN w USING (basis, year)
ORDER BY y.basis DESC, y.year;
