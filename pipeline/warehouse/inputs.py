"""Where the Parquet inputs are (catalog, facts, line items): a local folder or an object store."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline import lake
from pipeline.config import Settings
from pipeline.lake import LakePath


@dataclass(frozen=True)
class ParquetInputs:
    """Locations of the three Parquet datasets the warehouse loads (:mod:`pipeline.lake`:
    local paths, or object store locations).

    The catalog names the per-filing files to load; nothing else in the folders counts.
    """

    catalog_path: LakePath
    facts_dir: LakePath
    line_items_dir: LakePath

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> ParquetInputs:
        """The datasets under ``Settings.parquet_dir`` (``EDGAR_LAKE``)."""
        s = settings or Settings.from_env()
        return cls(s.catalog_path, s.facts_dir, s.line_items_dir)

    def catalog_present(self) -> bool:
        return lake.is_file(self.catalog_path)

    def dataset_dir(self, dataset: str) -> LakePath:
        """The folder of a per-filing dataset (``facts`` or ``line_items``)."""
        return {"facts": self.facts_dir, "line_items": self.line_items_dir}[dataset]
