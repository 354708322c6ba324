"""A record with a history: its final state, plus what it looked like at any earlier day.

Trust feeds send each record in its state at the end of every month in which
it was created or changed (spec section 2). The generator therefore keeps one
object per record and derives each month's row from it: dates after the
month end are not yet known, nor are the fields that come with them; earlier
values of corrected fields are restored; a record withdrawn as entered in
error is sent once more with ``record_status = deleted``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from sources.generator.people import Person

# Fields that are only known once a date has passed (the date field, then what comes with it).
DATE_DEPENDENTS: dict[str, dict[str, tuple[str, ...]]] = {
    "referrals": {"decision_date": ("decision",), "allocated_date": (), "closed_date": ()},
    "assessments": {"completed_date": ("outcome", "child_seen", "child_views_recorded")},
    "child_protection": {"deregistration_date": ("deregistration_reason",)},
    "care_episodes": {"end_date": ("end_reason",)},
    "placements": {"end_date": ("end_reason",)},
    "sure_start_registrations": {"exit_date": ("exit_reason",)},
    "family_support": {"service_start_date": (), "service_end_date": ("outcome",)},
}
# The date that closes a record: a record without it (or with it in the future) is still open.
CLOSING_DATE = {
    "referrals": "closed_date",
    "assessments": "completed_date",
    "child_protection": "deregistration_date",
    "care_episodes": "end_date",
    "placements": "end_date",
    "sure_start_registrations": "exit_date",
    "family_support": "service_end_date",
}


class Record:
    """One record of a feed. Its fields are kept as a tuple beside a field-name tuple shared by every record with
    the same fields: a scale-30 world holds tens of millions of records, and a dict each would not fit in memory.
    """

    __slots__ = ("_cells", "_fields", "created", "deleted_on", "feed", "person", "provider", "revisions")

    def __init__(self, feed: str, provider: str, values: dict, created: dt.date, person: Person | None = None):
        self.feed, self.provider, self.created, self.person = feed, provider, created, person
        fields = tuple(values)
        self._fields = _FIELD_NAMES.setdefault(fields, fields)
        self._cells = tuple(values.values())
        # (date, {field: value before that date}): corrections made in a later month.
        self.revisions: tuple[tuple[dt.date, dict], ...] = ()
        self.deleted_on: dt.date | None = None

    @property
    def values(self) -> Mapping[str, Any]:
        """The record's final state, read-only (a record does not change once simulated but by ``revise``)."""
        return MappingProxyType(dict(zip(self._fields, self._cells, strict=True)))

    def value(self, name: str) -> Any:
        """One field of the final state, without building the whole row."""
        return self._cells[self._fields.index(name)]

    def revise(self, when: dt.date, before: dict) -> None:
        """A correction made on ``when``: until then the fields held the values in ``before``."""
        self.revisions += ((when, before),)

    def state_on(self, day: dt.date) -> dict:
        """The record as a provider's system held it at the end of ``day``."""
        row = dict(zip(self._fields, self._cells, strict=True))
        for date_field, dependents in DATE_DEPENDENTS.get(self.feed, {}).items():
            when = row.get(date_field)
            if when is not None and when > day:
                row[date_field] = None
                for dependent in dependents:
                    row[dependent] = None
        for when, before in sorted(self.revisions, key=lambda r: r[0], reverse=True):
            if when > day:
                row.update(before)
        if "record_status" in row:
            row["record_status"] = "deleted" if self.deleted_on and self.deleted_on <= day else "active"
        if self.person is not None and "postcode" in row:
            row["postcode"] = self.person.postcode_on(day)
        return row

    def change_dates(self) -> list[dt.date]:
        """Every day on which the record was created or changed."""
        days = [self.created]
        days += [v for k, v in zip(self._fields, self._cells, strict=True)
                 if isinstance(v, dt.date) and k in _EVENT_FIELDS]
        days += [when for when, _ in self.revisions]
        if self.deleted_on:
            days.append(self.deleted_on)
        if self.person is not None and "postcode" in self._fields:
            days += [when for when, _ in self.person.moves if when >= self.created]
        return days

    def is_open_on(self, day: dt.date) -> bool:
        closing_field = CLOSING_DATE.get(self.feed)
        if self.created > day or closing_field is None:
            return False
        closing = self.value(closing_field) if closing_field in self._fields else None
        return closing is None or closing > day

    def is_active_between(self, first: dt.date, last: dt.date) -> bool:
        """Active in a period: created by its end and not closed before its start."""
        closing_field = CLOSING_DATE.get(self.feed)
        closing = self.value(closing_field) if closing_field in self._fields else None
        return self.created <= last and (closing is None or closing >= first)


_EVENT_FIELDS = {
    "referral_date", "decision_date", "allocated_date", "closed_date", "start_date", "completed_date",
    "registration_date", "deregistration_date", "end_date", "review_date", "contact_date",
    "exit_date", "service_start_date", "service_end_date",
}


# Every distinct tuple of field names, once: records of a feed share theirs.
_FIELD_NAMES: dict[tuple[str, ...], tuple[str, ...]] = {}
