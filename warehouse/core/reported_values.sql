-- One value per company, line item and fiscal period as *reported* (Q1-Q4 three months,
-- H1/M9 year-to-date, FY), keeping the first-reported and the latest value apart.
-- First = earliest filing date; latest = most recent filing date (an amendment wins a tie).
-- Values superseded by an amendment are out of both. `value` NULL: the latest filing's facts
-- conflict (`notes` says which and how); it is never replaced by an older or weaker value.
CREATE OR REPLACE TABLE core.reported_values AS
WITH live AS (
    SELECT *
    FROM core.line_item_observations
    WHERE period_kind <> 'other' AND superseded_by IS NULL
),
ranked AS (
    SELECT
        *,
        row_number() OVER (
            PARTITION BY ticker, line_item, fiscal_year, fiscal_period
            ORDER BY filing_date, is_amendment, accession_number
        ) AS first_rank,
        row_number() OVER (
            PARTITION BY ticker, line_item, fiscal_year, fiscal_period
            ORDER BY filing_date DESC, is_amendment DESC, accession_number DESC
        ) AS latest_rank,
        count(*) OVER (PARTITION BY ticker, line_item, fiscal_year, fiscal_period) AS n_reports
    FROM live
)
SELECT
    l.ticker, l.line_item, l.fiscal_year, l.fiscal_period, l.fiscal_quarter, l.period_kind,
    l.period_start, l.period_end, l.concept,
    l.value, l.notes, l.accession_number AS latest_accession, l.form AS latest_form,
    l.filing_date AS latest_filing_date,
    f.value AS first_value, f.accession_number AS first_accession,
    f.filing_date AS first_filing_date,
    l.n_reports,
    l.value IS DISTINCT FROM f.value AS is_restated
FROM ranked AS l
JOIN ranked AS f USING (ticker, line_item, fiscal_year, fiscal_period)
WHERE l.latest_rank = 1 AND f.first_rank = 1;
