"""The landing sensor: new files start their own ingestion, and only what depends on them is rebuilt.

What has been received is known in one place, the registry's record of every landing path (device, inode,
size and modification time when it was taken), whichever way it was taken: ``cdw run``, a sensor's run or
the UI. The sensor keeps no list of its own, so after ``cdw run`` it asks for nothing; a file landed or
replaced since starts a run of its own ingest asset and what is downstream of it. The run key is made from
the files' stamps, so a file waiting for its run is not asked for twice.
"""

import hashlib
import json

import dagster as dg

from orchestration.defs.ingest import asset_key_for_file
from orchestration.lib.landing import discover, is_settled
from orchestration.lib.registry import Registry
from orchestration.lib.settings import DataPaths


def files_to_ingest(paths: DataPaths) -> dict[str, tuple[str, str]]:
    """Landing files the registry has not seen as they are now, and settled: {relative path: (stamp, name)}."""
    received = Registry(paths.registry).landing_stamps() if paths.registry.exists() else {}
    new: dict[str, tuple[str, str]] = {}
    for landing_file in discover(paths.landing):  # links and other entries are never followed, only listed
        if received.get(landing_file.relative) == tuple(landing_file.stamp):
            continue
        if is_settled(landing_file):  # a file being written waits
            _, _, size, mtime_ns = landing_file.stamp
            new[landing_file.relative] = (f"{mtime_ns}:{size}", landing_file.name)
    return new


@dg.sensor(
    name="landing_sensor",
    target=dg.AssetSelection.all(),
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Watches the landing area and asks the registry what was received. A new or replaced file starts "
                "a run of the ingest asset for its provider and feed and of everything downstream of it: nothing "
                "else is re-ingested.",
)
def landing_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    paths = DataPaths.from_env()
    if not paths.landing.exists():
        return dg.SkipReason(f"no landing area at {paths.landing}")
    new = files_to_ingest(paths)
    if not new:
        return dg.SkipReason("every file in the landing area has been received")
    sources = {asset_key_for_file(name) for _, name in new.values()}
    selection = dg.AssetSelection.assets(*sources).downstream().resolve(context.repository_def.asset_graph)
    run_key = hashlib.sha256(json.dumps(sorted(new.items())).encode()).hexdigest()[:16]
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=run_key, asset_selection=sorted(selection, key=str),
                                    tags={"cdw/new_files": str(len(new))})],
    )
