"""Probabilistic linkage of children across records and providers, in the restricted zone (spec section 5).

Every record naming a child (a Trust's child record, a family support referral, a Sure Start registration) is an
identity: the latest identifiers its provider sent for it, kept under ``restricted/identities``. The identities of
all providers are compared pair by pair with Splink on DuckDB (Fellegi-Sunter: each agreement or disagreement of
HCN, forename, surname, date of birth and postcode adds its weight, names adjusted for how common they are), on the
pairs a few blocking rules propose. Pairs whose match probability reaches ``MATCH_PROBABILITY`` are the same child,
and so is every pair of records carrying the same valid HCN; two records with different valid HCNs never are.
The linked records form clusters (connected components), each one child with one person key.

A child keeps their key: the keys given before are kept in the restricted zone (``restricted/linkage``), and a
cluster keeps the key most of its records had. A new child's key is their HCN's key where the cluster holds one
HCN (the key the exact match gave before), else a keyed hash of the cluster's first record. Pairs between
``REVIEW_PROBABILITY`` and ``MATCH_PROBABILITY`` are written to a review queue in the restricted zone; a data
engineer's decision (``cdw linkage-review``) links or separates them from the next run on.

Only the keys leave: ``batches/linkage/person_keys`` holds, per record (feed, provider, keyed reference), the
person key and how it was linked. The model (m and u probabilities, ``MODEL``) is trained with ``train`` on the
restricted identities (``cdw linkage-train``); the one shipped was trained on the synthetic data (README,
"Linkage").
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from orchestration.lib.lifecycle import identities_path, replace_whole, write_parquet
from orchestration.lib.pseudonymise import hmac_sql
from orchestration.lib.settings import PROJECT_ROOT, DataPaths
from orchestration.lib.sql_text import literal, literal_list
from orchestration.lib.unchanged import files_in, inputs_digest, last_result, remember
from sources.contract import Contract, contracts

MODEL = PROJECT_ROOT / "orchestration" / "linkage_model.json"
MATCH_PROBABILITY = 0.99  # at or above: the same child
REVIEW_PROBABILITY = 0.80  # from here to MATCH_PROBABILITY: a data engineer decides
TRAINING_SEED = 20240331
SAME, DIFFERENT = "same", "different"
RECORD_ID = re.compile(r"[a-z_]+\|[A-Za-z0-9]+\|[0-9a-f]{64}")  # feed|provider|keyed reference


@dataclass(frozen=True)
class LinkageSummary:
    identities: int  # records naming a child, among the current batches
    people: int  # person keys given
    linked_pairs: int  # pairs linked (probabilistic, by HCN or by decision)
    for_review: int  # pairs waiting for a decision
    without_identities: int  # current batches ingested before identifiers were kept (linked by HCN only)
    unchanged: bool = False  # nothing linkage reads changed since it last ran: its keys were kept, not remade


def identity_feeds() -> list[Contract]:
    """The feeds whose records name a child: they carry a date of birth."""
    return [c for c in contracts().values() if c.column_by_role("date_of_birth") is not None]


def linkage_dir(paths: DataPaths) -> Path:
    """The restricted home of linkage: the keys given, the review queue and the decisions."""
    return paths.root / "restricted" / "linkage"


def _limits() -> tuple[str, str]:
    """Linkage's memory and spill caps (``CDW_LINKAGE_MEMORY_LIMIT``, 2 GB, and ``CDW_LINKAGE_SPILL_LIMIT``, 20 GB,
    unless set). Linkage's DuckDB works inside `cdw run`, beside the half to one GB the run holds: at 3 GB, scale
    10's run peaked at 4.27 GB there. Linkage alone on scale 10: 3.17 GB at a 2.5 GB cap in 115.0 s, 2.71 GB at
    2 GB in 118.0 s, the same children."""
    return (os.environ.get("CDW_LINKAGE_MEMORY_LIMIT", "2GB"), os.environ.get("CDW_LINKAGE_SPILL_LIMIT", "20GB"))


def _connection(paths: DataPaths) -> duckdb.DuckDBPyConnection:
    """Linkage's DuckDB, capped like dbt's: past the memory cap it spills to disk in the restricted zone (the pairs
    carry identifiers) instead of taking the machine's memory, and past the spill cap it stops rather than fill the
    disk the warehouse writes to (at scale 30 it spilled 46 GB in eight minutes before it was stopped)."""
    spill = linkage_dir(paths) / "spill"
    spill.mkdir(parents=True, exist_ok=True, mode=0o700)
    memory, spill_limit = _limits()
    return duckdb.connect(config={"memory_limit": memory, "temp_directory": str(spill),
                                  "max_temp_directory_size": spill_limit})


class LinkageTooLarge(RuntimeError):
    """The blocking rules proposed more pairs than linkage's memory and spill caps hold."""


def person_keys_path(paths: DataPaths) -> Path:
    """What leaves the restricted zone: each record's person key (feed, provider_code, person_ref, person_key,
    link_method)."""
    return paths.root / "batches" / "linkage" / "person_keys" / "person_keys.parquet"


def load_identities(con: duckdb.DuckDBPyConnection, paths: DataPaths) -> int:
    """Create the table ``identities``: each current record naming a child with its latest identifiers (the latest
    period, then the latest receipt). Return how many current batches have no identifiers kept."""
    parts, missing = [], 0
    for feed in identity_feeds():
        folder = paths.current / feed.feed
        batches = sorted(str(f) for f in folder.glob("*.parquet")) if folder.exists() else []
        if not batches:
            continue
        current = [sid for (sid,) in con.execute(
            f"select distinct submission_id from read_parquet({literal_list(batches)}, union_by_name = true)"
        ).fetchall()]
        kept = [identities_path(paths, sid) for sid in current]
        files = [str(f) for f in kept if f.exists()]
        missing += len(kept) - len(files)
        if files:
            parts.append(f"""
                select '{feed.feed}' as feed, provider_code, person_ref, period, submission_id, forename, surname,
                    cast(date_of_birth as varchar) as date_of_birth, postcode, hcn
                from read_parquet({literal_list(files)}, union_by_name = true)""")
    union = " union all ".join(parts) if parts else (
        "select null::varchar as feed, null::varchar as provider_code, null::varchar as person_ref, "
        "null::varchar as period, null::bigint as submission_id, null::varchar as forename, "
        "null::varchar as surname, null::varchar as date_of_birth, null::varchar as postcode, "
        "null::varchar as hcn where false")
    con.execute(f"""
        create or replace table identities as
        select
            feed || '|' || provider_code || '|' || person_ref as unique_id,
            feed, provider_code, person_ref,
            nullif(forename, '') as forename,
            nullif(surname, '') as surname,
            date_of_birth,
            case when regexp_full_match(postcode, '[A-Z]{{1,2}}[0-9][A-Z0-9]?[0-9][A-Z]{{2}}')
                 then left(postcode, length(postcode) - 3) || ' ' || right(postcode, 3) end as postcode,
            hcn
        from ({union})
        qualify row_number() over (partition by feed, provider_code, person_ref
                                   order by period desc, submission_id desc) = 1
        order by unique_id""")
    return missing


def settings() -> dict:
    """The model's comparisons and blocking rules, before training (``train`` estimates its m and u)."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    transposed = ("substr(date_of_birth_l, 1, 4) = substr(date_of_birth_r, 1, 4) "
                  "and substr(date_of_birth_l, 6, 2) = substr(date_of_birth_r, 9, 2) "
                  "and substr(date_of_birth_l, 9, 2) = substr(date_of_birth_r, 6, 2)")
    date_of_birth = cl.CustomComparison(
        output_column_name="date_of_birth",
        comparison_levels=[
            cll.NullLevel("date_of_birth"),
            cll.ExactMatchLevel("date_of_birth"),
            cll.CustomLevel(transposed, "day and month transposed"),
            cll.DamerauLevenshteinLevel("date_of_birth", 1),
            cll.CustomLevel("substr(date_of_birth_l, 1, 7) = substr(date_of_birth_r, 1, 7)", "same month"),
            cll.ElseLevel(),
        ])
    creator = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        # a pair differing in any one of the four identifiers, or in both names (or in more, with the same HCN),
        # meets a rule; each rule's blocks stay small at scale (a day of births alone would hold hundreds of
        # children at scale 10, and a common forename and surname hundreds more without the year of birth)
        blocking_rules_to_generate_predictions=[
            block_on("hcn"),
            block_on("date_of_birth", "surname"),
            block_on("date_of_birth", "forename"),
            block_on("date_of_birth", "postcode"),
            # a date of birth that differs, at a new postcode: the year and the month (a day mistyped), the year
            # and the day (a month mistyped), or the year and the day and month in either order (transposed).
            # Forename, surname and year alone proposed 224 million pairs at scale 10 (blocks of 497 children)
            # and ran the machine out of memory; these three, 26 million.
            block_on("forename", "surname", "substr(date_of_birth, 1, 7)"),
            block_on("forename", "surname", "substr(date_of_birth, 1, 4)", "substr(date_of_birth, 9, 2)"),
            block_on("forename", "surname", "substr(date_of_birth, 1, 4)",
                     "least(substr(date_of_birth, 6, 2), substr(date_of_birth, 9, 2))",
                     "greatest(substr(date_of_birth, 6, 2), substr(date_of_birth, 9, 2))"),
            block_on("surname", "postcode"),
            block_on("forename", "postcode"),
        ],
        comparisons=[
            cl.ExactMatch("hcn"),
            cl.NameComparison("forename").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            date_of_birth,
            cl.PostcodeComparison("postcode"),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=True,
    )
    return creator.get_settings("duckdb").as_dict()


def _linker(con: duckdb.DuckDBPyConnection, model: dict | Path):
    from splink import DuckDBAPI, Linker

    api = DuckDBAPI(connection=con)
    frame = api.register(con.sql("select unique_id, forename, surname, date_of_birth, postcode, hcn "
                                 "from identities").to_arrow_table(), dataset_display_name="linkage_input")
    return Linker(frame, model if isinstance(model, dict) else str(model), log_level=None)


def train(paths: DataPaths, target: Path = MODEL) -> Path:
    """Estimate the model's m and u probabilities from the current identities (unsupervised: u from random pairs,
    m by expectation maximisation within two blockings) and write it (no data, only probabilities)."""
    from splink import block_on

    con = duckdb.connect()
    try:
        load_identities(con, paths)
        linker = _linker(con, settings())
        linker.training.estimate_probability_two_random_records_match(
            [block_on("forename", "surname", "date_of_birth")], recall=0.8)
        linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=TRAINING_SEED)
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("forename", "surname"))
        trained = linker.misc.save_model_to_json(out_path=None)
    finally:
        con.close()
    trained.pop("sql_dialect", None)
    target.write_text(json.dumps(trained, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return target


def prediction_chunks(identities: int) -> int:
    """Into how many slices each side of the pairs is cut (``CDW_LINKAGE_CHUNK_RECORDS`` records a slice, a million
    unless set). Splink then blocks and scores one slice against another at a time, keeping only the pairs at or
    above ``REVIEW_PROBABILITY``: the pairs held at once fall with the square of the slices, where all the pairs
    of scale 30 together (about 470 million) spilled past 46 GB. The pairs scored, and so the result, are the same."""
    per_chunk = int(os.environ.get("CDW_LINKAGE_CHUNK_RECORDS", "1000000"))
    return max(1, -(-identities // per_chunk))


def predict(con: duckdb.DuckDBPyConnection, model: Path = MODEL) -> None:
    """Create the table ``scored``: each proposed pair at or above ``REVIEW_PROBABILITY``, with its probability
    and both records' HCNs (two valid HCNs that differ are never one child)."""
    identities = con.execute("select count(*) from identities").fetchall()[0][0]
    if identities < 2:
        con.execute("create or replace table scored (unique_id_l varchar, unique_id_r varchar, "
                    "match_probability double, hcn_l varchar, hcn_r varchar)")
        return
    trained = json.loads(model.read_text(encoding="utf-8"))
    # the blocking rules are this module's (``settings``), whatever the model was trained with
    trained["blocking_rules_to_generate_predictions"] = settings()["blocking_rules_to_generate_predictions"]
    linker = _linker(con, trained)
    chunks = prediction_chunks(identities)
    # the few parameters training cannot see (u of two equal HCNs, m of postcodes in different areas) keep
    # Splink's defaults, which ``train`` reports; no need to say so at every run
    predictions = linker.inference.predict(threshold_match_probability=REVIEW_PROBABILITY, warning_mode="never",
                                           num_chunks_left=chunks, num_chunks_right=chunks)
    con.execute(f"""
        create or replace table scored as
        select unique_id_l, unique_id_r, match_probability, hcn_l, hcn_r
        from {predictions.physical_name}""")


def decisions_path(paths: DataPaths) -> Path:
    return linkage_dir(paths) / "decisions.csv"


def review_path(paths: DataPaths) -> Path:
    return linkage_dir(paths) / "review.parquet"


def given_keys_path(paths: DataPaths) -> Path:
    return linkage_dir(paths) / "given_keys.parquet"


def load_decisions(con: duckdb.DuckDBPyConnection, paths: DataPaths) -> int:
    """Create the table ``decisions`` (the latest decision on each pair, its ids in order); return how many."""
    path = decisions_path(paths)
    source = (f"select * from read_csv({literal(str(path))}, all_varchar = true)" if path.exists() else
              "select null::varchar as unique_id_l, null::varchar as unique_id_r, null::varchar as decision, "
              "null::varchar as decided_at where false")
    con.execute(f"""
        create or replace table decisions as
        select least(unique_id_l, unique_id_r) as unique_id_l, greatest(unique_id_l, unique_id_r) as unique_id_r,
            decision
        from ({source})
        qualify row_number() over (partition by least(unique_id_l, unique_id_r), greatest(unique_id_l, unique_id_r)
                                   order by decided_at desc) = 1""")
    return con.execute("select count(*) from decisions").fetchall()[0][0]


def links(con: duckdb.DuckDBPyConnection) -> int:
    """Create the table ``links``: the pairs that are one child, each with how (by HCN, by a decision, or by the
    model); never two records with different valid HCNs, nor a pair a data engineer separated. How many."""
    con.execute(f"""
        create or replace table links as
        with by_hcn as (
            select unique_id as unique_id_l, min(unique_id) over (partition by hcn) as unique_id_r, 'hcn' as method
            from identities where hcn is not null
        ),
        by_model as (
            select least(unique_id_l, unique_id_r) as unique_id_l, greatest(unique_id_l, unique_id_r) as unique_id_r,
                'probabilistic' as method
            from scored
            where match_probability >= {MATCH_PROBABILITY}
                and not (hcn_l is not null and hcn_r is not null and hcn_l <> hcn_r)
        ),
        by_decision as (
            select unique_id_l, unique_id_r, 'reviewed' as method from decisions
            where decision = '{SAME}'
                and unique_id_l in (select unique_id from identities)
                and unique_id_r in (select unique_id from identities)
        )
        select unique_id_l, unique_id_r, method from by_hcn where unique_id_l <> unique_id_r
        union all
        select unique_id_l, unique_id_r, method from by_model
        where (unique_id_l, unique_id_r) not in (select (unique_id_l, unique_id_r) from decisions
                                                 where decision = '{DIFFERENT}')
        union all
        select unique_id_l, unique_id_r, method from by_decision""")
    return con.execute("select count(*) from links").fetchall()[0][0]


def components(count: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Each record's cluster: the connected components of the links between records numbered 0 to count - 1,
    each named by its smallest number. In arrays, not Python objects: at scale 30 the records' and links' strings
    in dictionaries took linkage's process past 10 GB."""
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(count, count))
    _, label = connected_components(graph, directed=False)
    smallest = np.full(label.max() + 1 if count else 0, count, dtype=np.int64)
    np.minimum.at(smallest, label, np.arange(count, dtype=np.int64))
    return smallest[label]


def contested_keys(holdings: list[tuple[str, str, int]]) -> dict[str, str]:
    """Which cluster keeps which key given before, among holdings (key, cluster, records that had the key) where
    a key is held by several clusters or a cluster holds several keys: the largest holding is served first (ties:
    by key, then cluster), each key and each cluster at most once."""
    key_of_cluster: dict[str, str] = {}
    taken: set[str] = set()
    for key, cluster, _ in sorted(holdings, key=lambda h: (-h[2], h[0], h[1])):
        if key not in taken and cluster not in key_of_cluster:
            key_of_cluster[cluster] = key
            taken.add(key)
    return key_of_cluster


def assign_keys(con: duckdb.DuckDBPyConnection, key: bytes) -> None:
    """Create the table ``keyed`` (unique_id, person_key) from ``clustered`` (unique_id, cluster), ``identities``
    and ``given`` (the keys given before). A key given before stays with the cluster holding most of the records
    that had it (``contested_keys``; a key held by one cluster that holds no other keeps it without contest, which
    is nearly every key, so only the contested few reach Python); a cluster left without one takes its HCN's key
    where it holds one HCN, else a keyed hash of its name."""
    con.execute("""
        create or replace table holdings as
        select given.person_key, clustered.cluster, count(*) as records,
            count(*) over (partition by given.person_key) as clusters_of_key,
            count(*) over (partition by clustered.cluster) as keys_of_cluster
        from clustered join given using (unique_id)
        group by given.person_key, clustered.cluster""")
    contested = con.execute("""
        select person_key, cluster, records from holdings where clusters_of_key > 1 or keys_of_cluster > 1
        """).fetchall()
    settled = contested_keys(contested)
    con.register("settled", pa.table({"cluster": list(settled), "person_key": list(settled.values())},
                                     schema=pa.schema([("cluster", pa.string()), ("person_key", pa.string())])))
    con.execute(f"""
        create or replace table keyed as
        with kept as (
            select cluster, person_key from holdings where clusters_of_key = 1 and keys_of_cluster = 1
            union all
            select cluster, person_key from settled
        ),
        new_keys as (
            select cluster,
                case when count(distinct identities.hcn) = 1 then {hmac_sql(key, "'hcn:' || min(identities.hcn)")}
                     else {hmac_sql(key, "'person:' || cluster")} end as person_key
            from clustered join identities using (unique_id)
            group by cluster
        )
        select clustered.unique_id, coalesce(kept.person_key, new_keys.person_key) as person_key
        from clustered
        left join kept using (cluster)
        join new_keys using (cluster)""")
    con.unregister("settled")


METHOD_RANK = {"hcn": 0, "reviewed": 1, "probabilistic": 2}


def _inputs_digest(paths: DataPaths, key: bytes, model: Path) -> str:
    """Everything linkage reads (module ``unchanged``): the identity feeds' current batches, the identifiers kept,
    the decisions, the model, the key (by its hash) and this module's code."""
    files = files_in(*(paths.current / feed.feed for feed in identity_feeds()), paths.identities)
    return inputs_digest([*files, decisions_path(paths)],
                         [model.read_bytes(), hashlib.sha256(key).digest(), Path(__file__).read_bytes()])


def link_children(paths: DataPaths, key: bytes, model: Path = MODEL) -> LinkageSummary:
    """Link every current record naming a child; write the keys (restricted and, keyed only, for the warehouse)
    and the review queue. Skipped, its outputs kept, when nothing it reads changed since it last ran."""
    digest = _inputs_digest(paths, key, model)
    record = linkage_dir(paths) / "last_run.json"
    kept = last_result(record, digest, [person_keys_path(paths), given_keys_path(paths), review_path(paths)])
    if kept is not None:
        return LinkageSummary(**{**kept, "unchanged": True})
    summary = _link(paths, key, model)
    remember(record, digest, asdict(summary))
    return summary


def cluster_records(con: duckdb.DuckDBPyConnection) -> None:
    """Create the table ``clustered`` (unique_id, cluster): each record of ``identities`` with its cluster, named
    by the smallest unique_id in it (``components`` over the ``links``, by the records' numbers in that order)."""
    con.execute("""
        create or replace table numbered as
        select unique_id, cast(row_number() over (order by unique_id) - 1 as bigint) as number from identities""")
    count = con.execute("select count(*) from numbered").fetchall()[0][0]
    ends = con.execute("""
        select l.number as l, r.number as r
        from links
        join numbered as l on l.unique_id = links.unique_id_l
        join numbered as r on r.unique_id = links.unique_id_r""").fetchnumpy()
    cluster = components(count, np.asarray(ends["l"], dtype=np.int64), np.asarray(ends["r"], dtype=np.int64))
    con.register("cluster_numbers", pa.table({"number": np.arange(count, dtype=np.int64), "cluster_number": cluster}))
    con.execute("""
        create or replace table clustered as
        select record.unique_id, named.unique_id as cluster
        from numbered as record
        join cluster_numbers using (number)
        join numbered as named on named.number = cluster_numbers.cluster_number""")
    con.unregister("cluster_numbers")


def _copy_parquet(con: duckdb.DuckDBPyConnection, query: str, target: Path) -> None:
    """Write a query's rows as Parquet straight from DuckDB, whole or not at all (``replace_whole``), so no copy
    passes through Python."""
    replace_whole(target, lambda staged: con.execute(f"copy ({query}) to {literal(str(staged))} (format parquet)"))


def _link(paths: DataPaths, key: bytes, model: Path) -> LinkageSummary:
    con = _connection(paths)
    try:
        missing = load_identities(con, paths)
        load_decisions(con, paths)
        try:
            predict(con, model)
        except duckdb.OutOfMemoryException as exc:
            count = con.execute("select count(*) from identities").fetchall()[0][0]
            memory, spill_limit = _limits()
            raise LinkageTooLarge(
                f"linkage of {count:,} records naming a child proposed more pairs than its {memory} of memory and "
                f"{spill_limit} of spill hold (CDW_LINKAGE_MEMORY_LIMIT, CDW_LINKAGE_SPILL_LIMIT): the blocking "
                f"rules' blocks are too large at this volume (README, \"The model\"). Nothing was keyed; the "
                f"previous person keys stand. DuckDB said: {exc}") from exc
        linked = links(con)
        cluster_records(con)
        given_path = given_keys_path(paths)
        con.execute("create or replace table given as select unique_id, person_key "
                    f"from read_parquet({literal(str(given_path))})"
                    if given_path.exists() else
                    "create or replace table given (unique_id varchar, person_key varchar)")
        assign_keys(con, key)
        _copy_parquet(con, "select unique_id, person_key from keyed order by unique_id", given_path)
        ranks = " ".join(f"when '{how}' then {rank}" for how, rank in METHOD_RANK.items())
        methods = " ".join(f"when {rank} then '{how}'" for how, rank in METHOD_RANK.items())
        _copy_parquet(con, f"""
            with ends as (
                select unique_id_l as unique_id, method from links
                union all
                select unique_id_r, method from links
            ),
            best as (
                select unique_id, case min(case method {ranks} end) {methods} end as link_method
                from ends group by unique_id
            )
            select identities.feed, identities.provider_code, identities.person_ref, keyed.person_key,
                coalesce(best.link_method, 'unlinked') as link_method
            from identities
            join keyed using (unique_id)
            left join best using (unique_id)
            order by identities.feed, identities.provider_code, identities.person_ref""", person_keys_path(paths))
        for_review = _write_review_queue(con, paths)
        records, people = con.execute("select count(*), count(distinct person_key) from keyed").fetchall()[0]
    finally:
        con.close()
    return LinkageSummary(records, people, linked, for_review, missing)


def _write_review_queue(con: duckdb.DuckDBPyConnection, paths: DataPaths) -> int:
    """The pairs the model is unsure of and nobody has decided, with both records' identifiers (restricted)."""
    fields = ["feed", "provider_code", "forename", "surname", "date_of_birth", "postcode", "hcn"]
    queue = con.sql(f"""
        select
            least(s.unique_id_l, s.unique_id_r) as unique_id_l, greatest(s.unique_id_l, s.unique_id_r) as unique_id_r,
            round(s.match_probability, 4) as match_probability,
            {', '.join(f'l.{f} as {f}_l, r.{f} as {f}_r' for f in fields)}
        from scored as s
        join identities as l on l.unique_id = least(s.unique_id_l, s.unique_id_r)
        join identities as r on r.unique_id = greatest(s.unique_id_l, s.unique_id_r)
        where s.match_probability < {MATCH_PROBABILITY}
            and (least(s.unique_id_l, s.unique_id_r), greatest(s.unique_id_l, s.unique_id_r))
                not in (select (unique_id_l, unique_id_r) from decisions)
            and (l.hcn is null or r.hcn is null or l.hcn = r.hcn)
        order by match_probability desc, unique_id_l, unique_id_r""").to_arrow_table()
    write_parquet(queue, review_path(paths))
    return queue.num_rows


def decide(paths: DataPaths, left: str, right: str, decision: str, when: str) -> None:
    """Record a data engineer's decision on a pair (restricted): ``same`` links it, ``different`` separates it, from
    the next linkage on. Decisions are appended, never rewritten; the latest on a pair counts."""
    if decision not in (SAME, DIFFERENT):
        raise ValueError(f"a decision is {SAME!r} or {DIFFERENT!r}, not {decision!r}")
    for record in (left, right):
        if not RECORD_ID.fullmatch(record):
            raise ValueError(f"{record!r} is not a record as the review queue names one (feed|provider|reference)")
    path = decisions_path(paths)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    new = not path.exists()
    with path.open("a", encoding="utf-8", newline="") as handle:
        if new:
            handle.write("unique_id_l,unique_id_r,decision,decided_at\n")
        handle.write(f"{left},{right},{decision},{when}\n")
