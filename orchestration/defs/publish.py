"""The published analytics database: the only thing analysts read."""


import dagster as dg
from dagster_dbt import get_asset_key_for_model

from orchestration.defs.dbt import model_descriptions, warehouse_models
from orchestration.lib.lifecycle import writing
from orchestration.lib.progress import report
from orchestration.lib.publish import PUBLISHED_PREFIXES, publish
from orchestration.lib.registry import Registry
from orchestration.lib.settings import DataPaths

PUBLISHED_MODELS = sorted(name for name in model_descriptions() if name.startswith(PUBLISHED_PREFIXES))


@dg.asset(
    key=dg.AssetKey(["published", "analytics"]),
    deps=[get_asset_key_for_model([warehouse_models], name) for name in PUBLISHED_MODELS],
    group_name="published",
    kinds={"duckdb"},
    pool="warehouse_writer",
    description="The read-only analytics database: dimensions, facts and marts only, swapped in atomically.",
)
def published_analytics(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    paths = DataPaths.from_env().ensure()
    with writing(paths, context.log.warning):
        accepted = [s.as_dict() for s in Registry(paths.registry).all("accepted")]
        counts = publish(paths, context.run_id, accepted, model_descriptions())
        paths.published.chmod(0o444)
    report(context, f"published {len(counts)} table(s), {sum(counts.values())} row(s) to {paths.published}")
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(paths.published)),
        "tables": dg.MetadataValue.json(counts),
        "batches": len(accepted),
    })
