-- marts.ttm_comparison: trailing-twelve-month revenue and capex per company at each
-- calendar quarter, the leader (NULL when either TTM is incomplete), whether the lead changed
-- versus the last quarter with a known leader, and the quarter the current lead began.
CREATE OR REPLACE TABLE marts.ttm_comparison AS
WITH a AS (SELECT * FROM marts.company_quarters WHERE ticker = 'AMZN'),
w AS (SELECT * FROM marts.company_quarters WHERE ticker = 'WMT'),
cq AS (
    SELECT DISTINCT calendar_year, calendar_quarter, calendar_label
    FROM marts.company_quarters
    WHERE ticker IN ('AMZN', 'WMT')
),
base AS (
    SELECT
        cq.calendar_label, cq.calendar_year, cq.calendar_quarter,
        a.fiscal_label AS amzn_fiscal_quarter, a.period_end AS amzn_quarter_end,
        a.ttm_revenue AS amzn_ttm_revenue, a.ttm_capex AS amzn_ttm_capex,
        coalesce(a.ttm_revenue_quarters, 0) AS amzn_ttm_revenue_quarters,
        coalesce(a.ttm_capex_quarters, 0) AS amzn_ttm_capex_quarters,
        w.fiscal_label AS wmt_fiscal_quarter, w.period_end AS wmt_quarter_end,
        w.ttm_revenue AS wmt_ttm_revenue, w.ttm_capex AS wmt_ttm_capex,
        coalesce(w.ttm_revenue_quarters, 0) AS wmt_ttm_revenue_quarters,
        coalesce(w.ttm_capex_quarters, 0) AS wmt_ttm_capex_quarters
    FROM cq
    LEFT JOIN a USING (calendar_year, calendar_quarter)
    LEFT JOIN w USING (calendar_year, calendar_quarter)
),
leaders AS (
    SELECT
        *,
        CASE
            WHEN amzn_ttm_revenue IS NULL OR wmt_ttm_revenue IS NULL THEN NULL
            WHEN amzn_ttm_revenue > wmt_ttm_revenue THEN 'AMZN'
            WHEN amzn_ttm_revenue < wmt_ttm_revenue THEN 'WMT'
            ELSE 'tie'
        END AS revenue_leader,
        CASE
            WHEN amzn_ttm_capex IS NULL OR wmt_ttm_capex IS NULL THEN NULL
            WHEN amzn_ttm_capex > wmt_ttm_capex THEN 'AMZN'
            WHEN amzn_ttm_capex < wmt_ttm_capex THEN 'WMT'
            ELSE 'tie'
        END AS capex_leader
    FROM base
),
previous AS (
    SELECT
        *,
        last_value(revenue_leader IGNORE NULLS) OVER before AS prev_revenue_leader,
        lag(revenue_leader) OVER ordered AS prior_quarter_revenue_leader,
        last_value(capex_leader IGNORE NULLS) OVER before AS prev_capex_leader,
        lag(capex_leader) OVER ordered AS prior_quarter_capex_leader
    FROM leaders
    WINDOW
        ordered AS (ORDER BY calendar_year, calendar_quarter),
        before AS (ORDER BY calendar_year, calendar_quarter
            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
),
changes AS (
    SELECT
        *,
        coalesce(revenue_leader <> prev_revenue_leader, false) AS revenue_lead_changed,
        coalesce(capex_leader <> prev_capex_leader, false) AS capex_lead_changed
    FROM previous
),
streaks AS (
    SELECT
        *,
        sum(revenue_lead_changed::INTEGER) OVER ordered AS revenue_streak,
        sum(capex_lead_changed::INTEGER) OVER ordered AS capex_streak
    FROM changes
    WINDOW ordered AS (ORDER BY calendar_year, calendar_quarter)
),
keyed AS (
SELECT
    calendar_label, calendar_year, calendar_quarter,
    amzn_fiscal_quarter, amzn_quarter_end, amzn_ttm_revenue, amzn_ttm_capex,
    wmt_fiscal_quarter, wmt_quarter_end, wmt_ttm_revenue, wmt_ttm_capex,
    amzn_ttm_revenue - wmt_ttm_revenue AS ttm_revenue_gap_amzn_minus_wmt,
    amzn_ttm_capex - wmt_ttm_capex AS ttm_capex_gap_amzn_minus_wmt,
    revenue_leader, revenue_lead_changed,
    CASE WHEN revenue_leader IS NOT NULL THEN min(
        CASE WHEN revenue_leader IS NOT NULL THEN calendar_year * 10 + calendar_quarter END
    ) OVER (PARTITION BY revenue_streak) END AS revenue_leader_since_key,
    capex_leader, capex_lead_changed,
    CASE WHEN capex_leader IS NOT NULL THEN min(
        CASE WHEN capex_leader IS NOT NULL THEN calendar_year * 10 + calendar_quarter END
    ) OVER (PARTITION BY capex_streak) END AS capex_leader_since_key,
    amzn_ttm_revenue IS NOT NULL AND wmt_ttm_revenue IS NOT NULL
        AND amzn_ttm_capex IS NOT NULL AND wmt_ttm_capex IS NOT NULL AS is_complete,
    array_to_string([n FOR n IN [
        CASE WHEN amzn_ttm_revenue_quarters < 4 OR amzn_ttm_capex_quarters < 4
            THEN 'AMZN TTM has a gap: revenue ' || amzn_ttm_revenue_quarters
                || '/4, capex ' || amzn_ttm_capex_quarters || '/4 quarters' END,
        CASE WHEN wmt_ttm_revenue_quarters < 4 OR wmt_ttm_capex_quarters < 4
            THEN 'WMT TTM has a gap: revenue ' || wmt_ttm_revenue_quarters
                || '/4, capex ' || wmt_ttm_capex_quarters || '/4 quarters' END,
        CASE WHEN revenue_lead_changed AND prior_quarter_revenue_leader IS NULL
            THEN 'revenue lead changed during a gap (since the last known leader)' END,
        CASE WHEN capex_lead_changed AND prior_quarter_capex_leader IS NULL
            THEN 'capex lead changed during a gap (since the last known leader)' END
    ] IF n IS NOT NULL], '; ') AS notes
FROM streaks
)
SELECT
    calendar_label, calendar_year, calendar_quarter,
    amzn_fiscal_quarter, amzn_quarter_end, amzn_ttm_revenue, amzn_ttm_capex,
    wmt_fiscal_quarter, wmt_quarter_end, wmt_ttm_revenue, wmt_ttm_capex,
    ttm_revenue_gap_amzn_minus_wmt, ttm_capex_gap_amzn_minus_wmt,
    revenue_leader, revenue_lead_changed,
    'CY' || (revenue_leader_since_key // 10) || 'Q' || (revenue_leader_since_key % 10)
        AS revenue_leader_since,
    capex_leader, capex_lead_changed,
    'CY' || (capex_leader_since_key // 10) || 'Q' || (capex_leader_since_key % 10)
        AS capex_leader_since,
    is_complete, notes
FROM keyed
ORDER BY calendar_year, calendar_quarter;
