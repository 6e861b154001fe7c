-- marts.capex_intensity: per company and fiscal year.
--   capex                          = purchases of property and equipment (gross, line item capex)
--   capex_incl_finance_leases      = capex + finance_lease_principal_repayments
--   capex_net_of_proceeds          = capex - proceeds_from_property_sales_and_incentives
--   free_cash_flow                 = operating_cash_flow - capex
--   free_cash_flow_net_of_proceeds = operating_cash_flow - capex_net_of_proceeds
--                                    (Amazon's own "free cash flow" definition)
-- Every result is NULL when one of its inputs is missing (never treated as zero). USD as
-- BIGINT (whole dollars), ratios DECIMAL(18, 6).
CREATE OR REPLACE TABLE marts.capex_intensity AS
WITH fy AS (
    SELECT
        ticker, fiscal_year,
        min(period_start) AS period_start, max(period_end) AS period_end,
        any_value(value) FILTER (WHERE line_item = 'revenue') AS revenue,
        any_value(value) FILTER (WHERE line_item = 'capex') AS capex,
        any_value(value) FILTER (
            WHERE line_item = 'finance_lease_principal_repayments'
        ) AS finance_lease_principal_repayments,
        any_value(value) FILTER (
            WHERE line_item = 'proceeds_from_property_sales_and_incentives'
        ) AS proceeds_from_property_sales_and_incentives,
        any_value(value) FILTER (WHERE line_item = 'operating_cash_flow') AS operating_cash_flow,
        list_sort(list_distinct(flatten(list(source_accessions)))) AS source_accessions
    FROM (
        SELECT
            * REPLACE (
                marts.whole_dollars(value, ticker || ' ' || line_item || ' ' || fiscal_label)
                    AS value
            )
        FROM core.financials
        WHERE fiscal_period = 'FY'
    )
    GROUP BY ticker, fiscal_year
),
quarters AS (
    SELECT
        ticker, fiscal_year,
        count(*) FILTER (WHERE line_item = 'revenue') AS revenue_quarters_available,
        count(*) FILTER (WHERE line_item = 'capex') AS capex_quarters_available
    FROM core.financials
    WHERE fiscal_period IN ('Q1', 'Q2', 'Q3', 'Q4')
    GROUP BY ticker, fiscal_year
),
computed AS (
    SELECT
        c.ticker, c.fiscal_year, c.fiscal_label, c.calendar_year, c.calendar_label,
        fy.period_start, fy.period_end,
        fy.revenue, fy.capex, fy.finance_lease_principal_repayments,
        fy.capex + fy.finance_lease_principal_repayments AS capex_incl_finance_leases,
        fy.proceeds_from_property_sales_and_incentives,
        fy.capex - fy.proceeds_from_property_sales_and_incentives AS capex_net_of_proceeds,
        fy.operating_cash_flow,
        coalesce(q.revenue_quarters_available, 0) AS revenue_quarters_available,
        coalesce(q.capex_quarters_available, 0) AS capex_quarters_available,
        fy.source_accessions
    FROM fy
    JOIN core.fiscal_calendar AS c
        ON c.ticker = fy.ticker AND c.fiscal_year = fy.fiscal_year AND c.fiscal_period = 'FY'
    LEFT JOIN quarters AS q ON q.ticker = fy.ticker AND q.fiscal_year = fy.fiscal_year
)
SELECT
    ticker, fiscal_year, fiscal_label, calendar_year, calendar_label, period_start, period_end,
    revenue, capex, finance_lease_principal_repayments, capex_incl_finance_leases,
    proceeds_from_property_sales_and_incentives, capex_net_of_proceeds,
    CAST(round(capex / nullif(revenue, 0), 6) AS DECIMAL(18, 6)) AS capex_to_revenue,
    CAST(round(capex_incl_finance_leases / nullif(revenue, 0), 6) AS DECIMAL(18, 6))
        AS capex_incl_finance_leases_to_revenue,
    operating_cash_flow,
    operating_cash_flow - capex AS free_cash_flow,
    operating_cash_flow - capex_net_of_proceeds AS free_cash_flow_net_of_proceeds,
    revenue_quarters_available, capex_quarters_available,
    revenue IS NOT NULL AND capex IS NOT NULL AND finance_lease_principal_repayments IS NOT NULL
        AND operating_cash_flow IS NOT NULL AS is_complete,
    array_to_string([n FOR n IN [
        CASE WHEN revenue IS NULL THEN 'revenue missing' END,
        CASE WHEN capex IS NULL THEN 'capex missing' END,
        CASE WHEN finance_lease_principal_repayments IS NULL
            THEN 'finance lease principal repayments missing' END,
        CASE WHEN proceeds_from_property_sales_and_incentives IS NULL
            THEN 'proceeds from property sales missing' END,
        CASE WHEN operating_cash_flow IS NULL THEN 'operating cash flow missing' END,
        CASE WHEN capex_quarters_available BETWEEN 1 AND 3
            THEN 'year has a missing capex quarter: ' || capex_quarters_available
                || ' of 4 available' END,
        CASE WHEN revenue_quarters_available BETWEEN 1 AND 3
            THEN 'year has a missing revenue quarter: ' || revenue_quarters_available
                || ' of 4 available' END
    ] IF n IS NOT NULL], '; ') AS notes,
    source_accessions
FROM computed
ORDER BY ticker, fiscal_year;
