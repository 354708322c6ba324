from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from orchestration.lib import parse
from orchestration.lib.conform import Conformer
from orchestration.lib.parse import SubmissionError, parse_file_name, read_submission
from sources.contract import contracts
from sources.generator import generate
from sources.generator.people import new_hcn

REFERRALS_V1 = ("referral_id,child_id,referral_date,referral_source,primary_need,decision_date,decision,"
                "allocated_date,team_code,closed_date,record_status")
CHILDREN_V0 = ("CLIENT_NO,H_C_NO,FIRST_NAME,LAST_NAME,DOB,GENDER,RELIGION,ETHNIC_ORIGIN,DISABLED,LANGUAGE,"
               "INTERPRETER,POST_CODE,REC_STATUS")


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("name", ["BHSCT_referrals_2024-06.csv", "SS07_sure_start_contacts_2024-Q2.xlsx",
                                  "VCS004_family_support_2024-06.xlsx"])
def test_file_names_of_spec_section_2(name: str) -> None:
    parts = parse_file_name(name)
    assert name.startswith(parts["provider"] + "_" + parts["feed"] + "_" + parts["period"])


@pytest.mark.parametrize("name", ["referrals.csv", "BHSCT_referrals_2024-13.csv", "BHSCT_referrals_2024-06.txt",
                                  "bhsct_referrals_2024-06.csv", "BHSCT-referrals-2024-06.csv"])
def test_bad_file_names_are_refused_with_the_expected_pattern(name: str) -> None:
    with pytest.raises(SubmissionError, match="<provider>_<feed>_<period>"):
        parse_file_name(name)


def test_csv_with_bom_and_untidy_header(tmp_path: Path) -> None:
    header = " Referral_ID , CHILD_ID,referral_date,Referral_Source,primary_need,decision_date,decision," \
             "allocated_date,team_code,closed_date,record_status"
    path = _write(tmp_path / "BHSCT_referrals_2024-06.csv",
                  header + "\r\nR1,C1,2024-06-03,POLICE,,,,,T1,,active\r\n", "utf-8-sig")
    parsed = read_submission(path, contracts()["referrals"])
    assert parsed.layout == "v1"
    assert parsed.table.column("referral_id").to_pylist() == ["R1"]


def test_legacy_layout_is_recognised_and_mapped(tmp_path: Path) -> None:
    hcn = new_hcn(__import__("random").Random(1))
    path = _write(tmp_path / "WHSCT_children_2024-06.csv",
                  f"{CHILDREN_V0}\n9001,{hcn},Órla,Ó Néill,05/03/2015,2,1,99,9,ga,N,BT48 7AB,1\n")
    contract = contracts()["children"]
    parsed = read_submission(path, contract)
    assert parsed.layout == "v0"
    with Conformer(b"test key") as conformer:
        batch = conformer.conform(parsed.table, contract, parsed.layout, "WHSCT", dt.date(2024, 6, 30))
    assert batch.errors.num_rows == 0
    row = batch.table.to_pylist()[0]
    assert (row["sex"], row["religion"], row["ethnicity"], row["disability"]) == ("F", "CATH", "NREC", "U")
    assert row["birth_month"] == dt.date(2015, 3, 1)
    assert row["postcode_sector"] == "BT48 7" and row["lgd_code"] == "N09000005"
    assert row["hcn_key"] and row["demographic_key"] and row["has_valid_hcn"] is True
    assert list(batch.table.column_names) == [c[0] for c in contract.batch_columns()][:-3]
    for identifying in ("child_id", "hcn", "forename", "surname", "date_of_birth", "postcode"):
        assert identifying not in row
    assert "Néill" not in str(row) and hcn not in str(row)


def test_xlsx_first_sheet(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(REFERRALS_V1.split(","))
    sheet.append(["R1", "C1", dt.datetime(2024, 6, 3), "POLICE", None, None, None, None, "T1", None, "active"])
    book.create_sheet("Notes").append(["ignored"])
    path = tmp_path / "NHSCT_referrals_2024-06.xlsx"
    book.save(path)
    parsed = read_submission(path, contracts()["referrals"])
    assert parsed.table.column("referral_date").to_pylist() == ["2024-06-03"]


@pytest.mark.parametrize(("content", "encoding", "message"), [
    ("", "utf-8", "empty"),
    (REFERRALS_V1.replace(",", ";") + "\nR1;C1\n", "utf-8", "not comma separated"),
    (REFERRALS_V1.replace("team_code,", "") + "\n", "utf-8", "lacks required column.*team_code"),
    (REFERRALS_V1 + "\nR1,C1,2024-06-03,POLICE\n", "utf-8", "row 2 has 4 fields"),
    (REFERRALS_V1 + "\nR1,Seán,2024-06-03,POLICE,,,,,T1,,active\n", "latin-1", "not UTF-8.*line 2"),
])
def test_unreadable_files_are_refused_with_a_reason(tmp_path: Path, content: str, encoding: str,
                                                   message: str) -> None:
    path = _write(tmp_path / "BHSCT_referrals_2024-06.csv", content, encoding)
    with pytest.raises(SubmissionError, match=message) as raised:
        read_submission(path, contracts()["referrals"])
    assert "BHSCT_referrals_2024-06.csv" in str(raised.value)


def test_cell_errors_name_row_column_value_and_rule(tmp_path: Path) -> None:
    rows = [
        "R1,C1,2024-06-03,POLICE,,2024-06-05,NFA,,T1,2024-06-06,active",
        "R2,C2,03/06/2024,POLICE,,,,,T1,,active",          # v0 date in a v1 file
        "R3,C3,2024-06-04,TELEPATHY,,,,,T1,,active",       # unknown code
        "R4,,2024-06-04,POLICE,,,,,T1,,active",            # missing required
        "R1,C1,2024-06-03,POLICE,,,,,T1,,active",          # duplicate key
        "R5,C5,2024-07-02,SCHOOL,,,,,T1,,active",          # after the period end
    ]
    path = _write(tmp_path / "BHSCT_referrals_2024-06.csv", REFERRALS_V1 + "\n" + "\n".join(rows) + "\n")
    contract = contracts()["referrals"]
    parsed = read_submission(path, contract)
    with Conformer(b"k") as conformer:
        errors = conformer.conform(parsed.table, contract, "v1", "BHSCT", dt.date(2024, 6, 30)).errors.to_pylist()
    found = {(e["row_number"], e["column_name"], e["rule"].split(" ")[0]) for e in errors}
    assert found == {
        (3, "referral_date", "must"), (4, "referral_source", "must"), (5, "child_id", "required"),
        (6, "referral_id", "duplicate"), (7, "referral_date", "must"),
    }
    by_row = {e["row_number"]: e for e in errors}
    assert by_row[3]["value"] == "03/06/2024" and "YYYY-MM-DD" in by_row[3]["rule"]
    assert by_row[4]["value"] == "TELEPATHY" and "referral_source" in by_row[4]["rule"]


def test_children_without_valid_hcn_link_on_normalised_demographics(tmp_path: Path) -> None:
    body = ("child_id,hcn,forename,surname,date_of_birth,sex,religion,ethnicity,disability,first_language,"
            "interpreter_required,postcode,record_status\n"
            "A1,,Seán,Ó Néill,2015-03-05,M,,,,,,BT12 4AB,active\n"
            "A2,1234,SEAN,O'Neill,2015-03-05,M,,,,,,bt124ab,active\n"
            "A3,,Sean,O'Neill,2015-03-06,M,,,,,,BT12 4AB,active\n")
    contract = contracts()["children"]
    parsed = read_submission(_write(tmp_path / "BHSCT_children_2024-06.csv", body), contract)
    with Conformer(b"k") as conformer:
        rows = conformer.conform(parsed.table, contract, "v1", "BHSCT", dt.date(2024, 6, 30)).table.to_pylist()
    assert rows[0]["demographic_key"] == rows[1]["demographic_key"] != rows[2]["demographic_key"]
    assert [r["hcn_key"] for r in rows] == [None, None, None]
    assert len({r["child_ref"] for r in rows}) == 3


def _python_sheet(data: bytes) -> parse._Sheet:
    """What Python's csv module reads from the bytes, as the reader of last resort does."""
    text = data.decode("utf-8-sig")
    return parse._sheet(parse._numbered(list(csv.reader(io.StringIO(text, newline=""), strict=True))),
                        check_width=True)


def _same(fast: parse._Sheet, python: parse._Sheet) -> None:
    assert python.ragged is None
    assert fast.head == python.head
    assert fast.numbers.to_pylist() == python.numbers.to_pylist()
    assert [c.to_pylist() for c in fast.body] == [c.to_pylist() for c in python.body]


CELL = st.text(alphabet=["a", "B", "7", " ", "\t", "é", "\u00a0", ";", "-"], max_size=5)


@given(rows=st.lists(st.lists(CELL, min_size=3, max_size=3), min_size=1, max_size=8),
       newline=st.sampled_from(["\n", "\r\n"]), last_newline=st.booleans(), bom=st.booleans())
@settings(max_examples=300, deadline=None)
def test_the_vectorised_csv_reader_reads_what_pythons_csv_reads(rows: list[list[str]], newline: str,
                                                                last_newline: bool, bom: bool) -> None:
    """Arrow reads a plain CSV (row for row, cell for cell, with the same row numbers), or declines it."""
    data = ("\ufeff" if bom else "") + newline.join(",".join(row) for row in rows) + (newline if last_newline else "")
    fast = parse._read_plain_csv(data.encode("utf-8").removeprefix(b"\xef\xbb\xbf"))
    python = _python_sheet(data.encode("utf-8"))
    blank = any(not "".join(row).strip() for row in rows)
    assert (fast is None) == blank, "a plain CSV without a blank row is Arrow's to read"
    if fast is not None:
        _same(fast, python)


@pytest.mark.parametrize("text", ['a,b\n"x, y",2\n', "a,b\n1,2\n\n3,4\n", "a,b\n1\n", "a,b\r1,2\r", "a,b\n1,2\0\n"])
def test_a_csv_that_is_not_plain_goes_to_pythons_reader(text: str) -> None:
    """Quotes, blank rows, ragged rows, lone carriage returns and NUL are read by Python's csv, whose messages
    name the row."""
    assert parse._read_plain_csv(text.encode()) is None


def test_a_generated_submission_is_read_by_arrow_as_python_reads_it(tmp_path: Path) -> None:
    generate("2024-04", "2024-05", 0.01, 3, tmp_path / "landing")
    files = sorted((tmp_path / "landing").rglob("*.csv"))
    assert files
    for file in files:
        data = file.read_bytes()
        fast = parse._read_plain_csv(data.removeprefix(b"\xef\xbb\xbf"))
        assert fast is not None, f"{file.name}: not read by the vectorised reader"
        _same(fast, _python_sheet(data))
