-- Trailing twelve months (TTM) at every fiscal quarter end the filings allow, by three methods:
--   reported_ttm     a reported twelve-month value ending at the quarter end (core.periods
--                    'ttm'); at the fiscal year end (Q4) the fiscal year as reported
--   sum_of_quarters  four consecutive quarters of core.financials (reported or derived)
--   fy_plus_ytd      last fiscal year + this year's year-to-date - last year's same
--                    year-to-date (Q1 three months, H1, M9; reported values only)
-- core.ttm_candidates keeps every method's value; core.ttm keeps one per company, line item
-- and quarter end, preferring reported_ttm > sum_of_quarters > fy_plus_ytd, and says which
-- methods were available and whether they agree (exactly; NULL with only one method).
-- A NULL input (a conflict in the filing) gives no candidate: missing is never zero.
-- Values are whole USD (BIGINT, like every input).
CREATE OR REPLACE TABLE core.ttm_candidates AS
WITH reported AS (
    SELECT * FROM core.reported_values WHERE value IS NOT NULL
),
quarters AS (
    SELECT *, fiscal_year * 4 + fiscal_quarter AS seq
    FROM core.financials
    WHERE fiscal_period IN ('Q1', 'Q2', 'Q3', 'Q4') AND value IS NOT NULL
),
ytd AS (
    SELECT * FROM reported WHERE fiscal_period IN ('Q1', 'H1', 'M9')
),
fy AS (
    SELECT * FROM reported WHERE fiscal_period = 'FY'
),
candidates AS (
    SELECT
        ticker, line_item, fiscal_year, fiscal_quarter, period_start, period_end,
        'reported_ttm' AS method, 1 AS preference, value,
        [latest_accession] AS source_accessions, latest_filing_date,
        'twelve months as reported' AS notes
    FROM reported
    WHERE period_kind = 'ttm'
    UNION ALL
    SELECT
        ticker, line_item, fiscal_year, 4, period_start, period_end, 'reported_ttm', 1, value,
        [latest_accession], latest_filing_date, 'the fiscal year as reported'
    FROM fy
    UNION ALL
    SELECT
        q.ticker, q.line_item, q.fiscal_year, q.fiscal_quarter, min(p.period_start),
        q.period_end, 'sum_of_quarters', 2, sum(p.value),
        list_sort(list_distinct(flatten(list(p.source_accessions)))),
        max(p.latest_filing_date),
        string_agg(p.fiscal_label || coalesce(' (' || p.derivation || ')', ''), ' + '
            ORDER BY p.seq)
    FROM quarters AS q
    JOIN quarters AS p
        ON p.ticker = q.ticker AND p.line_item = q.line_item
        AND p.seq BETWEEN q.seq - 3 AND q.seq
    GROUP BY q.ticker, q.line_item, q.fiscal_year, q.fiscal_quarter, q.period_end
    HAVING count(*) = 4
    UNION ALL
    SELECT
        c.ticker, c.line_item, c.fiscal_year, c.fiscal_quarter, p.period_end + 1, c.period_end,
        'fy_plus_ytd', 3, f.value + c.value - p.value,
        list_sort(list_distinct([f.latest_accession, c.latest_accession, p.latest_accession])),
        greatest(f.latest_filing_date, c.latest_filing_date, p.latest_filing_date),
        'FY' || f.fiscal_year || ' + FY' || c.fiscal_year || c.fiscal_period
            || ' - FY' || p.fiscal_year || p.fiscal_period
    FROM ytd AS c
    JOIN ytd AS p
        ON p.ticker = c.ticker AND p.line_item = c.line_item
        AND p.fiscal_period = c.fiscal_period AND p.fiscal_year = c.fiscal_year - 1
    JOIN fy AS f
        ON f.ticker = c.ticker AND f.line_item = c.line_item
        AND f.fiscal_year = c.fiscal_year - 1
)
SELECT
    ticker, line_item, fiscal_year, fiscal_quarter, period_start, period_end, method,
    preference,
    CAST(value AS BIGINT) AS value,
    source_accessions, latest_filing_date, notes
FROM candidates;

CREATE OR REPLACE TABLE core.ttm AS
WITH grouped AS (
    SELECT
        ticker, line_item, fiscal_year, fiscal_quarter,
        arg_min(c, preference) AS chosen,
        list(method ORDER BY preference) AS methods_available,
        CASE WHEN count(DISTINCT method) > 1 THEN min(value) = max(value) END AS methods_agree,
        CASE WHEN count(DISTINCT method) > 1 THEN max(value) - min(value) END AS methods_spread,
        string_agg(method || ' ' || format('{:,}', value), ', ' ORDER BY preference)
            AS all_values
    FROM core.ttm_candidates AS c
    GROUP BY ticker, line_item, fiscal_year, fiscal_quarter
)
SELECT
    g.ticker, g.line_item, g.fiscal_year, g.fiscal_quarter, cal.fiscal_label,
    cal.calendar_year, cal.calendar_quarter, cal.calendar_label,
    g.chosen.period_start AS period_start, g.chosen.period_end AS period_end,
    g.chosen.value AS value, g.chosen.method AS method, g.methods_available, g.methods_agree,
    g.methods_spread,
    g.chosen.source_accessions AS source_accessions,
    g.chosen.latest_filing_date AS latest_filing_date,
    g.chosen.notes
        || CASE WHEN NOT g.methods_agree THEN '; methods disagree: ' || g.all_values ELSE '' END
        AS notes
FROM grouped AS g
JOIN core.fiscal_calendar AS cal
    ON cal.ticker = g.ticker AND cal.fiscal_year = g.fiscal_year
    AND cal.fiscal_quarter = g.fiscal_quarter AND cal.period_kind = 'quarter'
ORDER BY g.ticker, g.line_item, g.fiscal_year, g.fiscal_quarter;

COMMENT ON COLUMN core.ttm.value IS 'Trailing twelve months to period_end, whole USD';
COMMENT ON COLUMN core.ttm.method IS
    'How value was found: reported_ttm (a reported twelve-month value, or the fiscal year at Q4), sum_of_quarters or fy_plus_ytd';
COMMENT ON COLUMN core.ttm.methods_available IS 'Every method that gave a value, most preferred first';
COMMENT ON COLUMN core.ttm.methods_agree IS
    'Whether every available method gives the same value (NULL when only one is available)';
COMMENT ON COLUMN core.ttm.methods_spread IS
    'Largest minus smallest value of the available methods, USD (NULL when only one is available)';
COMMENT ON COLUMN core.ttm.notes IS 'The inputs of the chosen method; every value when methods disagree';
