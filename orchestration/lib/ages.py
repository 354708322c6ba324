"""Exact ages at events (spec 7.2.1: whole years at the event), worked out in the restricted zone.

A full date of birth never leaves the restricted zone (spec 5), so the warehouse downstream has only the month
of birth, from which an age at an event can be a year out in the month of the birthday. Ingest therefore keeps
each batch's dates of birth beside the archive (``restricted/identities/<submission id>.parquet``: the
person's keyed reference and the date, nothing else), and this step, run before dbt, ages every event the
contracts flag (``age_at``) from the person's latest date of birth among the current batches. Only the ages
leave, keyed by provider, person and event date (``batches/ages/event_ages/``). Because every run ages every
current event again, a date of birth corrected in a later month corrects every age that depends on it (a run in
which nothing it reads changed keeps the last ages: module ``unchanged``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration.lib.lifecycle import identities_path, write_parquet
from orchestration.lib.settings import DataPaths
from orchestration.lib.sql_text import literal_list
from orchestration.lib.unchanged import files_in, inputs_digest, last_result, remember
from sources.contract import Contract, birth_date_feed, contracts

EVENT_AGES_SCHEMA = pa.schema([("provider_code", pa.string()), ("person_ref", pa.string()),
                               ("event_date", pa.date32()), ("age", pa.int32())])


@dataclass(frozen=True)
class AgesSummary:
    events: int  # distinct (provider, person, event date) aged
    without_birth_date: int  # current batches of a feed with dates of birth whose birth dates were never kept
    unchanged: bool = False  # nothing it reads changed since the last run: the ages were kept, not worked out


def event_ages_path(paths: DataPaths) -> Path:
    return paths.ages / "event_ages" / "event_ages.parquet"


def _files(folder: Path) -> list[str]:
    return sorted(str(f) for f in folder.glob("*.parquet")) if folder.exists() else []


def _births(con: duckdb.DuckDBPyConnection, paths: DataPaths, feed: Contract) -> tuple[str | None, int]:
    """A query of each person's latest date of birth among the feed's current batches (the latest period, then
    the latest receipt), and how many of those batches have no birth dates kept."""
    batches = _files(paths.current / feed.feed)
    if not batches:
        return None, 0
    current = [sid for (sid,) in con.execute(
        f"select distinct submission_id from read_parquet({literal_list(batches)}, union_by_name = true)").fetchall()]
    kept = [identities_path(paths, sid) for sid in current]
    files = [str(f) for f in kept if f.exists()]
    missing = len(kept) - len(files)
    if not files:
        return None, missing
    return (f"""
        select provider_code, person_ref, date_of_birth from (
            select
                provider_code, person_ref, date_of_birth,
                row_number() over (partition by provider_code, person_ref
                                   order by period desc, submission_id desc) as recency
            from read_parquet({literal_list(files)})
        ) where recency = 1""", missing)


def _events(paths: DataPaths, feed: Contract) -> str | None:
    batches = _files(paths.current / feed.feed)
    if not batches or not feed.age_events or feed.person_ref is None:
        return None
    source = f"read_parquet({literal_list(batches)}, union_by_name = true)"
    return " union ".join(
        f'select provider_code, "{feed.person_ref}" as person_ref, "{column}" as event_date from {source} '
        f'where "{column}" is not null and "{feed.person_ref}" is not null' for column in feed.age_events)


def aged_feeds() -> list[tuple[Contract, Contract]]:
    """Each feed whose contract flags events to age, with the feed its dates of birth come from: the one choice
    of what this step reads, for the ages and for the digest that decides whether to work them out again."""
    pairs = ((feed, birth_date_feed(feed)) for feed in contracts().values() if feed.age_events)
    return [(feed, source) for feed, source in pairs if source is not None]


def compute_event_ages(paths: DataPaths) -> AgesSummary:
    """Age every flagged event of every current batch from the latest date of birth; write the ages only. Skipped,
    the last ages kept, when nothing it reads changed since it last ran."""
    pairs = aged_feeds()
    read = sorted({feed.feed for pair in pairs for feed in pair})
    described = sorted((feed.feed, feed.person_ref, feed.age_events, source.feed) for feed, source in pairs)
    digest = inputs_digest(files_in(*(paths.current / feed for feed in read), paths.identities),
                           [Path(__file__).read_bytes(), repr(described)])
    record = paths.ages / "last_run.json"
    kept = last_result(record, digest, [event_ages_path(paths)])
    if kept is not None:
        return AgesSummary(**{**kept, "unchanged": True})
    summary = _compute_event_ages(paths, pairs)
    remember(record, digest, asdict(summary))
    return summary


def _compute_event_ages(paths: DataPaths, pairs: list[tuple[Contract, Contract]]) -> AgesSummary:
    con = duckdb.connect()
    try:
        parts, without = [], 0
        births_by_feed: dict[str, str | None] = {}
        for feed, source in pairs:
            events = _events(paths, feed)
            if events is None:
                continue
            if source.feed not in births_by_feed:
                births_by_feed[source.feed], missing = _births(con, paths, source)
                without += missing
            births = births_by_feed[source.feed]
            if births is None:
                continue
            parts.append(f"""
                select events.provider_code, events.person_ref, events.event_date,
                    cast(year(events.event_date) - year(births.date_of_birth)
                        - case when month(events.event_date) * 100 + day(events.event_date)
                                    < month(births.date_of_birth) * 100 + day(births.date_of_birth)
                               then 1 else 0 end as integer) as age
                from ({events}) as events
                inner join ({births}) as births using (provider_code, person_ref)""")
        query = (" union ".join(parts) + " order by provider_code, person_ref, event_date") if parts else None
        table = con.sql(query).to_arrow_table().cast(EVENT_AGES_SCHEMA) if query \
            else EVENT_AGES_SCHEMA.empty_table()
    finally:
        con.close()
    write_parquet(table, event_ages_path(paths))
    return AgesSummary(events=table.num_rows, without_birth_date=without)
