"""The landing sensor: new files start their own ingestion, and only what depends on them is rebuilt."""

import hashlib
import json

import dagster as dg

from orchestration.defs.ingest import asset_key_for_file
from orchestration.lib.landing import discover, is_settled
from orchestration.lib.settings import DataPaths


@dg.sensor(
    name="landing_sensor",
    target=dg.AssetSelection.all(),
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Watches the landing area. A new or replaced file starts a run of the ingest asset for its provider "
                "and feed and of everything downstream of it: nothing else is re-ingested.",
)
def landing_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    paths = DataPaths.from_env()
    if not paths.landing.exists():
        return dg.SkipReason(f"no landing area at {paths.landing}")
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    new: dict[str, tuple[str, str]] = {}
    for landing_file in discover(paths.landing):  # links and other entries are never followed, only listed
        _, _, size, mtime_ns = landing_file.stamp
        stamp = f"{mtime_ns}:{size}"
        if seen.get(landing_file.relative) != stamp and is_settled(landing_file):  # a file being written waits
            new[landing_file.relative] = (stamp, landing_file.name)
    if not new:
        return dg.SkipReason("no new files in the landing area")
    sources = {asset_key_for_file(name) for _, name in new.values()}
    selection = dg.AssetSelection.assets(*sources).downstream().resolve(context.repository_def.asset_graph)
    seen.update({relative: stamp for relative, (stamp, _) in new.items()})
    run_key = hashlib.sha256(json.dumps(sorted(new.items())).encode()).hexdigest()[:16]
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=run_key, asset_selection=sorted(selection, key=str),
                                    tags={"cdw/new_files": str(len(new))})],
        cursor=json.dumps(seen),
    )
