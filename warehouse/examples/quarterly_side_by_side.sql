-- Each calendar quarter's revenue with one column per company of the compare set, whatever
-- the set holds: DuckDB's PIVOT turns the long-form mart into side-by-side columns (a
-- company's fiscal quarter sits in the calendar quarter holding its midpoint, e.g. a quarter
-- ending 2023-07-31 beside one ending 2023-06-30 in CY2023Q2).
PIVOT (
    SELECT calendar_year, calendar_quarter, calendar_label, ticker, revenue
    FROM marts.quarterly_comparison
)
ON ticker
USING any_value(revenue)
GROUP BY calendar_year, calendar_quarter, calendar_label
ORDER BY calendar_year DESC, calendar_quarter DESC;
