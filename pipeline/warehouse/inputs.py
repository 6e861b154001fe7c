"""Where the Parquet inputs are (catalog, facts, line items)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.config import Settings

PARTITION_GLOB = "ticker=*/*.parquet"


@dataclass(frozen=True)
class ParquetInputs:
    """Paths of the three Parquet datasets the warehouse loads."""

    catalog_path: Path
    facts_dir: Path
    line_items_dir: Path

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> ParquetInputs:
        """The datasets under ``Settings.parquet_dir``."""
        s = settings or Settings.from_env()
        return cls(s.catalog_path, s.facts_dir, s.line_items_dir)

    def catalog_present(self) -> bool:
        return self.catalog_path.is_file()

    def facts_present(self) -> bool:
        return any(self.facts_dir.glob(PARTITION_GLOB))

    def line_items_present(self) -> bool:
        return any(self.line_items_dir.glob(PARTITION_GLOB))
