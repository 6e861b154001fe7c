-- Quarters where the trailing-twelve-month revenue or capex leader changed.
SELECT
    calendar_label,
    amzn_ttm_revenue, wmt_ttm_revenue, revenue_leader, revenue_lead_changed,
    amzn_ttm_capex, wmt_ttm_capex, capex_leader, capex_lead_changed,
    notes
FROM marts.ttm_comparison
WHERE revenue_lead_changed OR capex_lead_changed
ORDER BY calendar_year, calendar_quarter;
