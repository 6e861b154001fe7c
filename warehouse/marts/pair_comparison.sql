-- marts.pair_comparison: the configured pair side by side at each calendar quarter end, from
-- marts.ttm_comparison. The pair is marts.compare_set's pair_side 'a' and 'b': the first two
-- companies of EDGAR_COMPARE, else of EDGAR_COMPANIES. Gaps are a minus b; the leader is the
-- larger of the two, named only when both have a TTM (a tie names none). The pair's leader
-- may differ from the set's (marts.ttm_comparison) when the set holds more companies.
CREATE OR REPLACE TABLE marts.pair_comparison AS
WITH pair AS (
    SELECT
        max(member) FILTER (WHERE pair_side = 'a') AS a,
        max(member) FILTER (WHERE pair_side = 'b') AS b
    FROM marts.compare_set
),
quarters AS (
    SELECT DISTINCT t.calendar_label, t.calendar_year, t.calendar_quarter
    FROM marts.ttm_comparison AS t, pair
    WHERE t.ticker IN (pair.a, pair.b)
        AND (t.ttm_revenue IS NOT NULL OR t.ttm_capex IS NOT NULL)
),
sides AS (
    SELECT
        q.*, pair.a AS a_ticker, pair.b AS b_ticker,
        x.fiscal_label AS a_fiscal_label, x.period_end AS a_period_end,
        x.ttm_revenue AS a_ttm_revenue, x.ttm_revenue_method AS a_ttm_revenue_method,
        x.ttm_capex AS a_ttm_capex, x.ttm_capex_method AS a_ttm_capex_method,
        y.fiscal_label AS b_fiscal_label, y.period_end AS b_period_end,
        y.ttm_revenue AS b_ttm_revenue, y.ttm_revenue_method AS b_ttm_revenue_method,
        y.ttm_capex AS b_ttm_capex, y.ttm_capex_method AS b_ttm_capex_method
    FROM quarters AS q
    CROSS JOIN pair
    LEFT JOIN marts.ttm_comparison AS x
        ON x.ticker = pair.a AND x.calendar_year = q.calendar_year
        AND x.calendar_quarter = q.calendar_quarter
    LEFT JOIN marts.ttm_comparison AS y
        ON y.ticker = pair.b AND y.calendar_year = q.calendar_year
        AND y.calendar_quarter = q.calendar_quarter
)
SELECT
    calendar_label, calendar_year, calendar_quarter,
    a_ticker, a_fiscal_label, a_period_end, a_ttm_revenue, a_ttm_revenue_method,
    b_ticker, b_fiscal_label, b_period_end, b_ttm_revenue, b_ttm_revenue_method,
    a_ttm_revenue - b_ttm_revenue AS revenue_gap_a_minus_b,
    CASE
        WHEN a_ttm_revenue > b_ttm_revenue THEN a_ticker
        WHEN a_ttm_revenue < b_ttm_revenue THEN b_ticker
    END AS revenue_leader,
    a_ttm_capex, a_ttm_capex_method, b_ttm_capex, b_ttm_capex_method,
    a_ttm_capex - b_ttm_capex AS capex_gap_a_minus_b,
    CASE
        WHEN a_ttm_capex > b_ttm_capex THEN a_ticker
        WHEN a_ttm_capex < b_ttm_capex THEN b_ticker
    END AS capex_leader,
    coalesce(a_ttm_revenue IS NOT NULL AND b_ttm_revenue IS NOT NULL
        AND a_ttm_capex IS NOT NULL AND b_ttm_capex IS NOT NULL, false) AS is_complete,
    array_to_string([n FOR n IN [
        CASE WHEN b_ticker IS NULL THEN 'no second company: one company is tracked' END,
        CASE WHEN a_ttm_revenue IS NULL THEN a_ticker || ': no TTM revenue' END,
        CASE WHEN b_ticker IS NOT NULL AND b_ttm_revenue IS NULL
            THEN b_ticker || ': no TTM revenue' END,
        CASE WHEN a_ttm_capex IS NULL THEN a_ticker || ': no TTM capex' END,
        CASE WHEN b_ticker IS NOT NULL AND b_ttm_capex IS NULL
            THEN b_ticker || ': no TTM capex' END,
        CASE WHEN a_ttm_revenue = b_ttm_revenue THEN 'revenue tie: no leader' END,
        CASE WHEN a_ttm_capex = b_ttm_capex THEN 'capex tie: no leader' END
    ] IF n IS NOT NULL], '; ') AS notes
FROM sides
ORDER BY calendar_year, calendar_quarter;
