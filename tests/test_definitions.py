"""The Dagster definitions load, and the asset graph runs from every Trust's feeds to the mart."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg

from orchestration.definitions import defs

TRUSTS = ("bhsct", "nhsct", "sehsct", "shsct", "whsct")


def _ancestors(graph: dg.AssetGraph, key: dg.AssetKey) -> set[dg.AssetKey]:
    seen: set[dg.AssetKey] = set()
    stack = [key]
    while stack:
        for parent in graph.get(stack.pop()).parent_keys:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen


def test_definitions_load_and_validate() -> None:
    graph = defs.resolve_asset_graph()
    assert graph.get_all_asset_keys()
    assert defs.resolve_job_def("warehouse_job") is not None


def test_lineage_from_each_trust_feed_to_the_mart_and_publication() -> None:
    graph = defs.resolve_asset_graph()
    mart = dg.AssetKey(["mart_referrals_by_trust_month"])
    published = dg.AssetKey(["published", "analytics"])
    upstream_of_mart = _ancestors(graph, mart)
    for trust in TRUSTS:
        for feed in ("children", "referrals"):
            assert dg.AssetKey(["ingest", trust, f"{trust}_{feed}"]) in upstream_of_mart
    assert mart in _ancestors(graph, published)


def test_every_ingest_asset_has_a_blocking_gate() -> None:
    graph = defs.resolve_asset_graph()
    ingest_keys = {k for k in graph.get_all_asset_keys() if k.path[0] == "ingest" and len(k.path) == 3}
    checks = {c for c in graph.asset_check_keys if c.name == "quality_gate"}
    assert {c.asset_key for c in checks} == ingest_keys
    for check in checks:
        assert graph.get_check_spec(check).blocking


def test_a_failed_dbt_build_names_every_node_that_failed_unit_tests_too(tmp_path: Path) -> None:
    from orchestration.defs.dbt import run_results, unsuccessful_nodes

    results = [{"unique_id": "model.cdw.fct_referrals", "status": "success"},
               {"unique_id": "test.cdw.not_null_fct_referrals_child_key.abc123", "status": "fail"},
               {"unique_id": "unit_test.cdw.ind_referrals.counts_each_referral_once", "status": "fail"},
               {"unique_id": "model.cdw.mart_indicators", "status": "error"},
               {"unique_id": "test.cdw.unique_dim_areas_area_code.def456", "status": "pass"}]
    (tmp_path / "run_results.json").write_text(json.dumps({"results": results}), encoding="utf-8")
    assert unsuccessful_nodes(run_results(tmp_path)) == ["not_null_fct_referrals_child_key",
                                            "ind_referrals.counts_each_referral_once", "mart_indicators"]
    assert unsuccessful_nodes(run_results(tmp_path / "missing")) == []


def test_the_asset_graph_names_whose_feed_each_ingest_asset_takes() -> None:
    """The lineage shows a key's last part: it names the provider (a Trust, or every project or organisation of a
    type), so five Trusts' referrals are five differently named nodes, each described with the provider's name."""
    from orchestration.lib.ingest import provider_names

    graph = defs.resolve_asset_graph()
    ingest = [k for k in graph.get_all_asset_keys() if k.path[0] == "ingest" and len(k.path) == 3]
    shown = [k.path[-1] for k in ingest]
    assert len(set(shown)) == len(shown), "two ingest assets show the same name in the asset graph"
    names = provider_names()
    for key in ingest:
        source, label = key.path[1], key.path[2]
        assert label.startswith({"sure_start": "sure_start_projects_", "vcs": "vcs_organisations_"}.get(
            source, f"{source}_")), key
        description = graph.get(key).description or ""
        if source.upper() in names:
            assert names[source.upper()] in description, (key, description)
    for trust in TRUSTS:
        assert dg.AssetKey(["ingest", trust, f"{trust}_referrals"]) in ingest


def test_the_gate_check_shows_its_own_run_and_links_its_data_docs(tmp_path: Path) -> None:
    from orchestration.defs.ingest import gate_metadata

    quiet = gate_metadata([], [], [], [], [], {})
    assert quiet == {"this_run": "no new batch to check"}  # no figure of 0 drawn between two real runs
    page = tmp_path / "validations" / "referrals_batch" / "run" / "page.html"
    busy = gate_metadata([1, 2, 3], [4], ["BHSCT_referrals_2025-01.csv: rejected: bad header"], ["4: rule R1"],
                         [], {"referrals_batch": str(page)})
    assert (busy["batches_checked"], busy["batches_accepted"], busy["batches_quarantined"],
            busy["files_refused_at_ingest"]) == (4, 3, 1, 1)
    link = busy["data_docs_referrals_batch"]
    assert isinstance(link, dg.UrlMetadataValue) and link.url == page.as_uri()
    assert "BHSCT_referrals_2025-01.csv" in busy["failures"].md_str


def test_a_dbt_error_is_told_apart_from_a_test_that_found_rows(tmp_path: Path) -> None:
    """At scale 30 the disk filled while dbt ran a warehouse test: the run said the test had failed, as if the data
    were wrong. An error is now named as one, with dbt's own message."""
    from types import SimpleNamespace

    from orchestration.cli import _failure_sentence
    from orchestration.defs.dbt import first_error, run_results

    message = 'IO Error: Could not write file "warehouse.duckdb.tmp/t.tmp":\n  No space left on device'
    results = [{"unique_id": "test.cdw.assert_over_periods_hold", "status": "fail", "message": "Got 3 results"},
               {"unique_id": "test.cdw.assert_indicator_units_are_one_per_period", "status": "error",
                "message": message}]
    (tmp_path / "run_results.json").write_text(json.dumps({"results": results}), encoding="utf-8")
    one_line = 'IO Error: Could not write file "warehouse.duckdb.tmp/t.tmp": No space left on device'
    assert first_error(run_results(tmp_path)) == one_line
    assert first_error(run_results(tmp_path / "missing")) is None

    def check(name: str, status: str) -> SimpleNamespace:
        return SimpleNamespace(passed=False, check_name=name, severity=dg.AssetCheckSeverity.ERROR,
                               metadata={"status": dg.MetadataValue.text(status)})

    def run(*checks: SimpleNamespace) -> SimpleNamespace:
        return SimpleNamespace(all_events=[], get_asset_check_evaluations=lambda: list(checks))

    errored = _failure_sentence(run(check("assert_indicator_units_are_one_per_period", "error")), tmp_path / "log")
    assert "could not run 1 warehouse test(s) (assert_indicator_units_are_one_per_period)" in errored
    assert "not a finding in the data" in errored and "data test failed" not in errored
    found = _failure_sentence(run(check("assert_over_periods_hold", "fail")), tmp_path / "log")
    assert "a warehouse data test failed (assert_over_periods_hold)" in found


def test_dbt_stopped_by_its_spill_cap_names_the_setting(tmp_path: Path, monkeypatch) -> None:
    """Past CDW_DBT_SPILL_LIMIT dbt's DuckDB stops; DuckDB's message names only its own setting, so the pipeline's
    says which variable to change."""
    from orchestration.defs.dbt import first_error, run_results

    monkeypatch.setenv("CDW_DBT_SPILL_LIMIT", "12GB")
    message = ("Out of Memory Error: failed to offload data block of size 32.0 KiB (12.0 GiB/12.0 GiB used).\n"
               "This limit was set by the 'max_temp_directory_size' setting.")
    results = [{"unique_id": "model.cdw.mart_indicators", "status": "error", "message": message}]
    (tmp_path / "run_results.json").write_text(json.dumps({"results": results}), encoding="utf-8")
    error = first_error(run_results(tmp_path))
    assert error is not None and error.startswith("Out of Memory Error: failed to offload")
    assert "CDW_DBT_SPILL_LIMIT (12GB)" in error


def test_a_failed_step_is_told_by_its_failure_s_description() -> None:
    """`cdw run` prints what a failed step said (dbt's first error, say), not only "Execution of step failed"."""
    from orchestration.cli import _failure_detail

    @dg.op
    def stops() -> None:
        raise dg.Failure(description="dbt build failed: 1 node(s) failed or errored; the first error: disk full")

    @dg.job
    def stopping() -> None:
        stops()

    result = stopping.execute_in_process(raise_on_error=False)
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert [_failure_detail(e) for e in failures] == [
        "dbt build failed: 1 node(s) failed or errored; the first error: disk full"]
    others = [e for e in result.all_events if e.event_type_value != "STEP_FAILURE"]
    assert all(_failure_detail(e) == e.message for e in others)


def test_dbt_runs_without_an_adapter_handle_in_this_process() -> None:
    """The override must name the method dagster-dbt calls: renamed in an upgrade, it would silently stop saving
    the adapter's load before every build."""
    from dagster_dbt import DbtCliResource

    from orchestration.defs.dbt import WarehouseDbtCli, dbt_resource

    assert callable(getattr(DbtCliResource, "_initialize_dbt_core_adapter", None))
    resource = dbt_resource()
    assert isinstance(resource, WarehouseDbtCli)
    assert resource._initialize_dbt_core_adapter(["build"]) is None


def test_dbt_s_version_is_the_installed_one_without_running_dbt_to_ask(monkeypatch) -> None:
    """dagster-dbt asks ``dbt --version`` (a second dbt process) before each command; the override answers from
    the installed dbt-core, which must be what the executable the pipeline runs says. The override must name what
    dagster-dbt reads, or it would silently stop saving the process."""
    import re
    import subprocess

    import dagster_dbt.core.resource as dbt_core_resource
    from dagster_dbt import DbtCliResource

    from orchestration.defs.dbt import DBT_EXECUTABLE, dbt_resource

    assert "_cli_version" in vars(DbtCliResource)
    printed = subprocess.run([DBT_EXECUTABLE, "--version"], capture_output=True, text=True, check=True).stdout
    resource = dbt_resource()

    def no_subprocess(*args, **kwargs):
        raise AssertionError(f"dbt was run to ask its version: {args}")

    monkeypatch.setattr(dbt_core_resource, "check_output", no_subprocess)
    assert str(resource._cli_version) == re.search(r"installed:\s+(\S+)", printed).group(1)
