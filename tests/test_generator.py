from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections import Counter
from pathlib import Path

import pytest

from orchestration.lib.parse import parse_file_name, read_submission
from sources.contract import contracts
from sources.generator import generate
from sources.generator.records import Record


def _digests(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_same_files_other_seed_other_files(tmp_path: Path) -> None:
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        generate("2024-01", "2024-03", 0.003, seed, tmp_path / name)
    first, second, other = (_digests(tmp_path / n) for n in "abc")
    assert first == second
    assert first != other


def test_every_provider_sends_every_feed_every_period(small_landing: Path) -> None:
    names = [p.name for p in small_landing.rglob("*") if p.is_file()]
    latest = {tuple(parse_file_name(n)[part] for part in ("provider", "feed", "period")) for n in names}
    trust_feeds = [f for f, c in contracts().items() if c.provider_type == "trust"]
    trusts = {"BHSCT", "NHSCT", "SEHSCT", "SHSCT", "WHSCT"}
    assert len({k for k in latest if k[0] in trusts}) == 5 * len(trust_feeds) * 24
    assert len({k for k in latest if k[0].startswith("SS")}) == 38 * 2 * 8
    assert len({k for k in latest if k[0].startswith("VCS")}) == 12 * 24


def test_layouts_and_formats(small_landing: Path) -> None:
    files = {p.name: p for p in small_landing.rglob("*") if p.is_file()}
    assert {Path(n).suffix for n in files} == {".csv", ".xlsx"}
    for name in ("SHSCT_referrals_2024-06.csv", "WHSCT_children_2024-06.csv", "BHSCT_referrals_2024-06.csv",
                 "NHSCT_referrals_2024-06.xlsx", "SHSCT_workforce_2024-06.csv"):
        feed = parse_file_name(name)["feed"]
        parsed = read_submission(files[name], contracts()[feed])
        expected = "v0" if name.startswith(("SHSCT", "WHSCT")) and feed != "workforce" else "v1"
        assert parsed.layout == expected, name


def test_resubmissions_sit_beside_the_file_they_replace(small_landing: Path) -> None:
    counts = Counter(p.name for p in small_landing.rglob("*") if p.is_file())
    resubmitted = [n for n, c in counts.items() if c > 1]
    assert resubmitted, "the generator resubmits a few per cent of files"
    name = resubmitted[0]
    first, second = sorted((p for p in small_landing.rglob(name)), key=lambda p: p.stat().st_mtime)
    assert first.stat().st_mtime < second.stat().st_mtime


def _rows(landing: Path, pattern: str) -> list[dict]:
    rows = []
    for path in sorted(landing.rglob(pattern)):
        with path.open(encoding="utf-8-sig") as fh:
            rows.extend(csv.DictReader(fh))
    return rows


def test_documented_imperfections_occur(small_landing: Path) -> None:
    children = _rows(small_landing, "BHSCT_children_*.csv") + _rows(small_landing, "SEHSCT_children_*.csv")
    assert children
    missing_hcn = sum(1 for r in children if not r["hcn"]) / len(children)
    assert 0 < missing_hcn < 0.10
    assert any(r["religion"] == "NREC" for r in children)
    assert any(any(ch in r["forename"] + r["surname"] for ch in "áéíóúÁÉÍÓÚ'") for r in children)
    referrals = _rows(small_landing, "*_referrals_*.csv")
    assert any(r.get("record_status") == "deleted" for r in referrals) or any(
        r.get("RECORD_STATUS") == "9" for r in referrals)


def test_records_change_in_later_months(small_landing: Path) -> None:
    referrals = _rows(small_landing, "BHSCT_referrals_*.csv")
    sent = Counter(r["referral_id"] for r in referrals)
    assert max(sent.values()) >= 2, "a referral is sent again when it is decided, allocated or closed"


def test_children_are_known_to_several_providers(small_landing: Path) -> None:
    trust_hcns = {r["hcn"] for r in _rows(small_landing, "*_children_*.csv") if r.get("hcn")}
    trust_hcns |= {r["H_C_NO"] for r in _rows(small_landing, "*_children_*.csv") if r.get("H_C_NO")}
    family = _rows(small_landing, "VCS*_family_support_*.csv")
    assert any(r["hcn"] in trust_hcns for r in family if r["hcn"])
    assert any(not r["hcn"] for r in family)


@pytest.mark.parametrize(("start", "end", "scale"), [("2024-05", "2024-04", 0.01), ("2024-5", "2024-06", 0.01),
                                                     ("2024-01", "2024-02", 0)])
def test_bad_arguments(tmp_path: Path, start: str, end: str, scale: float) -> None:
    with pytest.raises(ValueError):
        generate(start, end, scale, 1, tmp_path)


def test_a_record_is_read_only_but_for_its_corrections() -> None:
    """Records keep their fields as a tuple (for memory at scale 30): a write to ``values`` must fail loudly rather
    than be lost, and a correction shows in every month before it."""
    referral = Record("referrals", "BHSCT", {"referral_id": "BHR1", "primary_need": "BEHAVIOUR",
                                             "closed_date": None, "record_status": "active"}, dt.date(2024, 1, 3))
    with pytest.raises(TypeError):
        referral.values["primary_need"] = "OTHER"  # type: ignore[index]
    referral.revise(dt.date(2024, 3, 1), {"primary_need": "OTHER"})
    assert referral.value("primary_need") == "BEHAVIOUR"
    assert referral.state_on(dt.date(2024, 1, 31))["primary_need"] == "OTHER"
    assert referral.state_on(dt.date(2024, 3, 31))["primary_need"] == "BEHAVIOUR"
    assert dt.date(2024, 3, 1) in referral.change_dates()
    assert referral.is_open_on(dt.date(2024, 2, 1)) and not referral.is_open_on(dt.date(2024, 1, 1))
