"""Where the Parquet inputs are (catalog, facts, line items)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.config import Settings


@dataclass(frozen=True)
class ParquetInputs:
    """Paths of the three Parquet datasets the warehouse loads.

    The catalog names the per-filing files to load; nothing else in the folders counts.
    """

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

    def dataset_dir(self, dataset: str) -> Path:
        """The folder of a per-filing dataset (``facts`` or ``line_items``)."""
        return {"facts": self.facts_dir, "line_items": self.line_items_dir}[dataset]
