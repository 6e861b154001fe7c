-- Every line-item value with its classified period and its filing. An amendment
-- (10-K/A, 10-Q/A: same company, base form and period of report, filed later) supersedes
-- the values of the filing it amends for each line item and period it carries; values it
-- does not carry (partial XBRL) stay with the original. A NULL value (the filing's facts for
-- the chosen concept conflict, or cannot be read) is kept, with the reason in `notes`.
CREATE OR REPLACE TABLE core.line_item_observations AS
WITH conflicts AS (
    SELECT
        accession_number, concept, period_start, period_end,
        string_agg(DISTINCT regexp_replace(CAST(value AS VARCHAR), '\.0+$', ''), ' vs '
            ORDER BY regexp_replace(CAST(value AS VARCHAR), '\.0+$', ''))
            AS values_seen
    FROM raw.facts
    WHERE is_conflict AND dimensions = '' AND unit = 'USD' AND period_type = 'duration'
    GROUP BY ALL
),
obs AS (
    SELECT
        li.ticker, li.cik, li.accession_number,
        coalesce(f.form, li.form) AS form,
        coalesce(f.is_amendment, coalesce(f.form, li.form) LIKE '%/A') AS is_amendment,
        replace(coalesce(f.form, li.form), '/A', '') AS base_form,
        li.filing_date, f.period_of_report, f.accession_number IS NOT NULL AS in_catalog,
        li.line_item, li.concept, li.value, li.unit, li.decimals,
        li.period_start, li.period_end, p.days, p.period_kind,
        p.fiscal_year, p.fiscal_period, p.fiscal_quarter,
        CASE WHEN li.value IS NULL THEN
            li.concept || ' in ' || li.accession_number || ': '
            || coalesce('conflicting values ' || c.values_seen, 'no readable value')
        END AS notes
    FROM raw.line_items AS li
    JOIN core.periods AS p USING (ticker, period_start, period_end)
    LEFT JOIN raw.filings AS f
        ON f.accession_number = li.accession_number AND f.ticker = li.ticker
    LEFT JOIN conflicts AS c
        ON c.accession_number = li.accession_number AND c.concept = li.concept
        AND c.period_start = li.period_start AND c.period_end = li.period_end
        AND li.value IS NULL
),
superseded AS (
    SELECT
        o.accession_number, o.line_item, o.period_start, o.period_end,
        arg_max(a.accession_number, a.filing_date) AS superseded_by
    FROM obs AS o
    JOIN obs AS a
        ON a.is_amendment
        AND a.ticker = o.ticker
        AND a.base_form = o.base_form
        AND a.period_of_report = o.period_of_report
        AND a.line_item = o.line_item
        AND a.period_start = o.period_start
        AND a.period_end = o.period_end
        AND (a.filing_date > o.filing_date
            OR (a.filing_date = o.filing_date AND a.accession_number > o.accession_number))
    GROUP BY ALL
)
SELECT obs.*, s.superseded_by
FROM obs
LEFT JOIN superseded AS s USING (accession_number, line_item, period_start, period_end);
