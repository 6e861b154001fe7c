-- Capex intensity and free cash flow per company and fiscal year.
SELECT
    ticker, fiscal_label, calendar_label,
    capex, finance_lease_principal_repayments, capex_incl_finance_leases,
    capex_to_revenue, capex_incl_finance_leases_to_revenue,
    operating_cash_flow, free_cash_flow, free_cash_flow_net_of_proceeds,
    notes
FROM marts.capex_intensity
ORDER BY ticker, fiscal_year DESC;
