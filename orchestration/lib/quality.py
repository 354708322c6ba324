"""The quality gate: Great Expectations suites run on every pending batch before anything is published.

Each feed has two committed suites in ``expectations/`` (written by ``cdw contracts``, see ``suites``):
``<feed>_batch`` holds row expectations (from the contract, and one per rule of the catalogue
``expectations/catalogue.yaml``), ``<feed>_batch_measures`` holds bounds on numbers measured per batch (its row
count against the provider's usual, shares of unrecorded fields). Before validation the gate computes each
catalogue rule's ``breaks__<id>`` column against the providers' current state (``rule_state``). Every
expectation carries ``meta.severity``: a failed ``error`` quarantines the batch, a failed ``warning`` is
recorded and the batch goes on. The gate decides; the batch lifecycle (``lifecycle``) carries it out.

A batch stays the unit of decision, but one GX run covers all of a provider's pending batches of a feed:
row expectations hold row by row (the record key is unique within ``submission_id``), measures are
validated as a table of one row per batch, and each failure is attributed to the batches whose rows broke
it (``unexpected_index_column_names``). A first validation only decides; where an expectation did not
hold, a second records the rows behind it. GX runs on pandas DataFrames: its SQL source does not work on
DuckDB (DESIGN_NOTES). Results are stored in a GX file context under the data root; their Data Docs
pages are built once per run, for all its gate calls (``build_docs``). Great Expectations is imported
lazily: it takes seconds to import.
"""

from __future__ import annotations

import functools
import json
import os
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.lib.catalogue import ERROR, WARNING, load_catalogue
from orchestration.lib.ingest import write_error_report
from orchestration.lib.lifecycle import Lifecycle, error_report_path
from orchestration.lib.registry import Registry, Submission
from orchestration.lib.rule_state import rule_flags, rule_values
from orchestration.lib.settings import DataPaths
from orchestration.lib.suites import expectation_columns, load_suite_document
from sources.contract import Contract

HISTORY_PERIODS = 6  # the provider's usual: the median of its last six periods
MIN_HISTORY = 3
MIN_ROWS = 30  # too few rows to judge a share or a ratio


# -- measures of a whole batch ----------------------------------------------------------------------

def _share(batch: pd.DataFrame, column: str, values: tuple[str, ...]) -> float | None:
    if len(batch) < MIN_ROWS or column not in batch:
        return None
    return float(batch[column].isin(values).mean())


# Each measure: the columns it reads, and how.
MEASURES: dict[str, tuple[tuple[str, ...], Callable[[pd.DataFrame], float | None]]] = {
    "valid_hcn_share": (("has_valid_hcn",), lambda b: float(b["has_valid_hcn"].mean()) if len(b) else None),
    "known_area_share": (("lgd_code",), lambda b: float(b["lgd_code"].notna().mean()) if len(b) else None),
    "religion_unrecorded_share": (("religion",), lambda b: _share(b, "religion", ("NREC",))),
    "ethnicity_unrecorded_share": (("ethnicity",), lambda b: _share(b, "ethnicity", ("NREC",))),
    "fte_balanced_share": (("staff_in_post_fte", "vacant_fte", "funded_fte"), lambda b: float(
        ((b["staff_in_post_fte"] + b["vacant_fte"] - b["funded_fte"]).abs() <= 1.0).mean()) if len(b) else None),
}
# A batch's rows are split by submission on these columns only.
MEASURED_COLUMNS = frozenset({"submission_id", "provider_code", "period",
                              *(c for columns, _ in MEASURES.values() for c in columns)})
# Measures against the provider's history: (measure, the batch measure or row count it compares, how).
HISTORICAL = {
    "row_count_ratio": ("rows", "ratio"),
    "row_count_surge": ("rows", "ratio"),  # the same ratio, bounded above with another severity
    "religion_unrecorded_jump": ("religion_unrecorded_share", "difference"),
    "ethnicity_unrecorded_jump": ("ethnicity_unrecorded_share", "difference"),
}


def _usual(history: list[dict[str, Any]], name: str) -> float | None:
    values = [h[name] for h in history[-HISTORY_PERIODS:] if h.get(name) is not None]
    return statistics.median(values) if len(values) >= MIN_HISTORY else None


def base_measures(batch: pd.DataFrame) -> dict[str, float | None]:
    measured: dict[str, float | None] = {"rows": float(len(batch))}
    for name, (columns, compute) in MEASURES.items():
        if all(c in batch for c in columns):  # a measure of another feed's columns
            measured[name] = compute(batch)
    return measured


def historical_measures(measured: dict[str, float | None], history: list[dict[str, Any]]
                        ) -> dict[str, float | None]:
    """Add the measures that compare a batch with its provider's earlier periods (oldest first)."""
    out = dict(measured)
    for name, (base, how) in HISTORICAL.items():
        usual, value = _usual(history, base), measured.get(base)
        if usual is None or value is None or (how == "ratio" and usual < MIN_ROWS):
            out[name] = None
        else:
            out[name] = value / usual if how == "ratio" else value - usual
    return out


def prior_measures(registry: Registry, providers: list[str], feed: str) -> dict[str, dict[str, dict[str, Any]]]:
    """Measures of the providers' earlier accepted submissions of the feed, by provider and period."""
    prior: dict[str, dict[str, dict[str, Any]]] = {}
    for s in registry.all("accepted", feed) + registry.all("superseded", feed):
        if s.provider in providers and s.measures:
            prior.setdefault(str(s.provider), {})[str(s.period)] = json.loads(s.measures)
    return prior


# -- running the suites ------------------------------------------------------------------------------

@dataclass
class GateResult:
    success: bool
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    cells: list[dict[str, Any]] = field(default_factory=list)  # row, column, value, rule: for the error report


@functools.cache
def _context(root: str | None) -> Any:
    """One GX context per data root and process: suites, sources and checkpoints all hang off the same one."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral") if root is None else gx.get_context(mode="file",
                                                                                   project_root_dir=root)
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


def _index_columns(suite_name: str) -> list[str]:
    """What names an unexpected row: its batch, and (for row suites) its row in the submitted file."""
    return ["submission_id"] if suite_name.endswith("_measures") else ["submission_id", "source_row_number"]


# A first run answers only whether each expectation held (a fraction of the cost of recording rows); where one
# did not, a second run records the rows behind it, and its result is the one the gate reads and links to.
DECIDE = {"result_format": "BOOLEAN_ONLY"}


def _recording(suite_name: str) -> dict[str, Any]:
    return {"result_format": "COMPLETE", "unexpected_index_column_names": _index_columns(suite_name),
            "partial_unexpected_count": 5}


@functools.cache
def _validation_definition(root: str | None, suite_name: str) -> Any:
    """The validation of a DataFrame against the committed suite: registered in the GX context once per process
    (not on every gate call), from the suite committed in expectations/."""
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    context = _context(root)
    document = load_suite_document(suite_name)
    suite = gx.ExpectationSuite(name=suite_name, meta=document["meta"])
    for item in document["expectations"]:
        suite.add_expectation_configuration(ExpectationConfiguration(**item))
    if len(suite.expectations) != len(document["expectations"]):  # GX replaces an expectation of the same domain
        raise ValueError(f"expectations/{suite_name}.json: Great Expectations keeps {len(suite.expectations)} of its "
                         f"{len(document['expectations'])} expectations (some share a domain and replace each other)")
    suite = context.suites.add_or_update(suite)
    try:  # add_or_update would replace the source, and with it every other suite's asset
        source = context.data_sources.get("batches")
    except (KeyError, ValueError, LookupError):
        source = context.data_sources.add_pandas("batches")
    asset = next((a for a in source.assets if a.name == suite_name), None) or source.add_dataframe_asset(suite_name)
    batch_definition = next((b for b in asset.batch_definitions if b.name == "batches"), None) \
        or asset.add_batch_definition_whole_dataframe("batches")
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=suite_name, data=batch_definition, suite=suite))
    # Definitions read back from an existing file context (a later process, a later run) carry sources without
    # their context, and GX then refuses to build batches ("Missing DataContext"): attach it.
    definition.data.data_asset.datasource._data_context = context
    return definition


def _validate(definition: Any, frame: pd.DataFrame, suite_name: str, run_name: str) -> tuple[Any, list[Any]]:
    """Validate and store: the result the gate reads, and the identifiers of the results stored."""
    import great_expectations as gx
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    stored = []
    try:
        for result_format in (DECIDE, _recording(suite_name)):
            run_id = gx.RunIdentifier(run_name=run_name)
            validation = definition.run(batch_parameters={"dataframe": frame}, result_format=result_format,
                                        run_id=run_id)
            stored.append(ValidationResultIdentifier(expectation_suite_identifier=ExpectationSuiteIdentifier(
                name=suite_name), run_id=run_id, batch_identifier=validation.batch_id))
            if validation.success:
                break
    finally:
        _forget_batches(definition)
    return validation, stored


def _forget_batches(definition: Any) -> None:
    """Drop the DataFrames GX's execution engine keeps after a validation. It holds the last batch of every
    suite for the life of the context (the process): after a scale-1 run's ingest and gate that was 0.85 GB of
    DataFrames, and the process's resident memory fell from 1.52 to 0.98 GB without them."""
    engine = definition.data.data_asset.datasource.execution_engine
    if engine is not None:
        engine.batch_manager.reset_batch_cache()
        engine.batch_manager.batch_data_cache.clear()


def _rows_shown(rows: list[dict[str, Any]]) -> str:
    numbers = sorted({int(r["source_row_number"]) for r in rows if r.get("source_row_number") is not None})
    return ", ".join(str(n) for n in numbers[:10]) + (" …" if len(numbers) > 10 else "")


def _describe(result: Any, rows: list[dict[str, Any]]) -> str:
    """A failed expectation in words: the rule, its columns and the rows of the file that broke it, never a value
    (the values go to the error report)."""
    config = result.expectation_config
    meta = config.meta or {}
    why = meta.get("why", "")
    if "columns" in meta:  # a catalogue row rule
        return (f"rule {meta['rule']} ({meta['severity']}): {why} Column(s) {', '.join(meta['columns'])}; "
                f"{len(rows)} row(s) (file rows {_rows_shown(rows)}). Source: {meta.get('source', '')}.")
    kwargs = {k: v for k, v in config.kwargs.items() if k not in ("batch_id", "value_set", "regex")}
    prefix = f"rule {meta['rule']} ({meta['severity']}): " if "rule" in meta else ""
    missing = _missing_columns(result)
    if missing:
        return f"{prefix}{config.type}: the batch lacks the column(s) {', '.join(missing)}. {why}"
    if rows:
        return f"{prefix}{config.type} {kwargs}: {len(rows)} unexpected row(s) (file rows {_rows_shown(rows)}). " \
               f"{why}".strip()
    observed = result.result.get("observed_value")
    return f"{prefix}{config.type} {kwargs}" + (f": observed {observed}" if observed is not None else "") + f". {why}"


def _missing_columns(result: Any) -> list[str]:
    """The columns a table-columns expectation found missing."""
    return list(((result.result or {}).get("details") or {}).get("mismatched", {}).get("missing") or [])


def _plain(value: Any) -> Any:
    if hasattr(value, "date"):
        return str(value.date())
    return value.item() if hasattr(value, "item") else value


RowLookup = Callable[[int, int], "pd.Series | None"]


def _cells(result: Any, rows: list[dict[str, Any]], contract: Contract | None,
           lookup: RowLookup | None) -> list[dict[str, Any]]:
    """The error report's rows for one failed expectation (values included: the report is restricted)."""
    config = result.expectation_config
    meta = config.meta or {}
    rule_id = meta.get("rule")
    rule = f"{rule_id or config.type}: {meta.get('why', '')}".strip()
    if "columns" in meta and contract is not None and lookup is not None:
        catalogue_rule = next(r for r in load_catalogue().row_rules(contract.feed) if r.id == rule_id)
        cells = []
        for r in rows:
            row = lookup(int(r["submission_id"]), int(r["source_row_number"]))
            cells.append({"row_number": str(r["source_row_number"]), "column_name": "+".join(meta["columns"]),
                          "value": rule_values(row, catalogue_rule, contract) if row is not None else "",
                          "rule": rule})
        return cells
    columns = expectation_columns(config.kwargs) or tuple(_missing_columns(result))
    if not rows:
        observed = result.result.get("observed_value")
        return [{"row_number": "", "column_name": "+".join(columns), "value": "" if observed is None else str(observed),
                 "rule": rule}]
    return [{"row_number": str(r.get("source_row_number", "")), "column_name": "+".join(columns),
             "value": "|".join(str(_plain(r[c])) for c in columns if c in r), "rule": rule} for r in rows]


def run_suite(frame: pd.DataFrame, suite_name: str, submissions: list[int], root: str | None,
              run_name: str, contract: Contract | None = None, lookup: RowLookup | None = None
              ) -> tuple[dict[int, GateResult], list[Any]]:
    """Validate several batches' rows together; attribute each failure to the batches that broke it."""
    results = {sid: GateResult(success=True) for sid in submissions}
    if frame.empty or not load_suite_document(suite_name)["expectations"]:
        return results, []
    validation, stored = _validate(_validation_definition(root, suite_name), frame, suite_name, run_name)
    for result in validation.results:
        if result.success:
            continue
        index = result.result.get("unexpected_index_list")
        failing = {int(row["submission_id"]) for row in index} if index else set(submissions)
        severity = (result.expectation_config.meta or {}).get("severity", ERROR)
        for sid in failing & set(submissions):
            rows = [row for row in (index or []) if int(row["submission_id"]) == sid]
            description = _describe(result, rows)
            if severity == WARNING:
                results[sid].warnings.append(description)
            else:
                results[sid].success = False
                results[sid].failures.append(description)
                results[sid].cells += _cells(result, rows, contract, lookup)
    return results, stored


def validate_batches(batches: dict[int, Path], contract: Contract, paths: DataPaths | None = None,
                     prior: dict[str, dict[str, dict[str, Any]]] | None = None, run_name: str = "gate"
                     ) -> tuple[dict[int, GateResult], dict[int, dict[str, float | None]], list[Any]]:
    """Run the feed's two suites on several Parquet batches (by submission id), one GX run each.

    ``prior`` holds the measures of the providers' earlier accepted periods; batches of earlier periods in
    this same set count as history too; a provider's first period (which carries 24 months of history) never
    does. Returns each batch's result, its measures, and the identifiers of the stored validation results.
    """
    root = str(paths.root) if paths is not None else None
    submissions = list(batches)
    raw = pa.concat_tables([pq.read_table(p) for p in batches.values()], promote_options="default")
    providers = sorted(set(raw.column("provider_code").to_pylist()))
    flags = rule_flags(raw, contract, paths, providers)
    frame = raw.to_pandas()
    for name in flags.column_names:
        frame[name] = flags.column(name).to_pandas()

    @functools.cache
    def indexed() -> pd.DataFrame:  # only when a rule fails: the error report then shows its rows' values
        return frame.set_index(["submission_id", "source_row_number"], drop=False)

    def lookup(submission_id: int, row_number: int) -> pd.Series | None:
        try:
            return indexed().loc[(submission_id, row_number)]
        except KeyError:
            return None

    results, rows_stored = run_suite(frame, f"{contract.feed}_batch", submissions, root, run_name, contract, lookup)
    measured_columns = [c for c in frame.columns if c in MEASURED_COLUMNS]
    grouped = dict(tuple(frame[measured_columns].groupby("submission_id"))) if not frame.empty else {}
    base = {sid: base_measures(grouped.get(sid, frame.iloc[0:0])) for sid in submissions}
    where = {int(sid): (str(part["provider_code"].iloc[0]), str(part["period"].iloc[0]))
             for sid, part in grouped.items()}
    measures: dict[int, dict[str, float | None]] = {}
    for sid in submissions:
        if sid not in where:
            measures[sid] = historical_measures(base[sid], [])
            continue
        provider, period = where[sid]
        by_period = dict((prior or {}).get(provider, {}))
        by_period.update({where[o][1]: base[o] for o in submissions if o in where and where[o][0] == provider})
        first = min(by_period)
        history = [by_period[p] for p in sorted(by_period) if first < p < period]
        measures[sid] = historical_measures(base[sid], history)
    measured = pd.DataFrame([{"submission_id": sid, **values} for sid, values in measures.items()])
    measure_results, measures_stored = run_suite(measured, f"{contract.feed}_batch_measures", submissions, root,
                                             run_name)
    for sid, result in measure_results.items():
        results[sid].success &= result.success
        results[sid].failures += result.failures
        results[sid].warnings += result.warnings
        results[sid].cells += result.cells
    return results, measures, rows_stored + measures_stored


def validate_batch(path: Path, contract: Contract) -> GateResult:
    """Run the feed's suites on one Parquet batch, in memory (no stored results, no history)."""
    submission_ids = pq.read_table(path, columns=["submission_id"]).column("submission_id").to_pylist()
    sid = int(submission_ids[0]) if submission_ids else 0
    return validate_batches({sid: path}, contract)[0][sid]


def gate_run_name(source: str, feed: str, run_id: str) -> str:
    """The GX run name of a gate call: its source and feed, ending with the Dagster run it belongs to."""
    return f"{source}-{feed}-{run_id[:8]}"


def docs_site(paths: DataPaths) -> Path:
    """The folder of the data root's Data Docs site (GX's local_site)."""
    return paths.root / "gx" / "uncommitted" / "data_docs" / "local_site"


def docs_pages(paths: DataPaths, identifiers: list[Any]) -> dict[str, str]:
    """Where the Data Docs pages of these validation results are (or will be, once ``build_docs`` runs)."""
    site = docs_site(paths) / "validations"
    pages = {}
    for identifier in identifiers:
        run = identifier.run_id
        stamp = run.run_time.strftime("%Y%m%dT%H%M%S.%fZ")
        suite = identifier.expectation_suite_identifier.name
        pages[suite] = str(site / suite / run.run_name / stamp / f"{identifier.batch_identifier}.html")
    return pages


def run_results(paths: DataPaths, run_id: str) -> list[Any]:
    """The stored validation results of one Dagster run's gate calls (see ``gate_run_name``)."""
    store = _context(str(paths.root)).validation_results_store
    return [key for key in store.list_keys() if key.run_id.run_name.endswith(f"-{run_id[:8]}")]


def build_docs(paths: DataPaths, identifiers: list[Any]) -> dict[str, str]:
    """Data Docs pages for these validation results only, in one build (the index is built by ``cdw docs``):
    a build sets up its renderer and lists the stores, so a run builds its pages once, not once per gate call."""
    if not identifiers:
        return {}
    _context(str(paths.root)).build_data_docs(resource_identifiers=identifiers, build_index=False)
    return docs_pages(paths, identifiers)


def build_docs_index(paths: DataPaths) -> Path:
    _context(str(paths.root)).build_data_docs()
    return docs_site(paths) / "index.html"


# -- the gate ----------------------------------------------------------------------------------------

ACCEPTED_WITH_WARNING = "warning: "  # how an accepted batch's reasons carry the gate's warnings


@dataclass
class GateSummary:
    accepted: list[str] = field(default_factory=list)
    quarantined: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    docs: dict[str, str] = field(default_factory=dict)  # suite: where its Data Docs page goes
    results: list[Any] = field(default_factory=list)  # the identifiers of the stored validation results
    refused: list[str] = field(default_factory=list)  # "file: status: reasons" of batches refused at ingest


def gate_pending(paths: DataPaths, registry: Registry, contract: Contract, providers: list[str],
                 run_name: str = "gate", run_id: str | None = None) -> GateSummary:
    """Validate the pending batches of these providers' feed, as few validations as ``GATE_ROWS`` allows; promote
    or quarantine each, oldest first, recording the run that judged it (``gate_run``). The results are stored;
    their Data Docs pages are built once for the whole run (``build_docs``)."""
    summary = GateSummary()
    pending = [s for s in registry.all("pending", contract.feed) if s.provider in providers]
    lifecycle = Lifecycle(paths, registry)
    for chunk in _by_provider_within(pending, GATE_ROWS):
        prior = prior_measures(registry, sorted({s.provider for s in chunk}), contract.feed)
        results, measures, identifiers = validate_batches(
            {s.submission_id: Path(str(s.batch_path)) for s in chunk}, contract, paths, prior, run_name)
        docs = docs_pages(paths, identifiers)
        summary.docs.update(docs)
        summary.results += identifiers
        for submission in chunk:
            _decide(paths, registry, lifecycle, contract, submission, results[submission.submission_id],
                    measures[submission.submission_id], docs.get(f"{contract.feed}_batch"), run_id, summary)
    return summary


# rows one validation holds at most (pandas and Great Expectations keep them all in memory: a Trust's first
# submission of referrals at scale 10, 640,000 rows, took 2.4 GB); a month of a feed at scale 10 fits in one
GATE_ROWS = 500_000


def _by_provider_within(pending: list[Submission], rows: int) -> list[list[Submission]]:
    """The pending batches in groups of whole providers (a provider's history is read with its batches), each
    of at most ``rows`` rows unless one provider alone has more."""
    by_provider: dict[str | None, list[Submission]] = {}
    for submission in pending:
        by_provider.setdefault(submission.provider, []).append(submission)
    chunks: list[list[Submission]] = []
    size = 0
    for batches in by_provider.values():
        count = sum(s.rows or 0 for s in batches)
        if not chunks or size + count > rows:
            chunks.append([])
            size = 0
        chunks[-1] += batches
        size += count
    return chunks


def _decide(paths: DataPaths, registry: Registry, lifecycle: Lifecycle, contract: Contract, submission: Submission,
            result: GateResult, measures: dict[str, float | None], docs_page: str | None, run_id: str | None,
            summary: GateSummary) -> None:
    """Accept or quarantine one batch on its own result, and add it to the summary."""
    name = submission.file_name
    registry.update(submission.submission_id, measures=json.dumps(measures), validation_docs=docs_page,
                    gate_run=run_id)
    if result.success:
        lifecycle.accept(submission, [f"{ACCEPTED_WITH_WARNING}{name}: {w}" for w in result.warnings] or None)
        summary.warnings += [f"{name}: {w}" for w in result.warnings]
        summary.accepted.append(name)
    else:
        reasons = [f"{name}: failed the quality gate (suite {contract.feed}_batch): {f}" for f in result.failures]
        report = write_error_report(error_report_path(paths, submission.submission_id, name), name,
                                    result.cells, None)
        lifecycle.quarantine(submission, reasons, report)
        summary.quarantined.append(name)
        summary.failures += reasons


def judged_in_run(registry: Registry, feed: str, providers: list[str], run_id: str) -> GateSummary:
    """What the gate decided on these providers' batches of a feed that one run judged or took in, from the
    registry: a feed's batches are validated together by whichever of its checks runs first (in a concurrent run,
    perhaps), and each check reports its own. With them, the batches the run refused before the gate (rejected or
    quarantined at ingest)."""
    summary = GateSummary()
    for submission in registry.all(feed=feed):
        if submission.provider not in providers:
            continue
        if submission.gate_run is None:
            if submission.run_id == run_id and submission.status in ("rejected", "quarantined"):
                summary.refused.append(f"{submission.file_name}: {submission.status}: "
                                       f"{'; '.join(submission.reasons[:2])}")
            continue
        if run_id not in (submission.gate_run, submission.run_id):
            continue
        if submission.status == "quarantined":
            summary.quarantined.append(submission.file_name)
            summary.failures += submission.reasons
        else:  # accepted, or since superseded by a later batch of the same period
            summary.accepted.append(submission.file_name)
            summary.warnings += [reason.removeprefix(ACCEPTED_WITH_WARNING) for reason in submission.reasons
                                 if reason.startswith(ACCEPTED_WITH_WARNING)]
        if submission.validation_docs:
            summary.docs[f"{feed}_batch"] = submission.validation_docs
    return summary
