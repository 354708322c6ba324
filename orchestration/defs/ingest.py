"""Dagster assets for ingest and the quality gate, made from the contracts and the provider list.

For every feed the dbt project reads (a source in ``batches``) and every
provider of that feed's type, one ingest asset takes that provider's new
landing files to pending batches, and a blocking asset check (the gate)
validates them with Great Expectations, promoting or quarantining each.
Adding a provider (a row in ``ref_providers``) or a feed (a contract and a
staging model) needs no change here.
"""


from collections import Counter
from pathlib import Path

import dagster as dg

from orchestration.lib.conform import Conformer
from orchestration.lib.ingest import discover, ingest_file, promote, providers_by_type, quarantine
from orchestration.lib.parse import FILE_NAME
from orchestration.lib.progress import report
from orchestration.lib.pseudonymise import pseudonymisation_key
from orchestration.lib.registry import Registry
from orchestration.lib.settings import DataPaths
from sources.contract import Contract, contracts


def ingest_key(provider: str, feed: str) -> dg.AssetKey:
    return dg.AssetKey(["ingest", provider.lower(), feed])


def batches_key(feed: str) -> dg.AssetKey:
    return dg.AssetKey(["batches", feed])


def _ingest_asset(provider: str, contract: Contract) -> dg.AssetsDefinition:
    feed = contract.feed

    @dg.asset(
        key=ingest_key(provider, feed),
        group_name="ingest",
        kinds={"python", "parquet"},
        description=f"{provider}'s {feed} submissions: archived, parsed, checked against the {feed} contract and "
                    "pseudonymised into pending Parquet batches.",
    )
    def ingest(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        paths = DataPaths.from_env().ensure()
        registry = Registry(paths.registry)
        prefix = f"{provider}_{feed}_"
        new = [f for f in discover(paths.landing) if f.name.startswith(prefix)]
        statuses: Counter[str] = Counter()
        rows = 0
        with Conformer(pseudonymisation_key()) as conformer:
            for landing_file in new:
                submission = ingest_file(paths, registry, landing_file, conformer, context.run_id)
                if submission is None:
                    statuses["already received"] += 1
                    continue
                statuses[submission.status] += 1
                rows += submission.rows or 0
                if submission.status in ("rejected", "quarantined"):
                    context.log.warning(f"{submission.file_name}: {submission.status}: {submission.reasons[:3]}")
        report(context, f"ingest {provider} {feed}: {len(new)} file(s), {rows} row(s), {dict(statuses)}")
        return dg.MaterializeResult(metadata={
            "files_seen": len(new), "rows": rows, **{f"files_{k.replace(' ', '_')}": v for k, v in statuses.items()},
        })

    return ingest


def _gate_check(provider: str, contract: Contract) -> dg.AssetChecksDefinition:
    feed = contract.feed

    @dg.asset_check(asset=ingest_key(provider, feed), name="quality_gate", blocking=True,
                    description=f"Great Expectations suite {feed}_batch on each new {provider} batch; a failed batch "
                                "is quarantined and nothing downstream is published from this run.")
    def gate(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        from orchestration.lib.quality import validate_batch

        paths = DataPaths.from_env()
        registry = Registry(paths.registry)
        pending = [s for s in registry.all("pending") if s.provider == provider and s.feed == feed]
        accepted, failed, warnings, quarantined_here = [], [], [], set()
        for submission in pending:
            result = validate_batch(Path(str(submission.batch_path)), contract)
            if result.success:
                promoted = promote(paths, registry, submission)
                if result.warnings:
                    registry.update(promoted.submission_id, reasons=[f"warning: {w}" for w in result.warnings])
                    warnings += [f"{submission.file_name}: {w}" for w in result.warnings]
                accepted.append(submission.file_name)
            else:
                quarantine(paths, registry, submission, result.failures)
                quarantined_here.add(submission.submission_id)
                failed += [f"{submission.file_name}: {f}" for f in result.failures]
        refused = [f"{s.file_name}: {s.status}: {'; '.join(s.reasons[:2])}" for s in registry.all()
                   if s.run_id == context.run.run_id and s.provider == provider and s.feed == feed
                   and s.status in ("rejected", "quarantined") and s.submission_id not in quarantined_here]
        report(context, f"gate {provider} {feed}: {len(accepted)} accepted, {len(quarantined_here)} quarantined, "
                        f"{len(refused)} refused at ingest, {len(warnings)} warning(s)")
        passed = not failed and not refused
        return dg.AssetCheckResult(
            passed=passed,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={
                "batches_accepted": len(accepted),
                "failures": dg.MetadataValue.md("\n".join(f"- {f}" for f in failed + refused) or "none"),
                "warnings": dg.MetadataValue.md("\n".join(f"- {w}" for w in warnings) or "none"),
            },
        )

    return gate


def _batches_asset(contract: Contract, upstream: list[dg.AssetKey]) -> dg.AssetsDefinition:
    feed = contract.feed

    @dg.asset(key=batches_key(feed), deps=upstream, group_name="batches", kinds={"parquet"},
              description=f"The accepted {feed} batches: the latest accepted submission of each provider and period. "
                          f"{contract.description}")
    def batches(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        import pyarrow.parquet as pq

        paths = DataPaths.from_env().ensure()
        files = sorted((paths.current / feed).glob("*.parquet"))
        rows = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
        report(context, f"batches {feed}: {len(files)} current batch(es), {rows} row(s)")
        return dg.MaterializeResult(metadata={"batches": len(files), "rows": rows,
                                              "location": dg.MetadataValue.path(str(paths.current / feed))})

    return batches


@dg.asset(key=dg.AssetKey(["ingest", "unrecognised_files"]), group_name="ingest", kinds={"python"},
          description="Landing files whose names match no provider and feed: archived, registered and rejected "
                      "with a reason, never lost.")
def unrecognised_files(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    paths = DataPaths.from_env().ensure()
    registry = Registry(paths.registry)
    known = {(p, feed) for ptype, providers in providers_by_type().items() for p in providers
             for feed, c in contracts().items() if c.provider_type == ptype}
    stray = []
    for landing_file in discover(paths.landing):
        match = FILE_NAME.match(landing_file.name)
        if match and (match["provider"], match["feed"]) in known:
            continue
        stray.append(landing_file)
    rejected = 0
    with Conformer(pseudonymisation_key()) as conformer:
        for landing_file in stray:
            submission = ingest_file(paths, registry, landing_file, conformer, context.run_id)
            if submission is not None:
                rejected += 1
                context.log.warning(f"{landing_file.name}: {submission.reasons[:1]}")
    report(context, f"unrecognised landing files: {rejected} new, rejected with reasons")
    return dg.MaterializeResult(metadata={"rejected": rejected})


def build_ingest_definitions(
    source_feeds: list[str],
) -> tuple[list[dg.AssetsDefinition], list[dg.AssetChecksDefinition]]:
    """Ingest assets and gates for each provider of each feed the warehouse reads."""
    assets: list[dg.AssetsDefinition] = [unrecognised_files]
    checks: list[dg.AssetChecksDefinition] = []
    providers = providers_by_type()
    for feed in source_feeds:
        contract = contracts()[feed]
        upstream = []
        for provider in providers.get(contract.provider_type, []):
            assets.append(_ingest_asset(provider, contract))
            checks.append(_gate_check(provider, contract))
            upstream.append(ingest_key(provider, feed))
        assets.append(_batches_asset(contract, upstream))
    return assets, checks
