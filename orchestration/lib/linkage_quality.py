"""How well children are linked across records and providers, measured against the generator's truth (issue 16).

The generator varies its records' identifiers as providers do (``sources/generator/identities.py``) and says which
person each record is (``linkage_truth.csv``, in the restricted zone). This measures two ways of linking the same
current records against it, pair by pair: the exact match of spec section 5 (the HCN; else the HCN that the same
normalised name, date of birth and postcode carried on another record; else the provider's own), and the
probabilistic linkage the warehouse uses (``linkage.py``). Precision: of the pairs of records given one key, how
many are one child. Recall: of the pairs of records of one child, how many share a key.

It runs in the restricted zone: the truth names the providers' own record ids, which are hashed here with the
pseudonymisation key to find the records; only counts leave.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.lib.conform import person_ref_hash_sql
from orchestration.lib.linkage import MODEL, identity_feeds, load_identities, person_keys_path
from orchestration.lib.settings import DataPaths
from orchestration.lib.sql_text import literal

EXACT, PROBABILISTIC = "exact match (spec section 5)", "probabilistic (Splink)"


@dataclass(frozen=True)
class LinkageQuality:
    """Pairwise linkage quality of one method over the records the truth names and the warehouse holds."""

    method: str
    records: int  # records both in the truth and among the current records naming a child
    people: int  # the true persons among them
    keys: int  # the keys the method gave them
    true_pairs: int  # pairs of records of the same person
    linked_pairs: int  # pairs of records given the same key
    correct_pairs: int  # pairs of records of the same person given the same key

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.linked_pairs if self.linked_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


EXACT_KEYS = """
    with records as (
        select unique_id, provider_code, hcn,
            concat_ws('|', coalesce(forename, ''), coalesce(surname, ''), coalesce(date_of_birth, ''),
                      regexp_replace(coalesce(postcode, ''), '[^A-Z]', '', 'g')) as demographic
        from identities
    ),
    links as (
        select demographic, min(hcn) as hcn from records where hcn is not null
        group by demographic having count(distinct hcn) = 1
    )
    select records.unique_id,
        coalesce(records.hcn, links.hcn, 'provider:' || records.provider_code || ':' || records.demographic) as key
    from records left join links using (demographic)"""


@dataclass(frozen=True)
class Measured:
    quality: list[LinkageQuality]  # the exact match, then (once the pipeline has linked) the probabilistic
    children: list[ChildrenCounted]


def measure(paths: DataPaths, truth: Path, key: bytes) -> Measured:
    """The exact match and, once the pipeline has linked, the probabilistic linkage, against the truth file;
    ``key`` hashes the truth's ids as ingest hashed the records'."""
    if not truth.exists():
        raise FileNotFoundError(f"{truth}: no truth file (cdw generate writes one beside its landing area)")
    con = duckdb.connect()
    try:
        load_identities(con, paths)
        con.execute("create temp table truth as select * from read_csv(?, all_varchar = true)", [str(truth)])
        matched = " union all ".join(f"""
            select truth.person_id, identities.unique_id
            from truth
            inner join identities
                on identities.feed = truth.feed and identities.provider_code = truth.provider_code
                and identities.person_ref = {person_ref_hash_sql(key, feed, 'truth.provider_code', 'truth.record_id')}
            where truth.feed = '{feed.feed}'""" for feed in identity_feeds())
        con.execute(f"create temp table matched as {matched}")
        con.execute(f"create temp table exact_keys as {EXACT_KEYS}")
        results, methods = [_pairs(con, EXACT, "exact_keys")], {EXACT: "exact_keys"}
        keys = person_keys_path(paths)
        if keys.exists():
            con.execute(f"""
                create temp table linked_keys as
                select identities.unique_id, keys.person_key as key
                from read_parquet({literal(str(keys))}) as keys
                inner join identities using (feed, provider_code, person_ref)""")
            results.append(_pairs(con, PROBABILISTIC, "linked_keys"))
            methods[PROBABILISTIC] = "linked_keys"
        children = children_counted(con, methods)
    finally:
        con.close()
    return Measured(results, children)


# The headline counts of children a linkage error moves: children known to the Trusts (every child in need or
# looked after is one), children with early help, and all of them, whose journeys across services the pathway
# indicators follow; counted once each across providers.
POPULATIONS = {"children known to the Trusts": ("children",),
               "children with early help": ("family_support", "sure_start_registrations"),
               "all children named": ("children", "family_support", "sure_start_registrations")}


@dataclass(frozen=True)
class ChildrenCounted:
    population: str
    truly: int  # the true persons
    by_method: dict[str, int]  # the distinct keys each method gives them


def children_counted(con: duckdb.DuckDBPyConnection, methods: dict[str, str]) -> list[ChildrenCounted]:
    """How many children each population holds, in truth and by each method's keys (``methods``: its name and
    the table of its keys): a missed link counts a child twice, a false link two children once."""
    counted = []
    for population, feeds in POPULATIONS.items():
        listed = ", ".join(f"'{feed}'" for feed in feeds)
        scope = f"select unique_id, person_id from matched join identities using (unique_id) where feed in ({listed})"
        truly = con.execute(f"select count(distinct person_id) from ({scope})").fetchall()[0][0]
        by_method = {name: con.execute(f"select count(distinct {table}.key) from ({scope}) as scope "
                                       f"join {table} using (unique_id)").fetchall()[0][0]
                     for name, table in methods.items()}
        counted.append(ChildrenCounted(population, truly, by_method))
    return counted


def _pairs(con: duckdb.DuckDBPyConnection, method: str, keys: str) -> LinkageQuality:
    row = con.execute(f"""
        with linked as (select matched.person_id, {keys}.key from matched join {keys} using (unique_id)),
        cells as (select person_id, key, count(*) as n from linked group by all),
        people as (select person_id, count(*) as n from linked group by all),
        keys as (select key, count(*) as n from linked group by all)
        select
            (select count(*) from linked),
            (select count(*) from people),
            (select count(*) from keys),
            (select coalesce(sum(n * (n - 1) / 2), 0) from people),
            (select coalesce(sum(n * (n - 1) / 2), 0) from keys),
            (select coalesce(sum(n * (n - 1) / 2), 0) from cells)""").fetchall()[0]
    return LinkageQuality(method, *(int(value) for value in row))


def report(measured: Measured, model: Path = MODEL) -> str:
    """The figures as ``cdw linkage-report`` prints them: pair by pair, the children each method counts, and the
    model's match weights."""
    results = measured.quality
    first = results[0]
    lines = [f"Linkage against the truth file: {first.records:,} records of {first.people:,} children "
             f"({first.true_pairs:,} pairs of records of the same child)"]
    lines += [f"  {q.method}: {q.keys:,} keys; precision {q.precision:.2%}, recall {q.recall:.2%}, F1 {q.f1:.3f} "
              f"({q.correct_pairs:,} of {q.linked_pairs:,} linked pairs correct)" for q in results]
    if len(results) == 1:
        lines.append("  (no probabilistic linkage yet: run the pipeline, cdw run)")
    lines.append("Children counted once each across providers, in truth and by each method:")
    for counted in measured.children:
        by_method = "; ".join(f"{method} {n:,} ({(n - counted.truly) / counted.truly:+.2%})" if counted.truly
                              else f"{method} {n:,}" for method, n in counted.by_method.items())
        lines.append(f"  {counted.population}: {counted.truly:,} in truth; {by_method}")
    return "\n".join([*lines, match_weight_chart(model)])


def match_weights(model: Path = MODEL) -> list[tuple[str, str, float | None]]:
    """Each comparison level's match weight, log2(m / u): how far agreeing so moves two records towards (or,
    negative, away from) being one child; None where training could not see the level (Splink's default is
    used). Null levels weigh nothing and are left out."""
    trained = json.loads(model.read_text(encoding="utf-8"))
    weights = []
    for comparison in trained["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            m, u = level.get("m_probability"), level.get("u_probability")
            weight = math.log2(m / u) if m and u else None
            weights.append((comparison["output_column_name"], level.get("label_for_charts", ""), weight))
    return weights


def match_weight_chart(model: Path = MODEL, width: int = 30) -> str:
    """The match weights as a chart in text: one bar per level, to the right for agreement that links."""
    weights = match_weights(model)
    largest = max((abs(w) for _, _, w in weights if w is not None), default=1.0)
    lines = ["Match weights of the model (log2 m/u; a bar is " f"{largest / width:.2f} per character):"]
    for comparison, label, weight in weights:
        if weight is None:
            bar = "(not trained: Splink's default)"
        else:
            length = max(1, round(abs(weight) / largest * width))
            bar = f"{weight:+6.1f} {('#' if weight >= 0 else '=') * length}"
        lines.append(f"  {comparison:<14}{label[:44]:<45}{bar}")
    return "\n".join(lines)
