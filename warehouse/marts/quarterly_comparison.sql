-- marts.quarterly_comparison: revenue and capex of each company of the compare set
-- (marts.compare_set) per calendar quarter, long form: one row per calendar quarter and
-- company. Each company's fiscal quarter sits in the calendar quarter holding its midpoint (a
-- quarter ending 2023-06-30 beside one ending 2023-07-31 in CY2023Q2). rank, leader, gap to
-- the leader and share of the set follow marts.set_standings: a company without a value is
-- ranked NULL with a note, and a leader is named only when every company of the set has one.
CREATE OR REPLACE TABLE marts.quarterly_comparison AS
SELECT
    r.period_label AS calendar_label, r.period_year AS calendar_year,
    r.period_quarter AS calendar_quarter, r.ticker,
    coalesce(r.fiscal_label, c.fiscal_label, q.fiscal_label) AS fiscal_label,
    coalesce(r.period_start, c.period_start, q.period_start) AS period_start,
    coalesce(r.period_end, c.period_end, q.period_end) AS period_end,
    r.value AS revenue, r.method AS revenue_method,
    r.rank AS revenue_rank, r.leader AS revenue_leader,
    r.gap_to_leader AS revenue_gap_to_leader, r.share_of_set AS revenue_share_of_set,
    c.value AS capex, c.method AS capex_method,
    c.rank AS capex_rank, c.leader AS capex_leader,
    c.gap_to_leader AS capex_gap_to_leader, c.share_of_set AS capex_share_of_set,
    q.capex_to_revenue, q.revenue_yoy_growth, q.capex_yoy_growth,
    r.set_size AS companies_in_set,
    r.value IS NOT NULL AND c.value IS NOT NULL AS is_complete,
    array_to_string([n FOR n IN [r.notes, c.notes] IF n <> ''], '; ') AS notes,
    list_sort(list_distinct(flatten([r.source_accessions, c.source_accessions])))
        AS source_accessions
FROM marts.set_standings AS r
JOIN marts.set_standings AS c
    ON c.grain = r.grain AND c.period_label = r.period_label AND c.ticker = r.ticker
    AND c.line_item = 'capex'
LEFT JOIN marts.company_quarters AS q
    ON q.ticker = r.ticker AND q.calendar_year = r.period_year
    AND q.calendar_quarter = r.period_quarter
WHERE r.grain = 'quarter' AND r.line_item = 'revenue'
ORDER BY calendar_year, calendar_quarter, ticker;
