"""``cdw``: the warehouse's command line for data engineers.

    cdw generate --start 2023-04 --end 2025-03 --scale 1.0 --seed 1 --landing data/landing
    cdw run [--wait]   # ingest, gate, dbt build, publish (the Dagster job, in-process), one writer at a time
    cdw status [--json] [--status quarantined] [--provider BHSCT] [--feed referrals]
    cdw rebuild-batches [--rotate-key]   # pseudonymise every batch again from the archive (key rotation)
    cdw query "select * from mart_referrals_by_trust_month limit 5"
    cdw contracts [--check]   # rewrite what follows from the feed contracts (dbt layer, GX suites)
    cdw docs                  # build the Great Expectations Data Docs index
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any


def _generate(args: argparse.Namespace) -> int:
    from sources.generator import generate

    started = time.monotonic()
    landing = Path(args.landing).resolve()
    truth = Path(args.truth).resolve() if args.truth else landing.parent / "restricted" / "linkage_truth.csv"
    print(f"Generating synthetic submissions {args.start} to {args.end} at scale {args.scale} (seed {args.seed})")
    try:
        written = generate(args.start, args.end, args.scale, args.seed, landing,
                           progress=lambda step: print(f"  {step} ({time.monotonic() - started:.0f}s)", flush=True),
                           truth=truth)
    except ValueError as exc:
        print(f"cdw generate: {exc}", file=sys.stderr)
        return 2
    by_type = Counter(s.provider[:2] if s.provider[:2] in ("SS", "VC") else "trust" for s in written)
    print(f"Wrote {len(written)} submissions ({sum(s.rows for s in written):,} rows): "
          f"{by_type['trust']} from Trusts, {by_type['SS']} from Sure Start projects, "
          f"{by_type['VC']} from voluntary organisations")
    print(f"Landing area: {landing}  ({time.monotonic() - started:.1f}s)")
    print(f"Which person each record is (for measuring linkage only; restricted): {truth}")
    return 0


def _stage(step_key: str) -> str:
    if "quality_gate" in step_key:
        return "gate"
    if step_key.startswith(("ingest", "batches")):
        return "ingest"
    if step_key.startswith("published"):
        return "publish"
    return "dbt"


def _log_path(root: Path, prefix: str) -> Path:
    path = root / "logs" / f"{prefix}-{time.strftime('%Y%m%dT%H%M%S')}.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _execute_job(job_name: str, run_config: dict, log_path: Path) -> tuple[Any, Any]:
    """Run a job in this process with its log in a file; under DAGSTER_HOME, so that the UI shows the run."""
    import dagster as dg

    from orchestration.definitions import defs

    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    with log_path.open("w", encoding="utf-8") as log, contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
        result = defs.resolve_job_def(job_name).execute_in_process(instance=instance, raise_on_error=False,
                                                                   run_config=run_config)
    return result, instance


@contextlib.contextmanager
def _writer(paths: Any, wait: bool) -> Any:
    """Hold the data root's writer lock for a command; a second writer waits (``--wait``) or stops."""
    from orchestration.lib.lock import DataRootBusy, data_root_lock, default_wait

    def say(message: str) -> None:
        print(f"  {message}", flush=True)

    try:
        with data_root_lock(paths.root, wait=default_wait() if wait else 0.0, on_wait=say, on_stale=say):
            yield
    except DataRootBusy as exc:
        print(f"cdw: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_BUSY) from None


EXIT_BUSY = 75  # EX_TEMPFAIL: try again later


def _preflight(paths: Any) -> int:
    """Before the job: the key is the data root's own, and what an interrupted run left is finished."""
    from orchestration.lib.ingest import checked_key
    from orchestration.lib.lifecycle import Lifecycle
    from orchestration.lib.pseudonymise import KeyMismatchError, MissingKeyError
    from orchestration.lib.registry import Registry

    remedies = {
        MissingKeyError: "no usable pseudonymisation key. Set CDW_PSEUDONYMISATION_KEY to the secret key from your "
                         "secrets store (or CDW_ALLOW_DEMO_KEY=1 for synthetic demo data only) and run again.",
        KeyMismatchError: "the key set is not the key this data root was pseudonymised with. Set the data root's "
                          "own key, or rotate it with `cdw rebuild-batches --rotate-key`.",
    }
    registry = Registry(paths.registry)
    try:
        checked_key(registry)
    except (MissingKeyError, KeyMismatchError) as exc:
        print(f"cdw run: stopped before ingest, no file read: {remedies[type(exc)]}", file=sys.stderr)
        print(f"  detail: {exc}", file=sys.stderr)
        return 2
    recovered = Lifecycle(paths, registry).recover()
    if recovered.moved or recovered.reopened or recovered.archived:
        print(f"  finished what an interrupted run left: {len(recovered.moved)} batch(es) put where the registry "
              f"says, {len(recovered.archived)} file(s) archived, {len(recovered.reopened)} batch(es) to make again")
    if recovered.debris:
        print(f"  removed {recovered.debris} temporary file(s) left by an interrupted run")
    if recovered.lost:
        print("cdw run: batches are missing from the data root (restore them, or run `cdw rebuild-batches`): "
              + "; ".join(recovered.lost), file=sys.stderr)
        return 1
    return 0


def _run(args: argparse.Namespace) -> int:
    from orchestration.lib.settings import DataPaths

    paths = DataPaths.from_env().ensure()
    os.environ["CDW_DATA_DIR"] = str(paths.root)
    os.environ.setdefault("DBT_LOG_PATH", str(paths.root / "logs"))
    with _writer(paths, args.wait):
        return _run_locked(paths)


def _run_locked(paths: Any) -> int:
    started = time.monotonic()
    from orchestration.lib.engine import EngineError, engine

    try:
        print(f"Running the warehouse pipeline on {paths.landing} (dbt on {engine()})")
    except EngineError as error:
        print(f"cdw run: {error}", file=sys.stderr)
        return 2
    failed = _preflight(paths)
    if failed:
        return failed
    print("  loading definitions (parsing the dbt project if it changed)", flush=True)
    from orchestration.lib import progress
    from orchestration.lib.registry import Registry

    before = {s.submission_id for s in Registry(paths.registry).all()}
    log_path = _log_path(paths.root, "run")
    print(f"  full log: {log_path}", flush=True)
    progress.show_on(sys.stdout)
    try:
        result, instance = _execute_job(
            "warehouse_job", {"loggers": {"console": {"config": {"log_level": "INFO"}}}}, log_path)
    finally:
        progress.show_on(None)
    stage_seconds: Counter[str] = Counter()
    starts: dict[str, float] = {}
    for entry in instance.all_logs(result.run_id):
        event = entry.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type_value == "STEP_START":
            starts[event.step_key] = entry.timestamp
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE") and event.step_key in starts:
            stage_seconds[_stage(event.step_key)] += entry.timestamp - starts[event.step_key]
    registry = Registry(paths.registry)
    submissions = [s for s in registry.all() if s.submission_id not in before]
    statuses = Counter(s.status for s in submissions)
    unfinished = registry.unfinished()
    succeeded = result.success and not unfinished
    print()
    print(f"Run {result.run_id} {'succeeded' if succeeded else 'FAILED'} in {time.monotonic() - started:.1f}s")
    print(f"  submissions this run: {len(submissions)} "
          f"({', '.join(f'{n} {k}' for k, n in sorted(statuses.items())) or 'none new'})")
    for s in submissions:
        if s.status in ("rejected", "quarantined"):
            print(f"    {s.status}: {s.file_name}: {s.reasons[0] if s.reasons else ''}")
    print("  stage times: " + ", ".join(f"{k} {stage_seconds[k]:.1f}s" for k in ("ingest", "gate", "dbt", "publish")))
    if paths.published.exists():
        import duckdb

        with duckdb.connect(str(paths.published), read_only=True) as con:
            rows = con.execute("select tables from publication_runs").fetchone()[0]
            run_id = con.execute("select run_id from publication_runs").fetchone()[0]
        tables = json.loads(rows)
        fresh = "" if run_id == result.run_id else f" (unchanged: still the publication of run {run_id})"
        print(f"  published: {len(tables)} tables, {sum(tables.values()):,} rows{fresh}")
        print(f"Published database: {paths.published}")
    else:
        print("  nothing published yet")
    if unfinished:
        print(f"  {len(unfinished)} submission(s) are not in a final state (the next run takes them up again):",
              file=sys.stderr)
        for s in unfinished:
            print(f"    {s.status}: {s.file_name} (submission {s.submission_id})", file=sys.stderr)
    if not result.success:
        print(_failure_sentence(result, log_path), file=sys.stderr)
        for event in result.all_events:
            if event.event_type_value in ("STEP_FAILURE", "ASSET_CHECK_EVALUATION") and event.is_failure:
                print(f"  failed: {event.step_key}: {_failure_detail(event)}", file=sys.stderr)
        failed_checks = _blocking_check_failures(result)
        if failed_checks:
            print("  failed checks:", file=sys.stderr)
        for event in failed_checks:
            failures = event.metadata.get("failures")
            print(f"    {event.asset_key.to_user_string()} {event.check_name}"
                  + (f": {failures.value}" if failures is not None else ""), file=sys.stderr)
    return 0 if succeeded else 1


def _blocking_check_failures(result: Any) -> list[Any]:
    """Failed checks of error severity: a dbt test, or a gate that could not run (a quarantine only warns)."""
    return [e for e in result.get_asset_check_evaluations() if not e.passed and e.severity.value == "ERROR"]


def _failure_detail(event: Any) -> str:
    """What a failed step said: its ``dg.Failure``'s description (dbt's first error, say), else Dagster's message."""
    if event.event_type_value != "STEP_FAILURE":
        return event.message
    user = getattr(event.step_failure_data, "user_failure_data", None)
    return getattr(user, "description", None) or event.message


def _check_status(event: Any) -> str:
    """dbt's status of a test's check (``fail``: it found rows; ``error``: it could not run), or ""."""
    status = event.metadata.get("status")
    return str(getattr(status, "value", status) or "")


def _failure_sentence(result: Any, log_path: Path) -> str:
    """One plain sentence of what stopped the run and what to do, before any detail."""
    failed_steps = [e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    failed_tests = [e for e in _blocking_check_failures(result) if e.check_name != "quality_gate"]
    errored = [e for e in failed_tests if _check_status(e) == "error"]
    if errored:  # dbt could not run the test: the data may be sound (at scale 30 the disk filled)
        names = ", ".join(sorted({e.check_name for e in errored})[:5])
        return (f"cdw run: dbt could not run {len(errored)} warehouse test(s) ({names}): an error, not a finding in "
                f"the data, so nothing new was published; every batch is kept. The error (a full disk or memory, "
                f"say) is below and in the full log ({log_path}); correct it and run again.")
    if failed_tests:
        names = ", ".join(sorted({e.check_name for e in failed_tests})[:5])
        return (f"cdw run: a warehouse data test failed ({names}), so nothing new was published; every batch is "
                f"kept. Look at the failing rows with `dbt test --select <test> --store-failures`, correct the data "
                f"or the test, and run again (full log: {log_path}).")
    if failed_steps:
        return (f"cdw run: step {failed_steps[0]} failed, so nothing new was published; every batch is kept. "
                f"The error is below and in the full log ({log_path}); correct it and run again.")
    return f"cdw run: the run did not succeed; see the full log ({log_path})."


def _rebuild_batches(args: argparse.Namespace) -> int:
    from orchestration.lib.ingest import rebuild_batches
    from orchestration.lib.pseudonymise import KeyMismatchError, MissingKeyError
    from orchestration.lib.registry import Registry
    from orchestration.lib.settings import DataPaths

    paths = DataPaths.from_env().ensure()
    with _writer(paths, args.wait):
        try:
            count = rebuild_batches(paths, Registry(paths.registry), args.rotate_key)
        except (KeyMismatchError, MissingKeyError, RuntimeError) as exc:
            print(f"cdw rebuild-batches: {exc}", file=sys.stderr)
            return 2
    print(f"{count} batch(es) pseudonymised again from the archive with the key now set; "
          "run `cdw run` to rebuild the warehouse and the publication from them")
    return 0


def _linkage_report(args: argparse.Namespace) -> int:
    from orchestration.lib.ingest import checked_key
    from orchestration.lib.linkage_quality import measure, report
    from orchestration.lib.registry import Registry
    from orchestration.lib.settings import DataPaths

    paths = DataPaths.from_env()
    truth = Path(args.truth).resolve() if args.truth else paths.root / "restricted" / "linkage_truth.csv"
    if not paths.registry.exists():
        print(f"cdw linkage-report: nothing ingested yet ({paths.registry}); run the pipeline first (cdw run)",
              file=sys.stderr)
        return 2
    try:
        measured = measure(paths, truth, checked_key(Registry(paths.registry)))
    except FileNotFoundError as error:
        print(f"cdw linkage-report: {error}", file=sys.stderr)
        return 2
    print(report(measured))
    return 0


def _linkage_train(args: argparse.Namespace) -> int:
    from orchestration.lib.linkage import MODEL, train
    from orchestration.lib.settings import DataPaths

    target = Path(args.model).resolve() if args.model else MODEL
    written = train(DataPaths.from_env(), target)
    print(f"Linkage model trained on the current identities (restricted) and written (probabilities only): {written}")
    return 0


def _linkage_review(args: argparse.Namespace) -> int:
    import datetime as dt

    import pyarrow.parquet as pq

    from orchestration.lib.linkage import decide, review_path
    from orchestration.lib.settings import DataPaths

    paths = DataPaths.from_env()
    if args.same or args.different:
        left, right = args.same or args.different
        when = dt.datetime.now().isoformat(timespec="seconds")
        try:
            decide(paths, left, right, "same" if args.same else "different", when)
        except ValueError as error:
            print(f"cdw linkage-review: {error}", file=sys.stderr)
            return 2
        print(f"Recorded: {left} and {right} are {'the same child' if args.same else 'different children'} "
              "(from the next run on)")
        return 0
    queue = review_path(paths)
    rows = pq.read_table(queue).to_pylist() if queue.exists() else []
    print(f"{len(rows)} pair(s) of records wait for a decision (restricted: identifiers shown). Decide with "
          "`cdw linkage-review --same LEFT RIGHT` or `--different LEFT RIGHT`.")
    for row in rows[:args.limit]:
        print(f"\n  p = {row['match_probability']:.3f}")
        for side in ("l", "r"):
            print(f"    {row['unique_id_' + side]}: {row['forename_' + side]} {row['surname_' + side]}, born "
                  f"{row['date_of_birth_' + side]}, {row['postcode_' + side] or 'no postcode'}, HCN "
                  f"{row['hcn_' + side] or 'none'} ({row['feed_' + side]}, {row['provider_code_' + side]})")
    return 0


def _status(args: argparse.Namespace) -> int:
    from orchestration.lib.registry import Registry
    from orchestration.lib.settings import DataPaths

    paths = DataPaths.from_env()
    if not paths.registry.exists():
        print("[]" if args.json else f"No submissions received yet (registry {paths.registry}).")
        return 0
    records = []
    for s in Registry(paths.registry).all(args.status):
        if (args.provider and s.provider != args.provider) or (args.feed and s.feed != args.feed):
            continue
        record = s.as_dict()
        record["file"] = record.pop("file_name")
        records.append(record)
    if args.json:
        print(json.dumps(records, ensure_ascii=False, indent=2))
        return 0
    header = ("id", "provider", "feed", "period", "layout", "rows", "received", "status", "file / reasons")
    print("  ".join(f"{h:<{w}}" for h, w in zip(header, (6, 8, 18, 8, 6, 7, 19, 11, 0), strict=True)))
    for r in records:
        cells = (r["submission_id"], r["provider"] or "", r["feed"] or "", r["period"] or "", r["layout"] or "",
                 r["rows"] if r["rows"] is not None else "", r["received_at"], r["status"], r["file"])
        print("  ".join(f"{c!s:<{w}}" for c, w in zip(cells, (6, 8, 18, 8, 6, 7, 19, 11, 0), strict=True)))
        for reason in r["reasons"][:5]:
            print(f"{'':>8}{reason}")
        if r["status"] == "quarantined" and r["superseded_by"]:
            print(f"{'':>8}cured by resubmission {r['superseded_by']}")
        if r["status"] in ("rejected", "quarantined") and r["error_report"]:
            print(f"{'':>8}error report: {r['error_report']}")
        if r["validation_docs"] and (r["status"] == "quarantined" or r["reasons"]):
            print(f"{'':>8}data docs: {r['validation_docs']}")
    counts = Counter(r["status"] for r in records)
    print(f"\n{len(records)} submissions: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    return 0


def derived_files() -> dict[Path, str]:
    """Every committed file that follows from the feed contracts: the dbt layer and the GX suites."""
    from orchestration.lib.suites import expected_suite_files
    from sources.dbt_models import expected_files, hand_written

    files = {path: text for path, text in expected_files().items() if not hand_written(path)}
    return files | expected_suite_files()


def stale_derived_files() -> list[Path]:
    return [p for p, text in derived_files().items() if not p.exists() or p.read_text(encoding="utf-8") != text]


def _contracts(args: argparse.Namespace) -> int:
    if args.check:
        stale = stale_derived_files()
        for path in stale:
            print(f"out of date with the contracts: {path}", file=sys.stderr)
        if stale:
            print("run `cdw contracts` to rewrite them", file=sys.stderr)
        return 1 if stale else 0
    files = derived_files()
    written = stale_derived_files()
    for path in written:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(files[path], encoding="utf-8")
    print(f"{len(written)} file(s) rewritten from the contracts" if written else "derived files are up to date")
    for path in written:
        print(f"  {path}")
    return 0


def _docs(args: argparse.Namespace) -> int:
    from orchestration.lib.quality import build_docs_index
    from orchestration.lib.settings import DataPaths

    paths = DataPaths.from_env()
    if not (paths.root / "gx").exists():
        print("No gate has run yet (`cdw run`): the Data Docs index lists no validation.", file=sys.stderr)
    print(f"Data Docs: {build_docs_index(paths.ensure())}")
    return 0


def _query(args: argparse.Namespace) -> int:
    import duckdb

    from orchestration.lib.settings import DataPaths

    published = DataPaths.from_env().published
    if not published.exists():
        print(f"No published database yet at {published}: run `cdw run` (or `make demo`) first.", file=sys.stderr)
        return 1
    with duckdb.connect(str(published), read_only=True) as con:
        try:
            relation = con.sql(args.sql)
        except duckdb.Error as exc:
            print(f"cdw query: {exc}", file=sys.stderr)
            return 2
        if relation is not None:
            relation.show(max_width=160, max_rows=args.max_rows)
    return 0


def _extract(args: argparse.Namespace) -> int:
    """Run the extract job in-process, so the run is recorded like a scheduled one."""
    from orchestration.lib.settings import DataPaths

    paths = DataPaths.from_env().ensure()
    os.environ["CDW_DATA_DIR"] = str(paths.root)
    from orchestration.defs.extract import OP_NAME, extract_run_config
    from orchestration.lib.lifecycle import remove_debris
    from orchestration.lib.registry import Registry

    started = time.monotonic()
    log_path = _log_path(paths.root, "extract")
    with _writer(paths, args.wait):
        remove_debris(paths, Registry(paths.registry).all("received"))
        result, _ = _execute_job("commissioner_extract_job", extract_run_config(args.quarter, args.recipient),
                                 log_path)
    if not result.success:
        failures = [event for event in result.all_events if event.is_step_failure]
        error = failures[0].step_failure_data.error if failures else None
        while error is not None and error.cause is not None:  # the op's own error, not Dagster's wrapper
            error = error.cause
        reason = error.message.strip() if error is not None else "see the log"
        print(f"Extract for {args.recipient} {args.quarter} FAILED: {reason}\n  full log: {log_path}",
              file=sys.stderr)
        return 1
    output = result.output_for_node(OP_NAME)
    print(f"Extract for {args.recipient} {args.quarter} written in {time.monotonic() - started:.1f}s: {output}")
    for name in sorted(os.listdir(output)):
        print(f"  {name}")
    return 0


def main(argv: list[str] | None = None) -> int:
    if hasattr(signal, "SIGPIPE") and argv is None:
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `cdw status | head` ends quietly
    parser = argparse.ArgumentParser(prog="cdw", description="Northern Ireland regional children's data warehouse")
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("generate", help="write synthetic provider submissions into a landing area")
    gen.add_argument("--start", required=True, help="first month, YYYY-MM")
    gen.add_argument("--end", required=True, help="last month, YYYY-MM")
    gen.add_argument("--scale", type=float, default=1.0, help="volume relative to Northern Ireland (1.0)")
    gen.add_argument("--seed", type=int, default=1, help="random seed: the same seed gives the same files")
    gen.add_argument("--landing", default="data/landing", help="landing area to write into")
    gen.add_argument("--truth", help="where to write which person each record naming a child is, for measuring "
                                     "linkage (default: restricted/linkage_truth.csv beside the landing area)")
    gen.set_defaults(handler=_generate)
    run = commands.add_parser("run", help="run the whole pipeline once (ingest, gate, dbt, publish)")
    run.add_argument("--wait", action="store_true", help="wait for another run on the same data root to finish "
                                                         "instead of stopping")
    run.set_defaults(handler=_run)
    rebuild = commands.add_parser("rebuild-batches", help="pseudonymise every batch again from the archive with "
                                                          "the key now set (key rotation, lost batches)")
    rebuild.add_argument("--rotate-key", action="store_true",
                         help="let the key now set replace the one the batches were made with")
    rebuild.add_argument("--wait", action="store_true", help="wait for a run on the same data root to finish")
    rebuild.set_defaults(handler=_rebuild_batches)
    status = commands.add_parser("status", help="list every submission received and what became of it")
    status.add_argument("--json", action="store_true", help="print a JSON list of submissions")
    status.add_argument("--status", choices=["received", "pending", "accepted", "quarantined", "superseded",
                                             "rejected"], help="only submissions with this status")
    status.add_argument("--provider", help="only this provider's submissions (e.g. BHSCT)")
    status.add_argument("--feed", help="only this feed's submissions (e.g. referrals)")
    status.set_defaults(handler=_status)
    sync = commands.add_parser("contracts", help="write what follows from the feed contracts: dbt sources, "
                                                 "staging and latest-state models, Great Expectations suites")
    sync.add_argument("--check", action="store_true", help="only report files that are out of date (exit 1)")
    sync.set_defaults(handler=_contracts)
    docs = commands.add_parser("docs", help="build the Great Expectations Data Docs index of every gate run")
    docs.set_defaults(handler=_docs)
    linkage = commands.add_parser("linkage-report", help="measure how well children are linked across records and "
                                                         "providers, against the synthetic generator's truth file")
    linkage.add_argument("--truth", help="the truth file (default: restricted/linkage_truth.csv under the data root)")
    linkage.set_defaults(handler=_linkage_report)
    train = commands.add_parser("linkage-train", help="train the linkage model's probabilities on the current "
                                                      "identities (in the restricted zone)")
    train.add_argument("--model", help="where to write the model (default: the one the pipeline uses)")
    train.set_defaults(handler=_linkage_train)
    review = commands.add_parser("linkage-review", help="list the pairs of records the linkage is unsure of, or "
                                                        "decide one (restricted: shows identifiers)")
    decision = review.add_mutually_exclusive_group()
    decision.add_argument("--same", nargs=2, metavar=("LEFT", "RIGHT"), help="the two records are one child")
    decision.add_argument("--different", nargs=2, metavar=("LEFT", "RIGHT"), help="the two records are two children")
    review.add_argument("--limit", type=int, default=20, help="how many pairs to list (default 20)")
    review.set_defaults(handler=_linkage_review)
    query = commands.add_parser("query", help="run SQL against the published (read-only) analytics database")
    query.add_argument("sql", help="a SQL query, e.g. \"select * from mart_referrals_by_trust_month limit 5\"")
    query.add_argument("--max-rows", type=int, default=40)
    query.set_defaults(handler=_query)
    extract = commands.add_parser("extract", help="write the Commissioner's extract for a quarter into the outbox, "
                                                  "under disclosure control")
    extract.add_argument("--quarter", required=True, help="calendar quarter, YYYY-Qn (e.g. 2024-Q3)")
    extract.add_argument("--recipient", default="niccy", help="outbox folder of the recipient (default niccy)")
    extract.add_argument("--wait", action="store_true", help="wait for a run on the same data root to finish")
    extract.set_defaults(handler=_extract)
    args = parser.parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
