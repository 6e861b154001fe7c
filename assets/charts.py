"""The trailing-twelve-month race chart, redrawn whenever the marts change."""

import base64

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from assets.marts import CAPEX_KEY, TTM_KEY
from pipeline.charts import chart_points, render_ttm_chart
from pipeline.resources import PipelineSettings
from pipeline.warehouse.resource import DuckDBWarehouse

CHART_FILE = "ttm_race.png"


@asset(
    key=["marts", "ttm_race_chart"],
    deps=[TTM_KEY, CAPEX_KEY],
    group_name="marts",
    kinds={"python", "matplotlib"},
    owners=["team:data-eng"],
    code_version="1",
    description=(
        "Trailing-twelve-month revenue and capex of both companies (fiscal-year totals at their "
        "year ends, TTM at quarter ends), drawn from the marts: data/charts/ttm_race.png."
    ),
)
def ttm_race_chart(
    context: AssetExecutionContext, settings: PipelineSettings, warehouse: DuckDBWarehouse
) -> MaterializeResult:
    """Render the chart to the data folder and show it in the UI."""
    with warehouse.read() as con:
        points = chart_points(con)
    path = render_ttm_chart(points, settings.settings().charts_dir / CHART_FILE)
    context.log.info(f"drew {len(points)} points to {path}")
    encoded = base64.b64encode(path.read_bytes()).decode("ascii")
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(path)),
            "points": len(points),
            "chart": MetadataValue.md(f"![TTM revenue and capex](data:image/png;base64,{encoded})"),
        }
    )
