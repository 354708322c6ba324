"""Turn a simulated world into provider submissions in a landing area (spec section 2).

Files are named ``<provider>_<feed>_<period>.<csv|xlsx>`` and written into a
folder per arrival day (``landing/<YYYY-MM-DD>/``) with that day as their
modification time, so that a resubmission (same name, later arrival) sits
beside the file it replaces and nothing is overwritten.

Documented imperfections at file level: about 3% of files are resubmitted
(the first version lacks about a tenth of its rows); the Northern Trust,
a third of Sure Start projects and half the organisations send XLSX; the
Western Trust's CSVs carry a byte-order mark; SHSCT and WHSCT use layout v0.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook

from sources.contract import Contract, contracts, v0_to_v1
from sources.generator.identities import as_typed, write_truth
from sources.generator.records import Record
from sources.generator.simulate import World, add_months, month_end, read_seed

RESUBMISSION_RATE = 0.03
RESUBMISSION_DROPPED_ROWS = 0.10
XLSX_TRUSTS = {"NHSCT"}
BOM_TRUSTS = {"WHSCT"}


@dataclass(frozen=True)
class Submission:
    provider: str
    feed: str
    period: str
    path: Path
    rows: int


def month_periods(start: dt.date, end: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    periods, month = [], start
    while month <= end:
        periods.append((f"{month:%Y-%m}", month, month_end(month)))
        month = add_months(month, 1)
    return periods


def quarter_periods(start: dt.date, end: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    periods, month = [], dt.date(start.year, (start.month - 1) // 3 * 3 + 1, 1)
    while month <= end:
        periods.append((f"{month.year}-Q{(month.month - 1) // 3 + 1}", month, month_end(add_months(month, 2))))
        month = add_months(month, 3)
    return periods


class SubmissionWriter:
    def __init__(self, world: World, landing: Path, seed: int, progress: Callable[[str], None] = lambda _: None):
        self.world, self.landing, self.seed, self.progress = world, landing, seed, progress
        self.rng = random.Random(seed + 1)
        self.providers = {p["provider_code"]: p for p in read_seed("ref_providers")}
        self.v0_codes = {}
        self.written: list[Submission] = []

    # -- formats -------------------------------------------------------------------
    def layout(self, provider: str, contract: Contract) -> str:
        layout = self.providers[provider]["trust_layout"]
        return layout if layout in contract.layouts else "v1"

    def uses_xlsx(self, provider: str) -> bool:
        if provider in XLSX_TRUSTS:
            return True
        if provider.startswith("SS"):
            return int(provider[2:]) % 3 == 0
        if provider.startswith("VCS"):
            return int(provider[3:]) % 2 == 0
        return False

    def render(self, contract: Contract, layout: str, row: dict) -> list[str]:
        cells = []
        for col in contract.columns:
            value = row.get(col.name)
            if value is None or value == "":
                cells.append("")
            elif isinstance(value, dt.date):
                cells.append(value.strftime("%d/%m/%Y") if layout == "v0" else value.isoformat())
            elif layout == "v0" and col.type in {"code", "codes"}:
                to_v0 = self._v0(col.code_list)
                cells.append("|".join(to_v0[v] for v in str(value).split("|")))
            else:
                cells.append(str(value))
        return cells

    def _v0(self, code_list: str) -> dict[str, str]:
        if code_list not in self.v0_codes:
            self.v0_codes[code_list] = {v1: v0 for v0, v1 in v0_to_v1(code_list).items()}
        return self.v0_codes[code_list]

    # -- writing -------------------------------------------------------------------
    def write(self, provider: str, feed: str, period: str, period_end: dt.date, rows: list[dict]) -> None:
        contract = contracts()[feed]
        layout = self.layout(provider, contract)
        header = contract.header(layout)
        body = [self.render(contract, layout, row) for row in rows]
        suffix = "xlsx" if self.uses_xlsx(provider) else "csv"
        name = f"{provider}_{feed}_{period}.{suffix}"
        arrival = period_end + dt.timedelta(days=self.rng.randint(3, 12))
        if body and self.rng.random() < RESUBMISSION_RATE:
            partial = [r for r in body if self.rng.random() > RESUBMISSION_DROPPED_ROWS]
            self._file(arrival, name, header, partial, bom=provider in BOM_TRUSTS)
            arrival += dt.timedelta(days=self.rng.randint(10, 25))
        path = self._file(arrival, name, header, body, bom=provider in BOM_TRUSTS)
        self.written.append(Submission(provider, feed, period, path, len(body)))

    def _file(self, arrival: dt.date, name: str, header: list[str], body: list[list[str]], bom: bool) -> Path:
        folder = self.landing / arrival.isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        if path.suffix == ".xlsx":
            book = Workbook(write_only=True)
            book.properties.created = book.properties.modified = dt.datetime.combine(arrival, dt.time(9, 0))
            sheet = book.create_sheet("Submission")
            sheet.append(header)
            for cells in body:
                sheet.append(cells)
            book.save(path)
            _pin_zip_times(path, arrival)
        else:
            with path.open("w", newline="", encoding="utf-8-sig" if bom else "utf-8") as fh:
                writer = csv.writer(fh, lineterminator="\r\n")
                writer.writerow(header)
                writer.writerows(body)
        stamp = dt.datetime.combine(arrival, dt.time(9, 0)).timestamp()
        os.utime(path, (stamp, stamp))
        return path

    # -- what each period's file holds ----------------------------------------------------
    def typed_rows(self, records: list[Record], day: dt.date) -> list[dict]:
        """The records naming a child as the provider held them at ``day``, identifiers as it typed them."""
        return [as_typed(record, record.state_on(day), self.seed, day) for record in records]

    def trust_feeds(self) -> None:
        world = self.world
        months = month_periods(world.start, world.end)
        first_end = months[0][2]
        for trust in sorted(p for p, v in self.providers.items() if v["provider_type"] == "trust"):
            self.progress(f"{trust}: trust feeds")
            sent_children: set[str] = set()
            children = {r.value("child_id"): r for r in world.records.get((trust, "children"), [])}
            child_months = _changes_by_month(children.values(), world.history_start, first_end)
            by_month: dict[str, dict[str, list[Record]]] = defaultdict(lambda: defaultdict(list))
            for feed, contract in contracts().items():
                if contract.provider_type != "trust" or feed in ("children", "workforce"):
                    continue
                for label, recs in _changes_by_month(world.records.get((trust, feed), []), world.history_start,
                                                     first_end).items():
                    by_month[label][feed] = recs
            for label, _, last in months:
                referenced: set[str] = set()
                for feed, contract in contracts().items():
                    if contract.provider_type != "trust" or feed in ("children", "workforce"):
                        continue
                    rows = [r.state_on(last) for r in by_month[label][feed]]
                    referenced.update(r["child_id"] for r in rows)
                    self.write(trust, feed, label, last, rows)
                due = {r.value("child_id") for r in child_months.get(label, [])}
                due |= referenced - sent_children
                sent_children |= due
                rows = self.typed_rows([children[c] for c in sorted(due)], last)
                self.write(trust, "children", label, last, rows)
                snapshot = [w for w in world.workforce if w["trust"] == trust and w["snapshot_date"] == last]
                self.write(trust, "workforce", label, last, snapshot)

    def sure_start(self) -> None:
        world = self.world
        quarters = quarter_periods(world.start, world.end)
        contacts = defaultdict(list)
        for record in world.sure_start_contacts:
            contacts[record.provider].append(record)
        for project in sorted(p for p, v in self.providers.items() if v["provider_type"] == "sure_start"):
            registrations = world.records.get((project, "sure_start_registrations"), [])
            for label, first, last in quarters:
                rows = self.typed_rows([r for r in registrations if r.is_active_between(first, last)], last)
                self.write(project, "sure_start_registrations", label, last, rows)
                rows = [r.values for r in contacts[project] if first <= r.value("contact_date") <= last]
                self.write(project, "sure_start_contacts", label, last, rows)
        self.progress("Sure Start projects")

    def family_support(self) -> None:
        world = self.world
        for org in sorted(p for p, v in self.providers.items() if v["provider_type"] == "vcs"):
            referrals = world.records.get((org, "family_support"), [])
            for label, first, last in month_periods(world.start, world.end):
                rows = self.typed_rows([r for r in referrals if r.is_active_between(first, last)], last)
                self.write(org, "family_support", label, last, rows)
        self.progress("voluntary and community organisations")


def _pin_zip_times(path: Path, day: dt.date) -> None:
    """Rewrite an XLSX with fixed member times, so the same seed gives byte-identical files."""
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    stamp = f"{day.isoformat()}T09:00:00Z".encode()
    members = [(info, re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, data)
                if info.filename == "docProps/core.xml" else data) for info, data in members]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in members:
            pinned = zipfile.ZipInfo(info.filename, date_time=(day.year, day.month, day.day, 9, 0, 0))
            pinned.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(pinned, data)


def _changes_by_month(records: Iterable[Record], history_start: dt.date, first_end: dt.date
                      ) -> dict[str, list[Record]]:
    """Which month's file carries each record: every month it changed in, and the first file its history."""
    by_month: dict[str, list[Record]] = defaultdict(list)
    first_label = f"{first_end:%Y-%m}"
    for record in records:
        months = set()
        for day in record.change_dates():
            if day < record.created:
                continue  # a record cannot be sent before it exists
            if day > first_end:
                months.add(f"{day:%Y-%m}")
            elif day >= history_start:
                months.add(first_label)
        if record.is_open_on(first_end):
            months.add(first_label)
        if record.deleted_on and record.deleted_on <= first_end and record.created < history_start:
            months.discard(first_label)
        for label in months:
            if record.deleted_on is None or label <= f"{record.deleted_on:%Y-%m}":
                by_month[label].append(record)
    return by_month


def write_submissions(world: World, landing: Path, seed: int,
                      progress: Callable[[str], None] = lambda _: None, truth: Path | None = None
                      ) -> list[Submission]:
    """Every provider's files into the landing area; and, given ``truth``, which person each record naming a child
    is (outside the landing area: for measuring linkage only)."""
    writer = SubmissionWriter(world, landing, seed, progress)
    writer.trust_feeds()
    writer.sure_start()
    writer.family_support()
    if truth is not None:
        write_truth((r for records in world.records.values() for r in records), truth)
    return writer.written
