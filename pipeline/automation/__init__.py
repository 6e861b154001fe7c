"""Automation: the quarterly schedule, the new-filings sensor, and partition-range run tags."""
