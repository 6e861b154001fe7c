-- marts.ttm_comparison: trailing-twelve-month revenue and capex of each company of the compare
-- set (marts.compare_set) at each calendar quarter end, long form: one row per calendar
-- quarter and company. Each value is core.ttm's, at the company's fiscal quarter ending in
-- that calendar quarter, and names its method (reported_ttm, sum_of_quarters, fy_plus_ytd).
-- rank, leader, gap to the leader and share of the set follow marts.set_standings: a company
-- without a TTM is ranked NULL with a note, and a leader is named only when every company of
-- the set has one.
CREATE OR REPLACE TABLE marts.ttm_comparison AS
SELECT
    r.period_label AS calendar_label, r.period_year AS calendar_year,
    r.period_quarter AS calendar_quarter, r.ticker,
    coalesce(r.fiscal_label, c.fiscal_label) AS fiscal_label,
    coalesce(r.period_end, c.period_end) AS period_end,
    r.value AS ttm_revenue, r.method AS ttm_revenue_method, r.period_start AS revenue_period_start,
    r.rank AS revenue_rank, r.leader AS revenue_leader,
    r.gap_to_leader AS revenue_gap_to_leader, r.share_of_set AS revenue_share_of_set,
    c.value AS ttm_capex, c.method AS ttm_capex_method, c.period_start AS capex_period_start,
    c.rank AS capex_rank, c.leader AS capex_leader,
    c.gap_to_leader AS capex_gap_to_leader, c.share_of_set AS capex_share_of_set,
    CAST(round(c.value / nullif(r.value, 0), 6) AS DECIMAL(18, 6)) AS ttm_capex_to_revenue,
    r.set_size AS companies_in_set,
    r.value IS NOT NULL AND c.value IS NOT NULL AS is_complete,
    array_to_string([n FOR n IN [r.notes, c.notes] IF n <> ''], '; ') AS notes,
    list_sort(list_distinct(flatten([r.source_accessions, c.source_accessions])))
        AS source_accessions,
    greatest(r.latest_filing_date, c.latest_filing_date) AS latest_filing_date
FROM marts.set_standings AS r
JOIN marts.set_standings AS c
    ON c.grain = r.grain AND c.period_label = r.period_label AND c.ticker = r.ticker
    AND c.line_item = 'capex'
WHERE r.grain = 'ttm' AND r.line_item = 'revenue'
ORDER BY calendar_year, calendar_quarter, ticker;
