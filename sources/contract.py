"""Feed contracts: the one machine-readable description of each provider feed.

Each YAML file in ``sources/contracts/`` describes one feed of the regional
data specification (columns, types, required fields, code lists, keys, the
period grain and the layouts it may arrive in). The generator, the parser, the
expectation suites and the dbt sources all derive from these objects, so a new
feed is a new YAML file rather than new pipeline code.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import yaml

CONTRACTS_DIR = Path(__file__).parent / "contracts"

COLUMN_TYPES = {"id", "text", "date", "code", "codes", "yn", "decimal", "integer"}
# Columns that identify a child. They exist only in the restricted zone
# (landing, archive, ingest); spec section 5.
IDENTIFYING_ROLES = {"hcn", "forename", "surname", "date_of_birth", "postcode", "local_child_id"}
# A provider's own record ids (referral, episode, placement, review, registration ids): the provider can look
# them up in its case system, so they leave ingest as keyed hashes under the same column names (the feeds that
# refer to one record still join on them).
RECORD_ID_ROLE = "record_id"
YN_CODES = ("Y", "N")

# What ingest puts in place of the identifying columns (spec section 5), and what every batch row carries.
IDENTITY_COLUMNS = [
    ("child_ref", "text", "Keyed hash of the provider's own child id; joins the provider's feeds for one child."),
    ("hcn_key", "text", "Keyed hash of the valid Health and Care Number; empty without a valid HCN."),
    ("demographic_key", "text", "Keyed hash of normalised forename, surname, date of birth and postcode, "
                                "for linking children without a valid HCN."),
    ("has_valid_hcn", "boolean", "Whether the record carried an HCN in the NI range with a good check digit."),
    ("birth_month", "date", "First day of the month of birth (the day never leaves the restricted zone)."),
    ("postcode_sector", "text", "Postcode sector of the home address (e.g. BT12 4)."),
    ("postcode_district", "text", "Postcode district of the home address (e.g. BT12)."),
    ("lgd_code", "text", "Local Government District of residence (LGD2014 code), from the postcode sector."),
    ("trust_of_residence", "text", "Trust in whose area the child lives, from the postcode sector."),
    ("deprivation_decile", "integer", "Deprivation decile of the postcode sector (1 = most deprived)."),
]
BATCH_COLUMNS = [
    ("source_row_number", "integer", "Row of the submitted file (the header is row 1)."),
    ("submission_id", "integer", "Registry id of the submission that carried the row."),
    ("provider_code", "text", "Provider that sent the submission."),
    ("period", "text", "Period of the submission: month YYYY-MM or quarter YYYY-Qn."),
]


@dataclass(frozen=True)
class Code:
    code: str
    label: str
    v0: str | None = None


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    code_list: str | None = None
    role: str | None = None
    v0_name: str | None = None
    minimum: float | None = None
    description: str = ""
    staged_as: str | None = None  # the column's name in the staging model, where it differs
    age_at: bool = False  # an event the child is aged at (spec 7.2.1): ingest's restricted step ages it exactly

    @property
    def is_identifying(self) -> bool:
        return self.role in IDENTIFYING_ROLES

    @property
    def is_record_id(self) -> bool:
        return self.role == RECORD_ID_ROLE

    @property
    def staged_name(self) -> str:
        if self.staged_as:
            return self.staged_as
        return f"is_{self.name}" if self.type == "yn" else self.name


@dataclass(frozen=True)
class Contract:
    feed: str
    description: str
    provider_type: str
    period_grain: str
    layouts: tuple[str, ...]
    key: tuple[str, ...]
    columns: tuple[Column, ...] = field(default_factory=tuple)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"feed {self.feed} has no column {name!r}")

    def header(self, layout: str = "v1") -> list[str]:
        """Column names as a provider writes them in the given layout."""
        if layout not in self.layouts:
            raise ValueError(f"feed {self.feed} has no layout {layout}")
        return [c.name if layout == "v1" else c.v0_name or c.name for c in self.columns]

    def column_by_role(self, role: str) -> Column | None:
        return next((c for c in self.columns if c.role == role), None)

    @property
    def has_status(self) -> bool:
        return any(c.name == "record_status" for c in self.columns)

    @property
    def staging_model(self) -> str:
        entity = self.feed.removeprefix(f"{self.provider_type}_")
        return f"stg_{self.provider_type}__{entity}"

    @property
    def person_ref(self) -> str | None:
        """The batch column naming whose date of birth ages the feed's events: the Trust's child (``child_ref``),
        or, where the record itself carries the date of birth, the record's own id."""
        if self.column_by_role("local_child_id") is not None:
            return "child_ref"
        if self.column_by_role("date_of_birth") is not None:
            return next((c.name for c in self.columns if c.is_record_id), None)
        return None

    @property
    def age_events(self) -> list[str]:
        """The date columns the feed's records are aged at."""
        return [c.name for c in self.columns if c.age_at]

    @property
    def batch_key(self) -> list[str]:
        """The record key as the batch carries it (the Trust's child id is replaced by its keyed hash)."""
        return ["child_ref" if self.column(k).role == "local_child_id" else k for k in self.key]

    def batch_columns(self) -> list[tuple[str, str, str]]:
        """(name, type, description) of every column of the feed's pseudonymised Parquet batch, in order."""
        columns = [(c.name, "text" if c.is_record_id else c.type, _description(c))
                   for c in self.columns if not c.is_identifying]
        if self.column_by_role("local_child_id") is not None:
            columns.append(IDENTITY_COLUMNS[0])
        if self.column_by_role("date_of_birth") is not None:
            columns += IDENTITY_COLUMNS[1:]
        return columns + BATCH_COLUMNS


def _description(col: Column) -> str:
    if col.is_record_id:
        thing = col.name.removesuffix("_id").removesuffix("_ref").replace("_", " ")
        return (f"Keyed hash (HMAC-SHA-256) of the provider's own {thing} id, scoped to the provider; the same id "
                "gives the same hash in every feed of that provider.")
    return col.description or col.name.replace("_", " ").capitalize()


def legacy_name(column_name: str) -> str:
    """The v0 (legacy case-system) name of a trust feed column, spec 3.10."""
    if column_name == "child_id":
        return "CLIENT_NO"
    if column_name.endswith("_date"):
        return column_name[: -len("_date")].upper() + "_DT"
    return column_name.upper()


def _column(spec: dict, has_v0: bool) -> Column:
    col_type = spec["type"]
    if col_type not in COLUMN_TYPES:
        raise ValueError(f"column {spec['name']}: unknown type {col_type}")
    if col_type in {"code", "codes"} and not spec.get("code_list"):
        raise ValueError(f"column {spec['name']}: a {col_type} column needs a code_list")
    if spec.get("age_at") and col_type != "date":
        raise ValueError(f"column {spec['name']}: only a date can be an event to age at")
    return Column(
        name=spec["name"],
        type=col_type,
        required=bool(spec.get("required", False)),
        code_list=spec.get("code_list"),
        role=spec.get("role"),
        v0_name=(spec.get("v0") or legacy_name(spec["name"])) if has_v0 else None,
        minimum=spec.get("min"),
        description=spec.get("description", ""),
        staged_as=spec.get("staged_as"),
        age_at=bool(spec.get("age_at", False)),
    )


@functools.cache
def code_lists() -> dict[str, tuple[Code, ...]]:
    raw = yaml.safe_load((CONTRACTS_DIR / "code_lists.yaml").read_text(encoding="utf-8"))
    return {
        name: tuple(Code(code=str(c["code"]), label=c["label"], v0=c.get("v0")) for c in codes)
        for name, codes in raw.items()
    }


def codes(code_list: str) -> list[str]:
    return [c.code for c in code_lists()[code_list]]


def v0_to_v1(code_list: str) -> dict[str, str]:
    return {c.v0: c.code for c in code_lists()[code_list] if c.v0 is not None}


def load_contract(path: Path) -> Contract:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    layouts = tuple(raw["layouts"])
    contract = Contract(
        feed=raw["feed"],
        description=raw["description"],
        provider_type=raw["provider_type"],
        period_grain=raw["period_grain"],
        layouts=layouts,
        key=tuple(raw["key"]),
        columns=tuple(_column(c, "v0" in layouts) for c in raw["columns"]),
    )
    known_lists = code_lists()
    for col in contract.columns:
        if col.code_list and col.code_list not in known_lists:
            raise ValueError(f"{path.name}: column {col.name} names unknown code list {col.code_list}")
    return contract


@functools.cache
def contracts() -> dict[str, Contract]:
    """Every feed contract, by feed name, in a stable order."""
    found = {}
    for path in sorted(CONTRACTS_DIR.glob("*.yaml")):
        if path.name == "code_lists.yaml":
            continue
        contract = load_contract(path)
        found[contract.feed] = contract
    return found


def birth_date_feed(contract: Contract) -> Contract | None:
    """The feed whose dates of birth age this feed's events: its own where its records carry one, else the feed
    of the same providers that describes their children (a Trust's ``children``)."""
    if contract.column_by_role("date_of_birth") is not None:
        return contract
    if contract.column_by_role("local_child_id") is None:
        return None
    return next((c for c in contracts().values() if c.provider_type == contract.provider_type
                 and c.column_by_role("date_of_birth") is not None and c.column_by_role("local_child_id") is not None),
                None)


def feeds_for(provider_type: str) -> list[Contract]:
    return [c for c in contracts().values() if c.provider_type == provider_type]
