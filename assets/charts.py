"""The twelve-month race chart of the compare set, redrawn whenever the marts change."""

import base64

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from assets.marts import COMPANY_QUARTERS_KEY, COMPARE_SET_KEY
from pipeline.charts import chart_data, render_ttm_chart
from pipeline.resources import PipelineSettings
from pipeline.warehouse.resource import DuckDBWarehouse

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
    """Render the chart to the data folder and show it in the UI."""
    with warehouse.read() as con:
        data = chart_data(con)
    path = render_ttm_chart(data, settings.settings().charts_dir / CHART_FILE)
    context.log.info(f"drew {len(data.points)} points to {path} ({data.title})")
    encoded = base64.b64encode(path.read_bytes()).decode("ascii")
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(path)),
            "points": len(data.points),
            "companies": ", ".join(data.tickers),
            "as_of": str(data.as_of),
            "chart": MetadataValue.md(f"![TTM revenue and capex](data:image/png;base64,{encoded})"),
        }
    )
