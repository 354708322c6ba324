from __future__ import annotations

from orchestration.lib.settings import PROJECT_ROOT
from sources.contract import contracts
from sources.dbt_models import expected_files, staged_columns, stale_files


def test_generated_dbt_files_are_current_with_the_contracts() -> None:
    assert stale_files() == [], "run `cdw contracts` and commit the result"


def test_committed_expectation_suites_are_current_with_the_contracts_and_rules() -> None:
    from orchestration.cli import stale_derived_files

    assert stale_derived_files() == [], "run `cdw contracts` and commit the result"


def test_every_feed_has_a_source_a_staging_and_a_latest_model() -> None:
    names = {path.name for path in expected_files()}
    for contract in contracts().values():
        assert f"{contract.staging_model}.sql" in names
        assert f"{contract.staging_model.replace('stg_', 'int_', 1)}_latest.sql" in names


def test_staging_never_carries_identifying_columns() -> None:
    for contract in contracts().values():
        staged = {name for name, _, _ in staged_columns(contract)}
        assert not staged & {"hcn", "forename", "surname", "date_of_birth", "postcode", "child_id"}


def test_unit_tests_are_declared_where_dbt_reads_them() -> None:
    """dbt ignores a ``unit_tests`` key nested under a model, silently: a test that never runs."""
    nested = [str(p) for p in (PROJECT_ROOT / "dbt_project").rglob("*.yml")
              if any(line.startswith(" ") and line.strip() == "unit_tests:"
                     for line in p.read_text(encoding="utf-8").splitlines())]
    assert nested == []
