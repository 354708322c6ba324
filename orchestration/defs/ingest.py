"""Dagster assets for ingest and the quality gate, made from the contracts and the provider list.

For every feed the dbt project reads (a table of the source ``batches``), an
ingest asset per Trust (or one for all Sure Start projects, one for all
voluntary organisations) takes its new landing files to pending batches, and a
blocking asset check (the gate) validates them with Great Expectations,
promoting or quarantining each (a quarantine warns: it blocks nobody else's
data). One asset then renders the Data Docs pages of all the run's gate results.
Adding a provider (a row in ``ref_providers``) or a feed (a contract, then
``cdw contracts``) needs no change here.
"""

from collections.abc import Callable
from pathlib import Path

import dagster as dg

from orchestration.lib.conform import Conformer
from orchestration.lib.ingest import (
    IngestSummary,
    checked_key,
    ingest_landing,
    is_known_submission,
    provider_names,
    providers_by_type,
)
from orchestration.lib.lifecycle import empty_batch_path, ensure_empty_batch, writing
from orchestration.lib.memory import make_room
from orchestration.lib.parse import FILE_NAME
from orchestration.lib.progress import report
from orchestration.lib.registry import Registry
from orchestration.lib.settings import DataPaths
from sources.contract import Contract, birth_date_feed, contracts

# Trusts are few and each is chased on its own, so each Trust's feed is an asset; Sure Start projects and
# voluntary organisations are many and small, so each of their feeds is one asset for all of them.
ASSET_PER_PROVIDER = {"trust": True, "sure_start": False, "vcs": False}


# What an asset serving every provider of a type is called in the asset graph.
ALL_OF_TYPE = {"sure_start": "sure_start_projects", "vcs": "vcs_organisations"}


def ingest_key(source: str, feed: str) -> dg.AssetKey:
    """``source`` is a provider code, or a provider type where one asset serves all its providers. The asset
    graph shows a key's last part, so it names the provider as well as the feed (bhsct_referrals)."""
    who = ALL_OF_TYPE.get(source, source.lower())
    return dg.AssetKey(["ingest", source.lower(), f"{who}_{feed}"])


def source_name(source: str, served: list[str], names: dict[str, str]) -> str:
    """The provider's name (a Trust's), or who an asset serving a whole provider type takes submissions from."""
    if source in names:
        return names[source]
    return f"every {source.replace('_', ' ')} provider ({len(served)})"


def batches_key(feed: str) -> dg.AssetKey:
    return dg.AssetKey(["batches", feed])


def _ingest_asset(source: str, who: str, providers: list[str], contract: Contract) -> dg.AssetsDefinition:
    feed = contract.feed
    prefixes = tuple(f"{provider}_{feed}_" for provider in providers)

    @dg.asset(
        key=ingest_key(source, feed),
        group_name="ingest",
        kinds={"python", "parquet"},
        tags={"provider": source.lower()},
        description=f"{feed} submissions of {who} ({source}): archived, parsed, checked against "
                    f"the {feed} contract and pseudonymised into pending Parquet batches.",
    )
    def ingest(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        summary = run_intake(context, lambda name: name.startswith(prefixes))
        for s in summary.submissions:
            if s.status in ("rejected", "quarantined"):
                context.log.warning(f"{s.file_name}: {s.status}: {s.reasons[:3]}")
        report(context, f"ingest {source} {feed}: {summary.seen} file(s), {summary.rows} row(s), "
                        f"{summary.statuses()}")
        return dg.MaterializeResult(metadata={
            "files_seen": summary.seen, "rows": summary.rows,
            "submissions": dg.MetadataValue.md(_submissions_table(summary.submissions)),
            **{f"files_{k.replace(' ', '_')}": v for k, v in summary.statuses().items()},
        })

    return ingest


def _gate_check(source: str, who: str, providers: list[str], contract: Contract,
                feed_providers: list[str]) -> dg.AssetChecksDefinition:
    feed = contract.feed

    @dg.asset_check(asset=ingest_key(source, feed), name="quality_gate", blocking=True, pool="quality_gate",
                    description=f"Great Expectations suites {feed}_batch and {feed}_batch_measures (the contract and "
                                f"the rule catalogue) on each new {feed} batch of {who}. A batch that "
                                "fails is quarantined "
                                "with its reasons and the check warns; every other batch goes on to be published. "
                                "The check fails (and blocks) only when the gate itself cannot run. The first of "
                                f"a run's {feed} checks validates every provider's new {feed} batches together "
                                "(one validation per feed per run); each check reports its own. Its Data Docs "
                                "pages are built by the data_docs asset of the same run.")
    def gate(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        from orchestration.lib.quality import gate_pending, gate_run_name, judged_in_run

        paths = DataPaths.from_env()
        registry = Registry(paths.registry)
        run_id = context.run.run_id
        with writing(paths, context.log.warning):
            ran = gate_pending(paths, registry, contract, feed_providers, gate_run_name(source, feed, run_id),
                               run_id)
        summary = judged_in_run(registry, feed, providers, run_id)
        docs = ran.docs or summary.docs  # both suites' pages when this check ran the validation
        refused = summary.refused
        report(context, f"gate {source} {feed}: {len(summary.accepted)} accepted, {len(summary.quarantined)} "
                        f"quarantined, {len(refused)} refused at ingest, {len(summary.warnings)} warning(s)")
        # A quarantined batch is the gate doing its work, not a failure of the warehouse: it is reported as a
        # warning, which does not block what is downstream, so one provider's mistake stops nobody else's data.
        return dg.AssetCheckResult(
            passed=not summary.quarantined and not refused,
            severity=dg.AssetCheckSeverity.WARN,
            metadata=gate_metadata(summary.accepted, summary.quarantined, refused, summary.failures,
                                   summary.warnings, docs),
        )

    return gate


def gate_metadata(accepted: list, quarantined: list, refused: list[str], failures: list[str], warnings: list[str],
                  docs: dict[str, str]) -> dict[str, object]:
    """The check's metadata: this run's own figures, and a link to each suite's Data Docs page. A run with nothing
    new to check records no figure at all, so the UI's plots of the figures do not drop to 0 between batches."""
    if not accepted and not quarantined and not refused:
        return {"this_run": "no new batch to check"}
    return {
        "batches_checked": len(accepted) + len(quarantined),
        "batches_accepted": len(accepted),
        "batches_quarantined": len(quarantined),
        "files_refused_at_ingest": len(refused),
        "failures": dg.MetadataValue.md("\n".join(f"- {f}" for f in failures + refused) or "none"),
        "warnings": dg.MetadataValue.md("\n".join(f"- {w}" for w in warnings) or "none"),
        **{f"data_docs_{suite}": dg.MetadataValue.url(Path(page).as_uri()) for suite, page in docs.items()},
    }


def _batches_asset(contract: Contract, upstream: list[dg.AssetKey]) -> dg.AssetsDefinition:
    feed = contract.feed

    @dg.asset(key=batches_key(feed), deps=upstream, group_name="batches", kinds={"parquet"},
              description=f"The accepted {feed} batches: the latest accepted submission of each provider and period. "
                          f"{contract.description}")
    def batches(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        import pyarrow.parquet as pq

        paths = DataPaths.from_env().ensure()
        empty = empty_batch_path(paths, feed)
        if not empty.exists():
            with writing(paths, context.log.warning):
                ensure_empty_batch(paths, feed)
        files = sorted(f for f in (paths.current / feed).glob("*.parquet") if f != empty)
        rows = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
        report(context, f"batches {feed}: {len(files)} current batch(es), {rows} row(s)")
        return dg.MaterializeResult(metadata={"batches": len(files), "rows": rows,
                                              "location": dg.MetadataValue.path(str(paths.current / feed))})

    return batches


EVENT_AGES_KEY = dg.AssetKey(["batches", "event_ages"])


def _event_ages_asset(feeds: list[str]) -> dg.AssetsDefinition:
    aged = [f for f in feeds if contracts()[f].age_events]
    sources = {source.feed for f in aged if (source := birth_date_feed(contracts()[f])) is not None}

    @dg.asset(key=EVENT_AGES_KEY, deps=[batches_key(f) for f in sorted(set(aged) | sources)],
              group_name="batches", kinds={"parquet"},
              description="Exact ages at events (spec 7.2.1), worked out in the restricted zone: every event the "
                          f"contracts flag ({', '.join(f'{f}.' + '/'.join(contracts()[f].age_events) for f in aged)}) "
                          "aged in whole years from the person's latest date of birth among the current batches. "
                          "Only the ages leave, by provider, keyed person and event date; dates of birth stay under "
                          "restricted/identities.")
    def event_ages(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        from orchestration.lib.ages import compute_event_ages, event_ages_path

        paths = DataPaths.from_env().ensure()
        with writing(paths, context.log.warning):
            summary = compute_event_ages(paths)
        if summary.without_birth_date:
            context.log.warning(
                f"{summary.without_birth_date} current batch(es) were ingested before dates of birth were kept: "
                "their events are aged from the month of birth until `cdw rebuild-batches` makes them again")
        kept = " (nothing it reads changed since its last run: the ages were kept)" if summary.unchanged else ""
        report(context, f"event ages: {summary.events} event(s) aged exactly{kept}")
        return dg.MaterializeResult(metadata={
            "events_aged": summary.events, "batches_without_identities": summary.without_birth_date,
            "location": dg.MetadataValue.path(str(event_ages_path(paths)))})

    return event_ages


DATA_DOCS_KEY = dg.AssetKey(["quality", "data_docs"])


PERSON_KEYS_KEY = dg.AssetKey(["batches", "person_keys"])


def _person_keys_asset(feeds: list[str]) -> dg.AssetsDefinition:
    from orchestration.lib.linkage import identity_feeds

    named = sorted(c.feed for c in identity_feeds() if c.feed in feeds)

    @dg.asset(key=PERSON_KEYS_KEY, deps=[batches_key(f) for f in named], group_name="batches", kinds={"parquet"},
              description="Children linked across records and providers (spec 5), in the restricted zone: every "
                          f"record of {', '.join(named)} compared with Splink (HCN, names, date of birth, postcode), "
                          "clustered into one person key per child. Only the keys leave, by feed, provider and keyed "
                          "reference; the identifiers, the keys given before, the review queue and the decisions "
                          "stay under restricted/linkage.")
    def person_keys(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        from orchestration.lib.linkage import link_children, person_keys_path

        paths = DataPaths.from_env().ensure()
        make_room()  # linkage's DuckDB may take up to its cap in this process
        with writing(paths, context.log.warning):
            summary = link_children(paths, checked_key(Registry(paths.registry)))
        if summary.without_identities:
            context.log.warning(
                f"{summary.without_identities} current batch(es) were ingested before identifiers were kept: their "
                "children are linked by exact match only until `cdw rebuild-batches` makes them again")
        if summary.for_review:
            context.log.warning(f"linkage: {summary.for_review} pair(s) of records wait for a decision "
                                "(cdw linkage-review)")
        kept = " (nothing it reads changed since its last run: its keys were kept)" if summary.unchanged else ""
        report(context, f"linkage: {summary.identities} record(s) naming a child, {summary.people} child(ren){kept}")
        return dg.MaterializeResult(metadata={
            "records": summary.identities, "children": summary.people, "linked_pairs": summary.linked_pairs,
            "pairs_for_review": summary.for_review, "batches_without_identities": summary.without_identities,
            "unchanged_since_last_run": summary.unchanged,
            "location": dg.MetadataValue.path(str(person_keys_path(paths)))})

    return person_keys


def _data_docs_asset(gated: list[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(key=DATA_DOCS_KEY, deps=gated, group_name="ingest", kinds={"html"},
              description="The Great Expectations Data Docs pages of this run's gate results, built once after every "
                          "gate (a build per gate call would set up the renderer and list the stores each time). "
                          "`cdw docs` builds the index of every run.")
    def data_docs(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        from orchestration.lib.quality import build_docs, docs_site, run_results

        paths = DataPaths.from_env().ensure()
        with writing(paths, context.log.warning):
            results = run_results(paths, context.run.run_id)
            pages = build_docs(paths, results)
        report(context, f"data docs: {len(results)} validation result(s) of this run rendered")
        return dg.MaterializeResult(metadata={
            "validation_results": len(results),
            "pages": dg.MetadataValue.path(str(docs_site(paths))) if pages else "none",
        })

    return data_docs


UNRECOGNISED_KEY = dg.AssetKey(["ingest", "unrecognised_files"])


@dg.asset(key=UNRECOGNISED_KEY, group_name="ingest", kinds={"python"},
          description="Landing files whose names match no provider and feed: archived, registered and rejected "
                      "with a reason, never lost.")
def unrecognised_files(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    summary = run_intake(context, lambda name: not is_known_submission(name))
    for s in summary.submissions:
        context.log.warning(f"{s.file_name}: {s.reasons[:1]}")
    report(context, f"unrecognised landing files: {len(summary.submissions)} new, rejected with reasons")
    return dg.MaterializeResult(metadata={
        "rejected": len(summary.submissions),
        "submissions": dg.MetadataValue.md(_submissions_table(summary.submissions)),
    })


def run_intake(context: dg.AssetExecutionContext, wanted: Callable[[str], bool]) -> IngestSummary:
    """One ingest step: under the data root lock (recovering first if the last writer did not finish), check the
    key, then take the new landing files this asset serves (and those an interrupted run left received)."""
    paths = DataPaths.from_env().ensure()
    with writing(paths, context.log.warning):
        registry = Registry(paths.registry)
        with Conformer(checked_key(registry)) as conformer:
            return ingest_landing(paths, registry, conformer, wanted, context.run_id)


def _submissions_table(submissions: list) -> str:
    """A Markdown table of new submissions for the asset's metadata, with links to error reports."""
    if not submissions:
        return "no new submissions"
    lines = ["| id | file | status | rows | checksum | error report |", "|---|---|---|---|---|---|"]
    for s in submissions:
        report_link = f"[report](file://{s.error_report})" if s.error_report else ""
        lines.append(f"| {s.submission_id} | {s.file_name} | {s.status} | {s.rows if s.rows is not None else ''} "
                     f"| {s.checksum[:12]} | {report_link} |")
    return "\n".join(lines)


def build_ingest_definitions(
    source_feeds: list[str],
) -> tuple[list[dg.AssetsDefinition], list[dg.AssetChecksDefinition]]:
    """Ingest assets and gates for each provider of each feed the warehouse reads."""
    assets: list[dg.AssetsDefinition] = [unrecognised_files]
    checks: list[dg.AssetChecksDefinition] = []
    gated: list[dg.AssetKey] = []
    providers, names = providers_by_type(), provider_names()
    for feed in source_feeds:
        contract = contracts()[feed]
        upstream = []
        members = providers.get(contract.provider_type, [])
        sources = [(p, [p]) for p in members] if ASSET_PER_PROVIDER.get(contract.provider_type, False) \
            else [(contract.provider_type, members)]
        for source, served in sources:
            who = source_name(source, served, names)
            assets.append(_ingest_asset(source, who, served, contract))
            checks.append(_gate_check(source, who, served, contract, members))
            upstream.append(ingest_key(source, feed))
        assets.append(_batches_asset(contract, upstream))
        gated += upstream
    assets.append(_data_docs_asset(gated))
    assets.append(_event_ages_asset(source_feeds))
    assets.append(_person_keys_asset(source_feeds))
    return assets, checks


def asset_key_for_file(name: str) -> dg.AssetKey:
    """The ingest asset that takes a landing file of this name (unrecognised names have their own asset)."""
    if not is_known_submission(name):
        return UNRECOGNISED_KEY
    parts = FILE_NAME.match(name)
    assert parts is not None
    provider_type = contracts()[parts["feed"]].provider_type
    source = parts["provider"] if ASSET_PER_PROVIDER.get(provider_type, False) else provider_type
    return ingest_key(source, parts["feed"])
