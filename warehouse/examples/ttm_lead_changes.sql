-- Quarters where the trailing-twelve-month revenue or capex leader of the compare set changed:
-- from whom to whom, both TTMs with their methods, and the gap at that quarter.
SELECT
    line_item, calendar_label, previous_leader, previous_leader_last_quarter, new_leader,
    new_leader_ttm, new_leader_method, previous_leader_ttm, previous_leader_method, gap, notes
FROM marts.lead_changes
ORDER BY line_item, calendar_year, calendar_quarter;
