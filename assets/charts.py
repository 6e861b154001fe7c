"""The twelve-month race chart of the compare set, redrawn when a new snapshot is served."""

import base64
import hashlib
from pathlib import Path

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

import pipeline.charts as charts_module
from assets.marts import COMPANY_QUARTERS_KEY, COMPARE_SET_KEY
from pipeline.atomic_write import write_atomically
from pipeline.charts import chart_data, render_ttm_chart
from pipeline.resources import PipelineSettings
from pipeline.warehouse.resource import DuckDBWarehouse
from pipeline.warehouse.snapshots import SnapshotStore

CHART_FILE = "ttm_race.png"


@asset(
    key=["marts", "ttm_race_chart"],
    deps=[COMPANY_QUARTERS_KEY, COMPARE_SET_KEY],
    group_name="marts",
    kinds={"python", "matplotlib"},
    owners=["team:data-eng"],
    code_version="2",
    description=(
        "Twelve-month revenue, capex and capex intensity of each company of the compare set "
        "(FY at fiscal year ends, TTM at other quarter ends, from core.ttm via "
        "marts.company_quarters), as of the newest filing: data/charts/ttm_race.png."
    ),
)
def ttm_race_chart(
    context: AssetExecutionContext, settings: PipelineSettings, warehouse: DuckDBWarehouse
) -> MaterializeResult:
    """Render the chart to the data folder (unless it was drawn from the snapshot served now
    by the same chart code) and show it in the UI."""
    source = chart_source(warehouse)
    with warehouse.read() as con:
        data = chart_data(con)
    path = settings.settings().charts_dir / CHART_FILE
    stamp = path.with_name(f"{path.name}.source")
    current = path.is_file() and stamp.is_file() and stamp.read_text() == source
    if current:
        context.log.info(f"{path} is current: drawn from the snapshot served now ({data.title})")
    else:
        render_ttm_chart(data, path)
        write_atomically(stamp, source)
        context.log.info(f"drew {len(data.points)} points to {path} ({data.title})")
    encoded = base64.b64encode(path.read_bytes()).decode("ascii")
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(path)),
            "points": len(data.points),
            "companies": ", ".join(data.tickers),
            "as_of": str(data.as_of),
            "redrawn": not current,
            "chart": MetadataValue.md(f"![TTM revenue and capex](data:image/png;base64,{encoded})"),
        }
    )


def chart_source(warehouse: DuckDBWarehouse) -> str:
    """What a drawn chart depends on: the served snapshot's file name and the chart code."""
    served = SnapshotStore(warehouse.warehouse_path).served()
    code = hashlib.sha256(Path(charts_module.__file__).read_bytes()).hexdigest()[:16]
    return f"{served.name if served else ''} {code}"
