"""How well children are linked across records and providers, measured against the generator's truth (issue 16).

Spec section 5 links a child by the Health and Care Number, else by an exact match of normalised name, date of
birth and postcode to a record that carries one, else only within the provider. On real data names are spelled
differently, day and month are swapped and families move; the generator varies its records' identifiers so
(``sources/generator/identities.py``) and says which person each record is (``linkage_truth.csv``, in the
restricted zone). This measures the warehouse's child keys against that truth, pair by pair: of the pairs of
records given the same child key, how many are the same person (precision), and of the pairs of records of the
same person, how many were given the same key (recall).

It runs in the restricted zone: the truth names the providers' own record ids, which are hashed here with the
pseudonymisation key to find the records in the warehouse; only counts leave.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.lib.conform import person_ref_hash_sql
from orchestration.lib.settings import DataPaths
from sources.contract import Contract, contracts

EXACT = "exact match (spec section 5)"


@dataclass(frozen=True)
class LinkageQuality:
    """Pairwise linkage quality of one method over the records the truth names and the warehouse holds."""

    method: str
    records: int  # records both in the truth and in the warehouse
    people: int  # the true persons among them
    keys: int  # the child keys the method gave them
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


def identity_feeds() -> list[Contract]:
    """The feeds whose records name a child (they carry a date of birth), each linked to a child key."""
    return [c for c in contracts().values() if c.column_by_role("date_of_birth") is not None]


def keyed_model(contract: Contract) -> str:
    """The intermediate model holding each of the feed's records with its child key."""
    return contract.staging_model.replace("stg_", "int_", 1) + "_keyed"


def measure(paths: DataPaths, truth: Path, key: bytes) -> LinkageQuality:
    """The warehouse's child keys (the exact match) against the truth file; ``key`` hashes the truth's ids."""
    if not truth.exists():
        raise FileNotFoundError(f"{truth}: no truth file (cdw generate writes one beside its landing area)")
    con = duckdb.connect()
    try:
        con.execute(f"attach '{paths.warehouse}' as warehouse (read_only)")
        con.execute("create temp table truth as select * from read_csv(?, all_varchar = true)", [str(truth)])
        parts = []
        for contract in identity_feeds():
            reference = person_ref_hash_sql(key, contract, "truth.provider_code", "truth.record_id")
            parts.append(f"""
                select truth.person_id, keyed.child_key
                from truth
                inner join warehouse.main.{keyed_model(contract)} as keyed
                    on keyed.provider_code = truth.provider_code and keyed.{contract.person_ref} = {reference}
                where truth.feed = '{contract.feed}'""")
        con.execute("create temp table linked as " + " union all ".join(parts))
        row = con.execute("""
            with cells as (select person_id, child_key, count(*) as n from linked group by all),
            people as (select person_id, count(*) as n from linked group by all),
            keys as (select child_key, count(*) as n from linked group by all)
            select
                (select count(*) from linked),
                (select count(*) from people),
                (select count(*) from keys),
                (select coalesce(sum(n * (n - 1) / 2), 0) from people),
                (select coalesce(sum(n * (n - 1) / 2), 0) from keys),
                (select coalesce(sum(n * (n - 1) / 2), 0) from cells)""").fetchall()[0]
    finally:
        con.close()
    return LinkageQuality(EXACT, *(int(value) for value in row))


def report(quality: LinkageQuality) -> str:
    """The figures as ``cdw linkage-report`` prints them."""
    return "\n".join([
        f"Linkage against the truth file: {quality.records:,} records of {quality.people:,} children "
        f"({quality.true_pairs:,} pairs of records of the same child)",
        f"  {quality.method}: {quality.keys:,} child keys; precision {quality.precision:.2%}, "
        f"recall {quality.recall:.2%}, F1 {quality.f1:.3f} ({quality.correct_pairs:,} of {quality.linked_pairs:,} "
        f"linked pairs correct)",
    ])
