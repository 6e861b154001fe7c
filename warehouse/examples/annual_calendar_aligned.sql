-- Revenue and capex per calendar-aligned year, in $ billions: the comparison behind
-- "Amazon $716.9B against Walmart $713.2B" (AMZN calendar year vs the WMT fiscal year
-- that ends in the following January).
SELECT
    label,
    amzn_fiscal_year,
    round(amzn_revenue / 1e9, 1) AS amzn_revenue_bn,
    wmt_fiscal_year,
    round(wmt_revenue / 1e9, 1) AS wmt_revenue_bn,
    round(revenue_gap_amzn_minus_wmt / 1e9, 1) AS gap_bn,
    revenue_leader,
    round(amzn_capex / 1e9, 1) AS amzn_capex_bn,
    round(wmt_capex / 1e9, 1) AS wmt_capex_bn,
    notes
FROM marts.annual_comparison
WHERE basis = 'calendar_year'
ORDER BY year DESC;
