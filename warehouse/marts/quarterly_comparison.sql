-- marts.quarterly_comparison: one row per calendar quarter, Amazon and Walmart side by side.
-- Each company's fiscal quarter sits in the calendar quarter holding its midpoint
-- (AMZN's quarter ending 2023-06-30 beside WMT's quarter ending 2023-07-31 in CY2023Q2).
CREATE OR REPLACE TABLE marts.quarterly_comparison AS
WITH a AS (SELECT * FROM marts.company_quarters WHERE ticker = 'AMZN'),
w AS (SELECT * FROM marts.company_quarters WHERE ticker = 'WMT'),
cq AS (
    SELECT DISTINCT calendar_year, calendar_quarter, calendar_label
    FROM marts.company_quarters
    WHERE ticker IN ('AMZN', 'WMT')
)
SELECT
    cq.calendar_label, cq.calendar_year, cq.calendar_quarter,
    a.fiscal_label AS amzn_fiscal_quarter,
    a.period_start AS amzn_period_start, a.period_end AS amzn_period_end,
    a.revenue AS amzn_revenue, a.capex AS amzn_capex,
    a.capex_to_revenue AS amzn_capex_to_revenue,
    a.revenue_yoy_growth AS amzn_revenue_yoy_growth,
    a.capex_yoy_growth AS amzn_capex_yoy_growth,
    w.fiscal_label AS wmt_fiscal_quarter,
    w.period_start AS wmt_period_start, w.period_end AS wmt_period_end,
    w.revenue AS wmt_revenue, w.capex AS wmt_capex,
    w.capex_to_revenue AS wmt_capex_to_revenue,
    w.revenue_yoy_growth AS wmt_revenue_yoy_growth,
    w.capex_yoy_growth AS wmt_capex_yoy_growth,
    a.revenue - w.revenue AS revenue_gap_amzn_minus_wmt,
    a.capex - w.capex AS capex_gap_amzn_minus_wmt,
    coalesce(a.is_complete AND w.is_complete, false) AS is_complete,
    array_to_string([n FOR n IN [
        CASE WHEN a.ticker IS NULL THEN 'AMZN: no quarter in range'
            WHEN a.notes <> '' THEN 'AMZN: ' || a.notes END,
        CASE WHEN w.ticker IS NULL THEN 'WMT: no quarter in range'
            WHEN w.notes <> '' THEN 'WMT: ' || w.notes END
    ] IF n IS NOT NULL], ' | ') AS notes
FROM cq
LEFT JOIN a USING (calendar_year, calendar_quarter)
LEFT JOIN w USING (calendar_year, calendar_quarter)
ORDER BY cq.calendar_year, cq.calendar_quarter;
