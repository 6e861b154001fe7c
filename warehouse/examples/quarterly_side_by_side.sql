-- Each calendar quarter with both companies' fiscal quarter, revenue, capex, capex/revenue
-- and YoY growth (CY2023Q2 = AMZN quarter ending 2023-06-30 and WMT quarter ending 2023-07-31).
SELECT
    calendar_label,
    amzn_fiscal_quarter, amzn_period_end, amzn_revenue, amzn_capex,
    amzn_capex_to_revenue, amzn_revenue_yoy_growth,
    wmt_fiscal_quarter, wmt_period_end, wmt_revenue, wmt_capex,
    wmt_capex_to_revenue, wmt_revenue_yoy_growth,
    is_complete, notes
FROM marts.quarterly_comparison
ORDER BY calendar_year DESC, calendar_quarter DESC;
