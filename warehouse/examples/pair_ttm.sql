-- The configured pair (EDGAR_COMPARE's first two companies, else EDGAR_COMPANIES') side by
-- side at each calendar quarter end: TTM revenue and capex, each with its method, the gap
-- (a minus b) and the pair's leader.
SELECT
    calendar_label,
    a_ticker, a_fiscal_label, a_ttm_revenue, a_ttm_revenue_method,
    b_ticker, b_fiscal_label, b_ttm_revenue, b_ttm_revenue_method,
    revenue_gap_a_minus_b, revenue_leader,
    a_ttm_capex, b_ttm_capex, capex_gap_a_minus_b, capex_leader,
    notes
FROM marts.pair_comparison
ORDER BY calendar_year DESC, calendar_quarter DESC;
