-- marts.annual_comparison: revenue and capex of each company of the compare set
-- (marts.compare_set) per year, long form: one row per basis, year and company, on two bases.
-- basis='calendar_year' (the default basis): the fiscal year aligned to that calendar year by
-- the midpoint rule (a February 2024 to January 2025 fiscal year is CY2024).
-- basis='fiscal_year': each company's fiscal year of that number, whatever its dates; every
-- row shows its actual period (period_start, period_end).
-- rank, leader, gap to the leader and share of the set follow marts.set_standings: a company
-- without a value is ranked NULL with a note; a leader is named only when every company of the
-- set has a value; where the companies' periods differ by more than a quarter (typical on the
-- fiscal-year basis) nothing is ranked and no leader is named, and the note says why.
CREATE OR REPLACE TABLE marts.annual_comparison AS
SELECT
    r.grain AS basis, r.period_year AS year, r.period_label AS label, r.ticker,
    coalesce(r.fiscal_label, c.fiscal_label) AS fiscal_label,
    coalesce(r.period_start, c.period_start) AS period_start,
    coalesce(r.period_end, c.period_end) AS period_end,
    r.value AS revenue, r.rank AS revenue_rank, r.leader AS revenue_leader,
    r.gap_to_leader AS revenue_gap_to_leader, r.share_of_set AS revenue_share_of_set,
    c.value AS capex, c.rank AS capex_rank, c.leader AS capex_leader,
    c.gap_to_leader AS capex_gap_to_leader, c.share_of_set AS capex_share_of_set,
    CAST(round(c.value / nullif(r.value, 0), 6) AS DECIMAL(18, 6)) AS capex_to_revenue,
    r.periods_aligned AND c.periods_aligned AS periods_aligned,
    r.set_size AS companies_in_set,
    r.value IS NOT NULL AND c.value IS NOT NULL AS is_complete,
    array_to_string([n FOR n IN [r.notes, c.notes] IF n <> ''], '; ') AS notes,
    list_sort(list_distinct(flatten([r.source_accessions, c.source_accessions])))
        AS source_accessions
FROM marts.set_standings AS r
JOIN marts.set_standings AS c
    ON c.grain = r.grain AND c.period_label = r.period_label AND c.ticker = r.ticker
    AND c.line_item = 'capex'
WHERE r.grain IN ('calendar_year', 'fiscal_year') AND r.line_item = 'revenue'
ORDER BY basis, year, ticker;
