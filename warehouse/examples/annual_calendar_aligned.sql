-- Revenue and capex per calendar-aligned year for every company of the compare set, in
-- $ billions, ranked: each company's fiscal year aligned to the calendar year by its midpoint
-- (a fiscal year from February 2024 to January 2025 is CY2024). The leader is named only when
-- every company of the set has a value.
SELECT
    label, ticker, fiscal_label, period_start, period_end,
    round(revenue / 1e9, 1) AS revenue_bn, revenue_rank, revenue_leader,
    round(revenue_gap_to_leader / 1e9, 1) AS gap_to_leader_bn, revenue_share_of_set,
    round(capex / 1e9, 1) AS capex_bn, capex_rank, capex_leader,
    notes
FROM marts.annual_comparison
WHERE basis = 'calendar_year'
ORDER BY year DESC, revenue_rank NULLS LAST, ticker;
