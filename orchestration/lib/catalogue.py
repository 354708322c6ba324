"""The rule catalogue (``expectations/catalogue.yaml``): every rule the quality gate checks beyond a feed's contract.

Read here once, checked as it is read (an unknown feed, group or severity, a table read without saying so, a
duplicate id are errors naming the rule), and used by both the suite generation behind ``cdw contracts``
(``suites``) and the running gate (``quality``, ``rule_state``).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import yaml

from orchestration.lib.settings import PROJECT_ROOT
from sources.contract import contracts

CATALOGUE = PROJECT_ROOT / "expectations" / "catalogue.yaml"
ERROR, WARNING = "error", "warning"
ALL_FEEDS = "_all_feeds"
_TABLES = re.compile(r"\b(state|accepted)_([a-z_]+)\b")
# The one way a rule reads a state table, so that the gate can hold the row to the state at its period.
TABLE_READ = re.compile(r"\bfrom (state|accepted)_([a-z_]+) ([a-z]+) where\b")
_ID = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class RowRule:
    id: str
    group: str
    feed: str
    reads: tuple[str, ...]
    severity: str
    columns: tuple[str, ...]
    breaks: str
    message: str
    source: str

    @property
    def flag(self) -> str:
        """The column of the gate's frame that is true where a row breaks the rule."""
        return f"breaks__{self.id}"

    def tables(self) -> set[tuple[str, str]]:
        """(state or accepted, feed) tables its SQL reads."""
        return set(_TABLES.findall(self.breaks))

    def columns_read(self) -> dict[tuple[str, str], set[str]]:
        """The columns its SQL reads of each table (through the table's alias), so that only they are loaded."""
        read: dict[tuple[str, str], set[str]] = {}
        for kind, feed, alias in TABLE_READ.findall(self.breaks):
            read.setdefault((kind, feed), set()).update(re.findall(rf"\b{alias}\.([a-z_]+)\b", self.breaks))
        return read


@dataclass(frozen=True)
class MeasureRule:
    id: str
    feed: str
    expectation: str
    kwargs: dict[str, Any]
    severity: str
    message: str


@dataclass(frozen=True)
class Catalogue:
    groups: dict[str, str]
    rules: tuple[RowRule, ...]
    measures: tuple[MeasureRule, ...]

    def row_rules(self, feed: str) -> list[RowRule]:
        return [r for r in self.rules if r.feed == feed]

    def measure_rules(self, feed: str) -> list[MeasureRule]:
        return [m for m in self.measures if m.feed in (ALL_FEEDS, feed)]

    def counts_by_group(self) -> dict[str, Counter[str]]:
        """Rules of each group by severity (measures count in their own group)."""
        counts: dict[str, Counter[str]] = {group: Counter() for group in self.groups}
        for rule in self.rules:
            counts[rule.group][rule.severity] += 1
        for measure in self.measures:
            counts["measures"][measure.severity] += 1
        return counts


class CatalogueError(ValueError):
    """The catalogue is not well formed; the message names the rule."""


def _check(rule: dict[str, Any], groups: dict[str, str], feeds: set[str]) -> RowRule:
    where = f"{CATALOGUE.name}: rule {rule.get('id')!r}"
    missing = {"id", "group", "feed", "severity", "columns", "breaks", "message", "source"} - set(rule)
    if missing:
        raise CatalogueError(f"{where}: lacks {', '.join(sorted(missing))}")
    if not _ID.fullmatch(rule["id"]):
        raise CatalogueError(f"{where}: an id is lower case letters, digits and underscores")
    if rule["group"] not in groups:
        raise CatalogueError(f"{where}: unknown group {rule['group']!r}")
    if rule["severity"] not in (ERROR, WARNING):
        raise CatalogueError(f"{where}: severity is error or warning")
    reads = tuple(rule.get("reads", []))
    for feed in (rule["feed"], *reads):
        if feed not in feeds:
            raise CatalogueError(f"{where}: unknown feed {feed!r}")
    found = RowRule(id=rule["id"], group=rule["group"], feed=rule["feed"], reads=reads, severity=rule["severity"],
                    columns=tuple(rule["columns"]), breaks=" ".join(str(rule["breaks"]).split()),
                    message=rule["message"], source=rule["source"])
    if len(_TABLES.findall(found.breaks)) != len(TABLE_READ.findall(found.breaks)):
        raise CatalogueError(f"{where}: read state_<feed> and accepted_<feed> only as `from <table> <alias> where`, "
                             "so that the gate can hold the row to the state at its period")
    for kind, feed in found.tables():
        if kind == "state" and feed not in (found.feed, *reads):
            raise CatalogueError(f"{where}: reads state_{feed} but does not list {feed} in reads")
        if feed not in feeds:
            raise CatalogueError(f"{where}: reads {kind}_{feed}, which is no feed")
    contract = contracts()[found.feed]
    names = {c.name for c in contract.columns}
    for column in found.columns:
        if column not in names:
            raise CatalogueError(f"{where}: column {column!r} is not a column of {found.feed}")
    return found


@functools.cache
def load_catalogue() -> Catalogue:
    document = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    groups = dict(document["groups"])
    feeds = set(contracts())
    rules = tuple(_check(rule, groups, feeds) for rule in document["rules"])
    duplicates = [i for i, n in Counter(r.id for r in rules).items() if n > 1]
    if duplicates:
        raise CatalogueError(f"{CATALOGUE.name}: rule id(s) used twice: {', '.join(duplicates)}")
    measures = tuple(MeasureRule(id=m["id"], feed=m["feed"], expectation=m["expectation"], kwargs=m["kwargs"],
                                 severity=m["severity"], message=m["message"]) for m in document["measures"])
    for measure in measures:
        if measure.feed != ALL_FEEDS and measure.feed not in feeds:
            raise CatalogueError(f"{CATALOGUE.name}: measure {measure.id!r}: unknown feed {measure.feed!r}")
    return Catalogue(groups=groups, rules=rules, measures=measures)
