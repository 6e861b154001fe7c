"""Partitions: one per filing, keyed by accession number, added in filing-date order.

Filings arrive one at a time, so each is its own partition: a new 10-Q is downloaded and
parsed on its own, and a parser fix can be backfilled over a range of filings (the keys
are registered in filing-date order, so "all filings of 2023" is one contiguous range).
The warehouse and marts are unpartitioned and rebuild in one step from all filings.
"""

from dagster import DynamicPartitionsDefinition

FILINGS = DynamicPartitionsDefinition(name="filings")
