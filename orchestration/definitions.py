"""All the warehouse's Dagster definitions, assembled in one place."""

from __future__ import annotations

import dagster as dg

from orchestration.defs.dbt import dbt_resource, source_feeds, warehouse_models
from orchestration.defs.extract import commissioner_extract_job, commissioner_extract_schedule
from orchestration.defs.ingest import build_ingest_definitions
from orchestration.defs.publish import published_analytics
from orchestration.defs.sensors import landing_sensor
from orchestration.lib.memory import StepMemory, limit_allocator_arenas

limit_allocator_arenas()  # before the run's threads start: each would otherwise keep an arena of its own
ingest_assets, gate_checks = build_ingest_definitions(source_feeds())
step_memory = StepMemory()


@dg.success_hook(name="release_memory_after_step")
def release_memory_after_step(_context: dg.HookContext) -> None:
    """Steps run one after another in one process: what a large one freed should not be held through the next."""
    step_memory.after_step()


@dg.failure_hook(name="release_memory_after_failed_step")
def release_memory_after_failed_step(_context: dg.HookContext) -> None:
    step_memory.after_step()


warehouse_job = dg.define_asset_job(
    "warehouse_job",
    selection=dg.AssetSelection.all(),
    description="Ingest every new submission, gate it, build and test the warehouse, and publish.",
    hooks={release_memory_after_step, release_memory_after_failed_step},
)

defs = dg.Definitions(
    assets=[*ingest_assets, warehouse_models, published_analytics],
    asset_checks=gate_checks,
    jobs=[warehouse_job, commissioner_extract_job],
    schedules=[commissioner_extract_schedule],
    sensors=[landing_sensor],
    resources={"dbt": dbt_resource()},
)
