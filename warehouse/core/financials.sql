-- core.financials: one row per company, line item and fiscal period (Q1-Q4, FY) in USD.
-- A reported three-month (or twelve-month) value wins; otherwise the quarter is derived
-- from year-to-date values, in this order of preference:
--   Q1: six_months_ytd - q2
--   Q2: six_months_ytd - q1
--   Q3: nine_months_ytd - six_months_ytd | nine_months_ytd - q1 - q2
--   Q4: fiscal_year - nine_months_ytd | fiscal_year - six_months_ytd - q3
--       | fiscal_year - q1 - q2 - q3
-- (q1/q2/q3 in a derivation are reported three-month values). `value` uses the latest
-- value of every input, `first_reported_value` the first-reported ones; a derived row's
-- filing dates are the latest of its inputs' (when the value became computable).
-- Values are whole USD (BIGINT). An input whose filing's facts conflict is NULL: the row is
-- NULL too, with the reason in `notes` (never a weaker concept's or another route's value).
CREATE OR REPLACE TABLE core.financials AS
WITH r AS (
    SELECT
        ticker, line_item, fiscal_year, fiscal_period,
        {
            'v': value, 'fv': first_value, 'n': notes,
            'acc': latest_accession, 'facc': first_accession,
            'fd': latest_filing_date, 'ffd': first_filing_date,
            's': period_start, 'e': period_end
        } AS x
    FROM core.reported_values
),
w AS (
    SELECT
        ticker, line_item, fiscal_year,
        any_value(x) FILTER (WHERE fiscal_period = 'Q1') AS q1,
        any_value(x) FILTER (WHERE fiscal_period = 'Q2') AS q2,
        any_value(x) FILTER (WHERE fiscal_period = 'Q3') AS q3,
        any_value(x) FILTER (WHERE fiscal_period = 'Q4') AS q4,
        any_value(x) FILTER (WHERE fiscal_period = 'H1') AS h1,
        any_value(x) FILTER (WHERE fiscal_period = 'M9') AS m9,
        any_value(x) FILTER (WHERE fiscal_period = 'FY') AS fy
    FROM r
    GROUP BY ticker, line_item, fiscal_year
),
candidates AS (
    SELECT ticker, line_item, fiscal_year, 'Q1' AS fiscal_period, 1 AS priority,
        NULL::VARCHAR AS derivation, q1.v AS value, q1.fv AS first_value,
        q1.s AS period_start, q1.e AS period_end, [q1] AS inputs
    FROM w WHERE q1 IS NOT NULL
    UNION ALL
    SELECT ticker, line_item, fiscal_year, 'Q1', 2, 'six_months_ytd - q2',
        h1.v - q2.v, h1.fv - q2.fv, h1.s, q2.s - 1, [h1, q2]
    FROM w WHERE h1 IS NOT NULL AND q2 IS NOT NULL
    UNION ALL
    SELECT ticker, line_item, fiscal_year, 'Q2', 1, NULL, q2.v, q2.fv, q2.s, q2.e, [q2]
    FROM w WHERE q2 IS NOT NULL
    UNION ALL
    SELECT ticker, line_item, fiscal_year, 'Q2', 2, 'six_months_ytd - q1',
        h1.v - q1.v, h1.fv - q1.fv, q1.e + 1, h1.e, [h1, q1]
    FROM w WHERE h1 IS NOT NULL AND q1 IS NOT NULL
    UNION ALL
    SELECT ticker, line_item, fiscal_year, 'Q3', 1, NULL, q3.v, q3.fv, q3.s, q3.e, [q3]
    FROM w WHERE q3 IS NOT NULL
    UNION ALL
    SELECT ticker, line_item, fiscal_year, 'Q3', 2, 'nine_months_ytd - six_months_ytd',
        m9.v - h1.v, m9.fv - h1.fv, h1.e + 1, m9.e, [m9, h1]
    FROM w WHERE m9 IS NOT NULL AND h1 IS NOT NULL
    UNION ALL
    SELECT ticker, line_item, fiscal_year, 'Q3', 3, 'nine_months_ytd - q1 - q2',
        m9.v - q1.v - q2.v, m9.fv - q1.fv - q2.fv, q2.e + 1, m9.e, [m9, q1, q2]
    FROM w WHERE m9 IS NOT NULL AND q1 IS NOT NULL AND q2 IS NOT NULL
    UNION ALL
    SELECT ticker, line_item, fiscal_year, 'Q4', 1, NULL, q4.v, q4.fv, q4.s, q4.e, [q4]
    FROM w WHERE q4 IS NOT NULL
    UNION ALL
    SELECT ticker, line_item, fiscal_year, 'Q4', 2, 'fiscal_year - nine_months_ytd',
        fy.v - m9.v, fy.fv - m9.fv, m9.e + 1, fy.e, [fy, m9]
    FROM w WHERE fy IS NOT NULL AND m9 IS NOT NULL
    UNION ALL
    SELECT ticker, line_item, fiscal_year, 'Q4', 3, 'fiscal_year - six_months_ytd - q3',
        fy.v - h1.v - q3.v, fy.fv - h1.fv - q3.fv, q3.e + 1, fy.e, [fy, h1, q3]
    FROM w WHERE fy IS NOT NULL AND h1 IS NOT NULL AND q3 IS NOT NULL
    UNION ALL
    SELECT ticker, line_item, fiscal_year, 'Q4', 4, 'fiscal_year - q1 - q2 - q3',
        fy.v - q1.v - q2.v - q3.v, fy.fv - q1.fv - q2.fv - q3.fv, q3.e + 1, fy.e,
        [fy, q1, q2, q3]
    FROM w WHERE fy IS NOT NULL AND q1 IS NOT NULL AND q2 IS NOT NULL AND q3 IS NOT NULL
    UNION ALL
    SELECT ticker, line_item, fiscal_year, 'FY', 1, NULL, fy.v, fy.fv, fy.s, fy.e, [fy]
    FROM w WHERE fy IS NOT NULL
),
chosen AS (
    SELECT *
    FROM candidates
    QUALIFY row_number() OVER (
        PARTITION BY ticker, line_item, fiscal_year, fiscal_period ORDER BY priority
    ) = 1
)
SELECT
    c.ticker, c.line_item, c.fiscal_year, c.fiscal_period, cal.fiscal_quarter,
    cal.fiscal_label, cal.calendar_year, cal.calendar_quarter, cal.calendar_label,
    c.period_start, c.period_end, datediff('day', c.period_start, c.period_end) + 1 AS days,
    CAST(c.value AS BIGINT) AS value,
    'USD' AS currency,
    CASE WHEN c.derivation IS NULL THEN 'reported' ELSE 'derived' END AS method,
    c.derivation,
    list_sort(list_distinct([i.acc FOR i IN c.inputs])) AS source_accessions,
    list_max([i.fd FOR i IN c.inputs]) AS latest_filing_date,
    CAST(c.first_value AS BIGINT) AS first_reported_value,
    list_sort(list_distinct([i.facc FOR i IN c.inputs])) AS first_reported_accessions,
    list_max([i.ffd FOR i IN c.inputs]) AS first_reported_filing_date,
    c.value IS DISTINCT FROM c.first_value AS is_restated,
    nullif(array_to_string([i.n FOR i IN c.inputs IF i.n IS NOT NULL], '; '), '')
        AS notes
FROM chosen AS c
JOIN core.fiscal_calendar AS cal USING (ticker, fiscal_year, fiscal_period)
ORDER BY c.ticker, c.line_item, c.fiscal_year, c.fiscal_period;
