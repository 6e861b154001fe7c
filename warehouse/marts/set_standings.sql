-- marts.set_standings: the ranking rule of every comparison mart, in one place. One row per
-- period, company of the compare set (marts.compare_set: every company in the warehouse
-- unless EDGAR_COMPARE names some) and line item (revenue, capex), for four grains:
--   quarter        each company's fiscal quarter in the calendar quarter holding its midpoint
--   ttm            core.ttm at the fiscal quarter end in that calendar quarter, with its method
--   calendar_year  the fiscal year aligned to a calendar year (midpoint rule): the default
--   fiscal_year    each company's fiscal year of that number (periods may differ)
-- rank: 1 = largest, among the companies with a value (a company without one is ranked NULL
-- and noted). leader, gap_to_leader (leader's value minus this one) and share_of_set are
-- named only when EVERY company of the set has a value. Where the companies' periods differ
-- by more than a quarter (92 days, start or end), nothing is ranked and no leader is named.
-- Ties name no leader. The set is the same for every period: a missing company is a NULL
-- row, never left out.
CREATE OR REPLACE TABLE marts.set_standings AS
WITH members AS (
    SELECT member AS ticker FROM marts.compare_set WHERE in_set
),
observed AS (
    SELECT 'quarter' AS grain, calendar_label AS period_label, calendar_year AS period_year,
        calendar_quarter AS period_quarter, ticker, line_item, fiscal_label, period_start,
        period_end, marts.whole_dollars(value, ticker || ' ' || line_item || ' ' || fiscal_label)
            AS value,
        coalesce(derivation, method) AS method, source_accessions,
        latest_filing_date
    FROM core.financials
    WHERE fiscal_period IN ('Q1', 'Q2', 'Q3', 'Q4')
    UNION ALL
    SELECT 'ttm', calendar_label, calendar_year, calendar_quarter, ticker, line_item,
        fiscal_label, period_start, period_end, value, method, source_accessions,
        latest_filing_date
    FROM core.ttm
    UNION ALL
    SELECT 'calendar_year', 'CY' || calendar_year, calendar_year, NULL, ticker, line_item,
        fiscal_label, period_start, period_end,
        marts.whole_dollars(value, ticker || ' ' || line_item || ' ' || fiscal_label), method,
        source_accessions,
        latest_filing_date
    FROM core.financials
    WHERE fiscal_period = 'FY'
    UNION ALL
    SELECT 'fiscal_year', 'FY' || fiscal_year, fiscal_year, NULL, ticker, line_item,
        fiscal_label, period_start, period_end,
        marts.whole_dollars(value, ticker || ' ' || line_item || ' ' || fiscal_label), method,
        source_accessions,
        latest_filing_date
    FROM core.financials
    WHERE fiscal_period = 'FY'
),
mine AS (
    SELECT o.*
    FROM observed AS o
    JOIN members USING (ticker)
    WHERE o.line_item IN ('revenue', 'capex')
),
periods AS (
    SELECT DISTINCT grain, period_label, period_year, period_quarter FROM mine
),
spine AS (
    SELECT p.*, m.ticker, li.line_item
    FROM periods AS p
    CROSS JOIN members AS m
    CROSS JOIN (VALUES ('revenue'), ('capex')) AS li(line_item)
),
joined AS (
    SELECT
        s.grain, s.period_label, s.period_year, s.period_quarter, s.ticker, s.line_item,
        v.fiscal_label, v.period_start, v.period_end, v.value, v.method,
        v.source_accessions, v.latest_filing_date
    FROM spine AS s
    LEFT JOIN mine AS v
        ON v.grain = s.grain AND v.period_label = s.period_label AND v.ticker = s.ticker
        AND v.line_item = s.line_item
),
stats AS (
    SELECT
        *,
        count(*) OVER p AS set_size,
        count(value) OVER p AS companies_with_value,
        sum(value) OVER p AS set_total,
        max(value) OVER p AS top_value,
        max_by(ticker, value) OVER p AS top_ticker,
        greatest(
            date_diff('day', min(period_end) OVER p, max(period_end) OVER p),
            date_diff('day', min(period_start) OVER p, max(period_start) OVER p)
        ) AS period_spread_days,
        min(period_end) OVER p AS earliest_end,
        max(period_end) OVER p AS latest_end,
        CASE WHEN value IS NOT NULL THEN rank() OVER ranked END AS value_rank
    FROM joined
    WINDOW
        p AS (PARTITION BY grain, period_label, line_item),
        ranked AS (PARTITION BY grain, period_label, line_item ORDER BY value DESC NULLS LAST)
),
ties AS (
    SELECT
        *,
        string_agg(ticker, ', ' ORDER BY ticker) FILTER (WHERE value = top_value) OVER p
            AS top_tickers,
        count(*) FILTER (WHERE value = top_value) OVER p AS top_count,
        coalesce(period_spread_days, 0) <= 92 AS periods_aligned,
        companies_with_value = set_size AS set_complete
    FROM stats
    WINDOW p AS (PARTITION BY grain, period_label, line_item)
),
named AS (
    SELECT
        *,
        CASE WHEN set_complete AND periods_aligned AND top_count = 1 THEN top_ticker END
            AS leader
    FROM ties
)
SELECT
    grain, period_label, period_year, period_quarter, ticker, line_item,
    fiscal_label, period_start, period_end, value, method,
    set_size, companies_with_value,
    CASE WHEN periods_aligned THEN value_rank END AS rank,
    leader,
    CASE WHEN leader IS NOT NULL THEN top_value - value END AS gap_to_leader,
    CASE WHEN set_complete AND periods_aligned
        THEN CAST(round(value / nullif(set_total, 0), 6) AS DECIMAL(18, 6)) END AS share_of_set,
    periods_aligned,
    array_to_string([n FOR n IN [
        CASE WHEN value IS NULL THEN ticker || ': ' || line_item || ' missing, not ranked' END,
        CASE WHEN NOT set_complete
            THEN 'no ' || line_item || ' leader: ' || companies_with_value || ' of '
                || set_size || ' companies have a value' END,
        CASE WHEN NOT periods_aligned
            THEN 'periods differ by more than a quarter (ends ' || earliest_end || ' to '
                || latest_end || '): not ranked, no ' || line_item || ' leader' END,
        CASE WHEN set_complete AND periods_aligned AND top_count > 1
            THEN 'no ' || line_item || ' leader: ' || top_tickers || ' tie' END
    ] IF n IS NOT NULL], '; ') AS notes,
    coalesce(source_accessions, []) AS source_accessions,
    latest_filing_date
FROM named
ORDER BY grain, period_year, period_quarter, line_item, ticker;
