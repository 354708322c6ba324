"""The dbt project as Dagster assets; dbt tests become asset checks.

The manifest is parsed once (``dbt parse``, when it is missing or older than
the project's files) and cached in ``target/``, not re-parsed on every
definitions load.
"""


import functools
import hashlib
import importlib.metadata
import json
import os
import shutil
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from packaging.version import Version

from orchestration.lib.engine import dbt_target
from orchestration.lib.lifecycle import writing
from orchestration.lib.memory import make_room
from orchestration.lib.progress import report
from orchestration.lib.second_line import withdraw_failing_batches
from orchestration.lib.settings import DBT_PROFILES_DIR, DBT_PROJECT_DIR, PROJECT_ROOT, DataPaths

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROFILES_DIR)
MANIFEST = dbt_project.manifest_path
# dbt is installed beside this interpreter; the virtual environment need not be on PATH.
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")
KEPT_DBT_RUNS = 3  # target folders kept under the data root (each is about 16 MB at scale 1)
UNIT_TESTS_EXCLUDED = ["--exclude-resource-type", "unit_test"]
# dbt.log at info: what ran, what failed and why. At debug (dbt's default) it also held every node's SQL (kept in
# the target's run/ folder anyway) and connection chatter, 28,000 lines a build (about 0.6 s of a 22 s build).
FILE_LOG_AT_INFO = ["--log-level-file", "info"]


class WarehouseDbtCli(DbtCliResource):
    """dagster-dbt's dbt resource, without two costs it pays in this process before every command.

    - The handle on dbt's adapter serves only ``fetch_row_counts`` and ``fetch_column_metadata``, which these
      assets do not call; opening it loaded dbt's profile, project and adapter each build (1.2 to 3 s, measured).
    - dagster-dbt learns dbt's version by running ``dbt --version``: a second dbt process, which imports dbt and
      asks PyPI for the latest release (2.2 s of each `cdw run`, measured). The executable is this environment's
      (``DBT_EXECUTABLE``), so its version is the installed dbt-core's."""

    def _initialize_dbt_core_adapter(self, args: Any) -> None:  # dagster-dbt then runs dbt with no adapter
        return None

    @property
    def _cli_version(self) -> Version:
        return installed_dbt_version()


@functools.cache
def installed_dbt_version() -> Version:
    """The version of dbt-core installed beside this interpreter: that of ``DBT_EXECUTABLE``."""
    return Version(importlib.metadata.version("dbt-core"))


def dbt_resource() -> DbtCliResource:
    return WarehouseDbtCli(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)


def _project_files() -> Iterator[Path]:
    yield PROJECT_ROOT / "dbt_project.yml"
    for folder in ("models", "macros", "seeds", "tests"):
        yield from (PROJECT_ROOT / "dbt_project" / folder).rglob("*.*")


def project_fingerprint() -> str:
    """A hash of the dbt project's files and profiles: what an incremental build must have been built with."""
    digest = hashlib.sha256()
    for path in sorted([*_project_files(), DBT_PROFILES_DIR / "profiles.yml"]):
        digest.update(str(path.relative_to(PROJECT_ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def incremental_basis(paths: DataPaths) -> Path:
    """Where a build that finished without a failure records the project and engine it was built with."""
    return paths.dbt_runs.parent / "incremental_basis.json"


def full_refresh_reason(paths: DataPaths, basis: dict[str, str]) -> str | None:
    """Why this build must rebuild the incremental models whole, or None when the last build finished without a
    failure on this project and engine. Incremental models keep what earlier builds wrote, so after a failed or
    interrupted build, or a change to a model, a macro or a seed, only a full rebuild is sure to be right."""
    path = incremental_basis(paths)
    if not path.exists():
        return "the last build failed, was interrupted or is the first on this data root"
    recorded = json.loads(path.read_text(encoding="utf-8"))
    if recorded.get("engine") != basis["engine"]:
        return f"the engine changed ({recorded.get('engine')} to {basis['engine']})"
    if recorded.get("project") != basis["project"]:
        return "the dbt project (its models, macros, seeds, tests or profiles) changed since the last build"
    return None


def ensure_manifest() -> Path:
    """Parse the dbt project if the cached manifest is missing or stale. Each parse writes into a folder of its own
    and the manifest is renamed into place, so two processes parsing at once never read half of one."""
    newest = max(p.stat().st_mtime for p in _project_files())
    if not MANIFEST.exists() or MANIFEST.stat().st_mtime < newest:
        os.environ.setdefault("DBT_LOG_PATH", str(PROJECT_ROOT / "target" / "logs"))
        MANIFEST.parent.mkdir(parents=True, exist_ok=True)
        parsing = MANIFEST.parent / f".parse-{os.getpid()}-{time.monotonic_ns()}"
        try:
            dbt_resource().cli(["parse", "--quiet"], target_path=parsing).wait()
            os.replace(parsing / MANIFEST.name, MANIFEST)
        finally:
            shutil.rmtree(parsing, ignore_errors=True)
    return MANIFEST


class WarehouseTranslator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        return "warehouse"


def model_descriptions() -> dict[str, dict]:
    """Each model's description and its columns' descriptions, for the published database's comments."""
    manifest = json.loads(ensure_manifest().read_text(encoding="utf-8"))
    return {
        node["name"]: {"description": node.get("description", ""),
                       "columns": {c: v.get("description", "") for c, v in node.get("columns", {}).items()}}
        for node in manifest["nodes"].values() if node["resource_type"] == "model"
    }


def source_feeds() -> list[str]:
    """The feeds the warehouse reads: the tables of the dbt source ``batches``."""
    manifest = json.loads(ensure_manifest().read_text(encoding="utf-8"))
    return sorted(s["name"] for s in manifest["sources"].values() if s["source_name"] == "batches")


@dbt_assets(manifest=ensure_manifest(), project=dbt_project, dagster_dbt_translator=WarehouseTranslator(),
            pool="warehouse_writer")
def warehouse_models(context: dg.AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
    """Seeds, staging, intermediate models and marts, built and tested with ``dbt build``."""
    paths = DataPaths.from_env()
    with writing(paths, context.log.warning):
        prune_dbt_runs(paths.dbt_runs, KEPT_DBT_RUNS - 1)
        make_room()  # dbt's DuckDB, in a child process, builds beside what this process holds
        invocation, events = _build(context, dbt, paths)
        if not invocation.is_successful():
            # The second line behind the gate: batches whose rows fail a test are withdrawn, then the warehouse
            # is built again without them, so one provider's slipped record stops nobody else's publication.
            withdrawn, unattributed = withdraw_failing_batches(paths, invocation.target_path)
            for name in withdrawn:
                context.log.warning(f"withdrawn after failing a warehouse test: {name}")
            for test in unattributed:
                context.log.error(f"the warehouse test {test.name} failed on rows no batch can be named for")
            if withdrawn:
                invocation, events = _build(context, dbt, paths, again=True)
        keep_partial_parse(invocation.target_path)
    built = sum(not isinstance(e, dg.AssetCheckResult) for e in events)
    checks = [e for e in events if isinstance(e, dg.AssetCheckResult)]
    failed = sum(not e.passed for e in checks)
    yield from events
    report(context, f"dbt build: {built} model(s) and seed(s) built, {len(checks)} test(s), {failed} failed")
    if not invocation.is_successful():
        results = run_results(invocation.target_path)
        failures, error = unsuccessful_nodes(results), first_error(results)
        raise dg.Failure(description=f"dbt build failed: {len(failures)} node(s) failed or errored "
                                     f"({', '.join(failures[:5])}{', ...' if len(failures) > 5 else ''})"
                                     f"{f'; the first error: {error}' if error else ''}; see "
                                     f"{invocation.target_path / 'dbt.log'}")


def run_results(target: Path) -> list[dict[str, Any]]:
    """The nodes of a finished ``dbt build``'s ``run_results.json``, or none where it wrote none."""
    path = target / "run_results.json"
    return json.loads(path.read_text(encoding="utf-8"))["results"] if path.exists() else []


def unsuccessful_nodes(results: list[dict[str, Any]]) -> list[str]:
    """The models, seeds, data tests and unit tests a finished ``dbt build`` failed or errored on, by name (unit
    tests are no asset checks, so the checks alone undercount)."""
    names = []
    for result in results:
        if result["status"] in ("fail", "error"):  # kind.project.name[.hash], or unit_test.project.model.test
            kind, _, *rest = result["unique_id"].split(".")
            names.append(".".join(rest[:2]) if kind == "unit_test" else rest[0])
    return names


def first_error(results: list[dict[str, Any]]) -> str | None:
    """The message of the first node a finished ``dbt build`` could not run (an error, such as a full disk, not a
    test that found rows), on one line and cut short, or None."""
    for result in results:
        if result["status"] == "error" and result.get("message"):
            message = " ".join(str(result["message"]).split())[:400]
            if "max_temp_directory_size" in message:  # the cap's default is written once, in profiles.yml
                cap = os.environ.get("CDW_DBT_SPILL_LIMIT", "unset: profiles.yml's default")
                message += (f" [dbt's spill cap, CDW_DBT_SPILL_LIMIT ({cap}): raise it where the disk has room, "
                            f"or CDW_DBT_MEMORY_LIMIT]")
            return message
    return None


def _build(context: dg.AssetExecutionContext, dbt: DbtCliResource, paths: DataPaths, again: bool = False
           ) -> tuple[Any, list[Any]]:
    """One ``dbt build`` on the engine ``CDW_ENGINE`` names, in a target folder of its own under the data root; its
    events, gathered (a run that is built again yields only the second build's). Incremental where the last build
    finished without a failure on the same project and engine, else in full (``full_refresh_reason``); a build
    again after withdrawing batches is in full, the first having failed.

    Without the unit tests: their inputs are fixed rows, so they test the code, not the month's data. CI runs them
    (``tests/test_end_to_end.py``, ``tests/spark``), as dbt advises. They took 13.5 s of a scale-1 build's 99 s of
    thread time, whatever the data."""
    target = paths.dbt_runs / f"{time.strftime('%Y%m%dT%H%M%S')}-{context.run_id[:8]}{'-again' if again else ''}"
    basis = {"engine": " ".join(dbt_target()), "project": project_fingerprint()}
    reason = full_refresh_reason(paths, basis)
    report(context, f"dbt build: {'in full: ' + reason if reason else 'incremental'}")
    incremental_basis(paths).unlink(missing_ok=True)  # until this build finishes without a failure
    arguments = ["build", *UNIT_TESTS_EXCLUDED, *FILE_LOG_AT_INFO, *dbt_target(),
                 *(["--full-refresh"] if reason else [])]
    invocation = dbt.cli(arguments, context=context, target_path=target, raise_on_error=False)
    events = list(invocation.stream())
    if invocation.is_successful():
        incremental_basis(paths).parent.mkdir(parents=True, exist_ok=True)
        incremental_basis(paths).write_text(json.dumps(basis), encoding="utf-8")
    return invocation, events


def prune_dbt_runs(folder: Path, keep: int) -> None:
    """Remove all but the newest ``keep`` dbt target folders (named by their start time, so they sort)."""
    if not folder.exists():
        return
    runs = sorted(p for p in folder.iterdir() if p.is_dir())
    for old in runs[: max(len(runs) - keep, 0)]:
        shutil.rmtree(old, ignore_errors=True)


def keep_partial_parse(run_target: Path) -> None:
    """Keep this run's parse state where dagster-dbt seeds the next run's from (``target/``).

    Every run gets a target folder of its own, seeded with ``target/partial_parse.msgpack``. That file comes
    from the parse that cached the manifest, and dbt throws it away when the profile renders differently (another
    ``CDW_DATA_DIR``), so without this every run would parse the whole project again (about 2.5 s). Replaced
    atomically: concurrent runs each leave a whole file."""
    state = run_target / "partial_parse.msgpack"
    if not state.exists():
        return
    staged = MANIFEST.parent / f".partial_parse.{os.getpid()}.msgpack"
    shutil.copyfile(state, staged)
    os.replace(staged, MANIFEST.parent / "partial_parse.msgpack")
