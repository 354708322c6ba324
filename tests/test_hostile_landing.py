"""Hostile and broken landing files: none crashes the intake, loses a file, reads outside the landing area or holds
back another provider's file. Each case lands beside a good file of another Trust, and that file must reach the
gate as usual."""

from __future__ import annotations

import os
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from orchestration.lib import landing as landing_module
from orchestration.lib import parse as parse_module
from orchestration.lib.conform import Conformer
from orchestration.lib.ingest import ingest_landing
from orchestration.lib.landing import NotReady, copy_out, discover
from orchestration.lib.lifecycle import FINAL, Lifecycle
from orchestration.lib.registry import Registry
from orchestration.lib.settings import DataPaths

HEADER = ("referral_id,child_id,referral_date,referral_source,primary_need,decision_date,decision,"
          "allocated_date,team_code,closed_date,record_status\n")
ROW = "R1,C1,2024-06-03,POLICE,,,,,T1,,active\n"
SECRET = "TOP-SECRET-LINE-7f3a9 not for the warehouse"
GOOD = "NHSCT_referrals_2024-06.csv"


@pytest.fixture
def paths(data_dir: Path) -> DataPaths:
    return DataPaths.from_env().ensure()


def _land(paths: DataPaths, name: str, body: str | bytes, age: float = 600, folder: str = "drop") -> Path:
    path = paths.landing / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(body, bytes):
        path.write_bytes(body)
    else:
        path.write_text(body, encoding="utf-8")
    os.utime(path, (time.time() - age,) * 2)
    return path


def _ingest(paths: DataPaths) -> dict[str, object]:
    """Ingest everything (as every ingest asset together would); the good file of another Trust is landed too."""
    if not (paths.landing / "good" / GOOD).exists():
        _land(paths, GOOD, HEADER + ROW, folder="good")
    registry = Registry(paths.registry)
    with Conformer(b"k" * 32) as conformer:
        summary = ingest_landing(paths, registry, conformer, lambda _: True)
    by_name = {s.file_name: s for s in registry.all()}
    assert by_name[GOOD].status in ("pending", "accepted"), by_name[GOOD].reasons  # never held back
    assert all(s.status in FINAL | {"pending"} for s in registry.all())  # nothing left half done
    return {"summary": summary, "by_name": by_name, "registry": registry}


def _archived_text(paths: DataPaths) -> str:
    return "".join(p.read_bytes().decode("utf-8", "replace") for p in paths.archive.rglob("*") if p.is_file())


def test_a_symlink_named_like_a_submission_is_refused_unread(paths: DataPaths, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET + "\n", encoding="utf-8")
    (paths.landing / "drop").mkdir(parents=True)
    (paths.landing / "drop" / "BHSCT_referrals_2024-06.csv").symlink_to(secret)
    (paths.landing / "drop" / "BHSCT_children_2024-06.csv").symlink_to("/proc/self/environ")
    outcome = _ingest(paths)
    for name in ("BHSCT_referrals_2024-06.csv", "BHSCT_children_2024-06.csv"):
        submission = outcome["by_name"][name]
        assert submission.status == "rejected"
        assert "symbolic link, not a regular file" in submission.reasons[0]
        assert submission.archive_path is None and submission.checksum == ""
    assert SECRET not in _archived_text(paths)
    assert SECRET not in " ".join(r for s in outcome["registry"].all() for r in s.reasons)
    assert os.environ.get("CDW_DATA_DIR", "") not in _archived_text(paths).replace(str(paths.root), "")
    _ingest(paths)  # seen once: a second run does not register them again
    assert len(outcome["registry"].all()) == 3


def test_a_linked_directory_is_not_walked(paths: DataPaths, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "SEHSCT_referrals_2024-06.csv").write_text(HEADER + ROW, encoding="utf-8")
    paths.landing.mkdir(parents=True, exist_ok=True)
    (paths.landing / "linked").symlink_to(elsewhere, target_is_directory=True)
    outcome = _ingest(paths)
    assert "SEHSCT_referrals_2024-06.csv" not in outcome["by_name"]
    assert outcome["by_name"]["linked"].status == "rejected"


def test_a_fifo_is_refused_without_blocking(paths: DataPaths) -> None:
    (paths.landing / "drop").mkdir(parents=True)
    os.mkfifo(paths.landing / "drop" / "BHSCT_referrals_2024-06.csv")
    outcome = _ingest(paths)
    submission = outcome["by_name"]["BHSCT_referrals_2024-06.csv"]
    assert submission.status == "rejected" and "a FIFO, not a regular file" in submission.reasons[0]


def test_a_directory_swapped_for_a_link_after_discovery_is_not_followed(paths: DataPaths, tmp_path: Path) -> None:
    _land(paths, "BHSCT_referrals_2024-06.csv", HEADER + ROW, folder="sub")
    (found,) = discover(paths.landing)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "BHSCT_referrals_2024-06.csv").write_text(SECRET, encoding="utf-8")
    (paths.landing / "sub").rename(tmp_path / "moved")
    (paths.landing / "sub").symlink_to(outside, target_is_directory=True)
    with pytest.raises(landing_module.Unreadable, match="symbolic link"):
        copy_out(paths.landing, found, tmp_path / "copies")


def test_a_file_changed_after_discovery_waits(paths: DataPaths, tmp_path: Path) -> None:
    path = _land(paths, "BHSCT_referrals_2024-06.csv", HEADER)
    (found,) = discover(paths.landing)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(ROW)
    with pytest.raises(NotReady):
        copy_out(paths.landing, found, tmp_path / "copies")
    assert not list((tmp_path / "copies").iterdir())


def test_a_file_still_being_written_waits_for_the_next_run(paths: DataPaths,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CDW_LANDING_SETTLE_SECONDS", "30")
    path = _land(paths, "BHSCT_referrals_2024-06.csv", HEADER + ROW * 2, age=0)  # just written to
    outcome = _ingest(paths)
    assert "BHSCT_referrals_2024-06.csv" not in outcome["by_name"]
    assert outcome["summary"].skipped.get("waiting") == 1
    with path.open("a", encoding="utf-8") as fh:  # the writer finishes
        fh.write("R2,C2,2024-06-04,SCHOOL,,,,,T1,,active\n")
    os.utime(path, (time.time() - 60,) * 2)
    outcome = _ingest(paths)
    submission = outcome["by_name"]["BHSCT_referrals_2024-06.csv"]
    assert submission.status == "quarantined"  # all of it was read: the two copies of R1 are a duplicate key
    assert submission.rows == 3


def test_files_under_temporary_names_wait_until_renamed(paths: DataPaths) -> None:
    for name in (".BHSCT_referrals_2024-06.csv", "BHSCT_referrals_2024-06.csv.part", "~$BHSCT_referrals.xlsx"):
        _land(paths, name, HEADER + ROW)
    outcome = _ingest(paths)
    assert set(outcome["by_name"]) == {GOOD}
    (paths.landing / "drop" / "BHSCT_referrals_2024-06.csv.part").rename(
        paths.landing / "drop" / "BHSCT_referrals_2024-06.csv")
    assert _ingest(paths)["by_name"]["BHSCT_referrals_2024-06.csv"].status == "pending"


def test_a_zip_bomb_is_refused(paths: DataPaths, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parse_module, "MAX_XLSX_UNCOMPRESSED_BYTES", 8 << 20)  # the same check, at a small size
    bomb = paths.landing / "drop" / "BHSCT_referrals_2024-06.xlsx"
    bomb.parent.mkdir(parents=True)
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", "<Types/>")
        with book.open("xl/worksheets/sheet1.xml", "w") as sheet:
            for _ in range(20):
                sheet.write(b" " * (1 << 20))
    os.utime(bomb, (time.time() - 600,) * 2)
    assert bomb.stat().st_size < 100_000
    submission = _ingest(paths)["by_name"]["BHSCT_referrals_2024-06.xlsx"]
    assert submission.status == "rejected" and "inflates to" in submission.reasons[0]


def test_a_sheet_claiming_a_huge_range_is_refused(paths: DataPaths) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    sheet.append(ROW.strip().split(","))
    sheet["XFD1048576"] = "x"
    path = paths.landing / "drop" / "BHSCT_referrals_2024-06.xlsx"
    path.parent.mkdir(parents=True)
    book.save(path)
    os.utime(path, (time.time() - 600,) * 2)
    assert path.stat().st_size < 10_000
    submission = _ingest(paths)["by_name"]["BHSCT_referrals_2024-06.xlsx"]
    assert submission.status == "rejected"
    assert "spans 1,048,576 rows by 16,384 columns" in submission.reasons[0]


@pytest.mark.parametrize(("name", "reason"), [
    ("BHSCT_referrals_2099-12.csv", "has not begun"),
    ("BHSCT_referrals_1900-01.csv", "before the warehouse's first period"),
    ("BHSCT_referrals_\u0662\u0660\u0662\u0664-\u0660\u0666.csv", "does not match"),
    ("BHSCT_referrals_2024-06.csv\n", "does not match"),
])
def test_implausible_periods_are_refused(paths: DataPaths, name: str, reason: str) -> None:
    _land(paths, name, HEADER + ROW)
    (submission,) = [s for s in _ingest(paths)["registry"].all() if s.file_name != GOOD]
    assert submission.status == "rejected" and reason in submission.reasons[0]
    assert "\n" not in submission.file_name  # control characters in a name are written as escapes


def test_nul_and_control_characters_are_contract_errors(paths: DataPaths) -> None:
    _land(paths, "BHSCT_referrals_2024-06.csv", HEADER + "BHSCT-FI03\0,C1,2024-06-03,POLICE,,,,,T1,,active\n"
          + "R2,C2,2024-06-03,POLICE,,,,,T\x07,,active\n")
    submission = _ingest(paths)["by_name"]["BHSCT_referrals_2024-06.csv"]
    assert submission.status == "quarantined"
    reasons = " ".join(submission.reasons)
    assert "row 2 column referral_id: must not contain control characters" in reasons
    assert "row 3 column team_code: must not contain control characters" in reasons


def test_a_duplicate_header_name_is_a_rejection(paths: DataPaths) -> None:
    _land(paths, "BHSCT_referrals_2024-06.csv", HEADER.strip() + ",Team_Code \n" + ROW.strip() + ",T2\n")
    submission = _ingest(paths)["by_name"]["BHSCT_referrals_2024-06.csv"]
    assert submission.status == "rejected" and "names a column twice (columns 9 and 12)" in submission.reasons[0]


def test_a_name_too_long_for_the_archive_is_rejected_and_kept(paths: DataPaths) -> None:
    name = "BHSCT_referrals_2024-06_" + "x" * 220 + ".csv"
    assert len(name) < 256
    _land(paths, name, HEADER + ROW)
    submission = _ingest(paths)["by_name"][name]
    assert submission.status == "rejected" and "does not match" in submission.reasons[0]
    assert Path(str(submission.archive_path)).read_text(encoding="utf-8") == HEADER + ROW
    assert len(Path(str(submission.archive_path)).name) <= 128


def test_an_undecodable_name_is_kept_with_escapes(paths: DataPaths) -> None:
    folder = paths.landing / "drop"
    folder.mkdir(parents=True)
    raw = os.path.join(os.fsencode(folder), b"BHSCT_referrals_2024-06\xff.csv")
    with open(raw, "wb") as fh:
        fh.write((HEADER + ROW).encode())
    os.utime(raw, (time.time() - 600,) * 2)
    (submission,) = [s for s in _ingest(paths)["registry"].all() if s.file_name != GOOD]
    assert submission.file_name == "BHSCT_referrals_2024-06\\xff.csv" and submission.status == "rejected"


def test_a_file_over_the_size_limit_is_refused_unread(paths: DataPaths, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(landing_module, "MAX_SUBMISSION_BYTES", 1000)
    _land(paths, "BHSCT_referrals_2024-06.csv", HEADER + ROW * 40)
    submission = _ingest(paths)["by_name"]["BHSCT_referrals_2024-06.csv"]
    assert submission.status == "rejected" and "over the limit" in submission.reasons[0]
    assert submission.archive_path is None


def test_a_file_that_vanishes_before_it_is_read_is_not_registered(paths: DataPaths,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    doomed = _land(paths, "BHSCT_referrals_2024-06.csv", HEADER + ROW)
    original = landing_module.copy_out

    def delete_first(landing: Path, landing_file, folder: Path):
        if landing_file.name == doomed.name and doomed.exists():
            doomed.unlink()
        return original(landing, landing_file, folder)

    monkeypatch.setattr("orchestration.lib.ingest.copy_out", delete_first)
    outcome = _ingest(paths)
    assert doomed.name not in outcome["by_name"] and outcome["summary"].skipped.get("vanished") == 1


def test_a_file_that_breaks_the_reader_is_rejected_alone(paths: DataPaths, monkeypatch: pytest.MonkeyPatch) -> None:
    _land(paths, "BHSCT_referrals_2024-06.csv", HEADER + ROW)
    original = parse_module.read_submission

    def explode(path: Path, contract, name=None):
        if name == "BHSCT_referrals_2024-06.csv":
            raise MemoryError("Seán Ó Néill could not be allocated")
        return original(path, contract, name)

    monkeypatch.setattr("orchestration.lib.ingest.read_submission", explode)
    submission = _ingest(paths)["by_name"]["BHSCT_referrals_2024-06.csv"]
    assert submission.status == "rejected" and "could not be processed (MemoryError)" in submission.reasons[0]
    assert "Seán" not in " ".join(submission.reasons)
    assert "Seán" in Path(str(submission.error_report)).read_text(encoding="utf-8")


def test_restricted_files_are_readable_by_their_owner_only(paths: DataPaths) -> None:
    _land(paths, "BHSCT_referrals_2024-06.csv", HEADER + "R1,C1,2024-13-03,POLICE,,,,,T1,,active\n")
    submission = _ingest(paths)["by_name"]["BHSCT_referrals_2024-06.csv"]
    assert submission.status == "quarantined"
    for path in (Path(str(submission.archive_path)), Path(str(submission.error_report)), paths.registry):
        assert path.stat().st_mode & 0o077 == 0, path
    for folder in (paths.archive, paths.reports, paths.registry.parent):
        assert folder.stat().st_mode & 0o077 == 0, folder


def _accept_pending(paths: DataPaths, registry: Registry) -> None:
    for submission in registry.all("pending"):
        Lifecycle(paths, registry).accept(submission)


def test_resubmissions_follow_the_order_of_receipt_not_file_times(paths: DataPaths) -> None:
    name = "BHSCT_referrals_2024-06.csv"
    first, second = HEADER + ROW, HEADER + ROW + "R2,C2,2024-06-04,SCHOOL,,,,,T1,,active\n"
    _land(paths, name, first, age=600, folder="one")
    registry = _ingest(paths)["registry"]
    _accept_pending(paths, registry)
    _land(paths, name, second, age=6000, folder="two")  # landed later, with an older file time
    _ingest(paths)
    _accept_pending(paths, registry)
    current = registry.current("BHSCT", "referrals", "2024-06")
    assert current is not None and current.rows == 2
    _land(paths, name, first, age=60, folder="three")  # version 1 landed again: current again
    _ingest(paths)
    _accept_pending(paths, registry)
    current = registry.current("BHSCT", "referrals", "2024-06")
    assert current is not None and current.rows == 1 and current.submission_id == 4
    assert [s.status for s in registry.all() if s.file_name == name] == ["superseded", "superseded", "accepted"]
    assert [p.name for p in (paths.current / "referrals").glob("*BHSCT*")] == [
        "000004_BHSCT_referrals_2024-06.parquet"]


def test_cells_without_references_count_towards_the_span(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    cells = "".join("<c t=\"inlineStr\"><is><t>x</t></is></c>" for _ in range(parse_module.MAX_XLSX_COLUMNS + 1))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("xl/worksheets/sheet1.xml", f"<worksheet><sheetData><row>{cells}</row></sheetData></worksheet>")
    with pytest.raises(parse_module.SubmissionError, match="spans 1 rows by 1,001 columns"):
        parse_module.check_workbook_limits(path, "book.xlsx")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:  # the same cells, referenced, fit
        book.writestr("xl/worksheets/sheet1.xml", '<worksheet><sheetData><row r="1"><c r="A1"/><c r="B1"/></row>'
                      '</sheetData></worksheet>')
    parse_module.check_workbook_limits(path, "book.xlsx")
