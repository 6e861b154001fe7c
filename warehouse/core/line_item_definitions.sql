-- What each line item is, which statement it comes from and whether it can be negative
-- (a derived quarter of an item that cannot be negative is flagged by an asset check).
CREATE OR REPLACE TABLE core.line_item_definitions AS
SELECT * FROM (VALUES
    ('revenue', 'income', false, 'Total revenues (AMZN total net sales; WMT total revenues)'),
    ('net_sales', 'income', false, 'Net sales (WMT: excluding membership and other income)'),
    ('membership_and_other_income', 'income', false, 'WMT membership and other income'),
    ('operating_income', 'income', true, 'Operating income'),
    ('net_income', 'income', true, 'Net income'),
    ('capex', 'cash_flow', false, 'Purchases of property and equipment (gross)'),
    ('proceeds_from_property_sales_and_incentives', 'cash_flow', false,
        'Proceeds from property and equipment sales and incentives'),
    ('finance_lease_principal_repayments', 'cash_flow', false,
        'Principal repayments of finance leases'),
    ('operating_cash_flow', 'cash_flow', true, 'Net cash provided by operating activities')
) AS t(line_item, statement, can_be_negative, description);
