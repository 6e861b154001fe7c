-- marts.lead_changes: each calendar quarter where the trailing-twelve-month revenue or capex
-- leader of the compare set changed (marts.set_standings, grain 'ttm'): from whom to whom, both
-- TTMs at that quarter with their methods, and the gap (new leader minus former leader). A
-- leader exists only where every company of the set has a TTM, so a change can span quarters
-- with no leader; the note then names the last quarter the former leader was known to lead.
CREATE OR REPLACE TABLE marts.lead_changes AS
WITH leaders AS (
    SELECT DISTINCT line_item, period_label, period_year, period_quarter, leader, set_size
    FROM marts.set_standings
    WHERE grain = 'ttm' AND leader IS NOT NULL
),
ordered AS (
    SELECT
        *,
        lag(leader) OVER w AS previous_leader,
        lag(period_label) OVER w AS previous_leader_last_quarter,
        lag(period_year * 4 + period_quarter) OVER w AS previous_seq
    FROM leaders
    WINDOW w AS (PARTITION BY line_item ORDER BY period_year, period_quarter)
)
SELECT
    o.line_item, o.period_label AS calendar_label, o.period_year AS calendar_year,
    o.period_quarter AS calendar_quarter,
    o.previous_leader, o.previous_leader_last_quarter,
    o.leader AS new_leader,
    n.value AS new_leader_ttm, n.method AS new_leader_method, n.fiscal_label AS new_leader_fiscal_label,
    p.value AS previous_leader_ttm, p.method AS previous_leader_method,
    p.fiscal_label AS previous_leader_fiscal_label,
    n.value - p.value AS gap,
    o.set_size AS companies_in_set,
    CASE WHEN o.previous_seq <> o.period_year * 4 + o.period_quarter - 1
        THEN 'no ' || o.line_item || ' leader named between ' || o.previous_leader_last_quarter
            || ' and ' || o.period_label || ' (a company of the set had no TTM)'
        ELSE '' END AS notes
FROM ordered AS o
JOIN marts.set_standings AS n
    ON n.grain = 'ttm' AND n.period_label = o.period_label AND n.line_item = o.line_item
    AND n.ticker = o.leader
JOIN marts.set_standings AS p
    ON p.grain = 'ttm' AND p.period_label = o.period_label AND p.line_item = o.line_item
    AND p.ticker = o.previous_leader
WHERE o.previous_leader IS NOT NULL AND o.previous_leader <> o.leader
ORDER BY o.line_item DESC, o.period_year, o.period_quarter;
