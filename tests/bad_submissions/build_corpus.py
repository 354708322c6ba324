"""Write the corpus of bad (and a few good) submissions that test_bad_submissions.py lands together.

The files are committed; this script documents how each was made and rebuilds
them (``python tests/bad_submissions/build_corpus.py``). Each file's documented
outcome is in ``expected.yaml`` beside it.
"""

from __future__ import annotations

import random
from pathlib import Path

from openpyxl import Workbook

from sources.generator.people import new_hcn

FILES = Path(__file__).parent / "files"
REFERRALS = ("referral_id,child_id,referral_date,referral_source,primary_need,decision_date,decision,"
             "allocated_date,team_code,closed_date,record_status")
REFERRALS_V0 = ("REFERRAL_ID,CLIENT_NO,REFERRAL_DT,REFERRAL_SOURCE,PRIMARY_NEED,DECISION_DT,DECISION,"
                "ALLOCATED_DT,TEAM_CODE,CLOSED_DT,RECORD_STATUS")
CHILDREN = ("child_id,hcn,forename,surname,date_of_birth,sex,religion,ethnicity,disability,first_language,"
            "interpreter_required,postcode,record_status")
CP = "registration_id,child_id,registration_date,category,deregistration_date,deregistration_reason,record_status"
CHILDREN_V0 = (CHILDREN.upper().replace("CHILD_ID", "CLIENT_NO").replace("HCN", "H_C_NO")
               .replace("FORENAME", "FIRST_NAME").replace("SURNAME", "LAST_NAME").replace("DATE_OF_BIRTH", "DOB")
               .replace("SEX", "GENDER").replace("ETHNICITY", "ETHNIC_ORIGIN").replace("DISABILITY", "DISABLED")
               .replace("FIRST_LANGUAGE", "LANGUAGE").replace("INTERPRETER_REQUIRED", "INTERPRETER")
               .replace("POSTCODE", "POST_CODE").replace("RECORD_STATUS", "REC_STATUS"))
WORKFORCE = ("snapshot_date,team_code,service_area,funded_fte,staff_in_post_fte,agency_fte,vacant_fte,"
             "long_term_absence_fte,open_cases,unallocated_cases")


def referral(n: int, month: str = "2024-06", **changes: str) -> str:
    row = {"referral_id": f"R{n:05d}", "child_id": f"C{n:05d}", "referral_date": f"{month}-0{n % 9 + 1}",
           "referral_source": "POLICE", "primary_need": "FAMILY_STRESS", "decision_date": "", "decision": "",
           "allocated_date": "", "team_code": "T01", "closed_date": "", "record_status": "active"}
    row.update(changes)
    return ",".join(row.values())


def csv_file(name: str, header: str, rows: list[str], encoding: str = "utf-8") -> None:
    (FILES / name).write_bytes(("\r\n".join([header, *rows]) + "\r\n").encode(encoding))


def xlsx_file(name: str, rows: list[list[object]]) -> None:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(FILES / name)


def build() -> None:
    FILES.mkdir(parents=True, exist_ok=True)
    for old in FILES.iterdir():
        old.unlink()
    rng = random.Random(2024)
    hcns = [new_hcn(rng) for _ in range(4)]
    good = [referral(n) for n in range(1, 4)]

    # Rejected: the file as a whole cannot be used.
    csv_file("june_referrals.csv", REFERRALS, good)
    csv_file("BHSCX_referrals_2024-06.csv", REFERRALS, good)
    csv_file("BHSCT_cases_2024-06.csv", REFERRALS, good)
    csv_file("BHSCT_referrals_2024-Q2.csv", REFERRALS, good)
    csv_file("SS07_sure_start_contacts_2024-06.csv", "contact_id,registration_id,contact_date,service,attended",
             ["K1,G1,2024-06-03,PLAY,Y"])
    (FILES / "NHSCT_referrals_2024-01.csv").write_bytes(b"")
    (FILES / "NHSCT_referrals_2024-02.csv").write_bytes(
        ("\r\n".join([REFERRALS, *good]) + "\r\n" + referral(4)[:14]).encode())
    csv_file("NHSCT_referrals_2024-03.csv", REFERRALS.replace(",", ";"), [r.replace(",", ";") for r in good])
    csv_file("NHSCT_referrals_2024-04.csv", REFERRALS.replace(",", "\t"), [r.replace(",", "\t") for r in good])
    csv_file("NHSCT_referrals_2024-05.csv", REFERRALS.replace(",team_code", ""),
             [r.replace(",T01", "") for r in good])
    csv_file("NHSCT_children_2024-06.csv", CHILDREN,
             [f"C1,{hcns[0]},Seán,Ó Néill,2015-03-05,M,CATH,WHIT,N,en,N,BT12 4AB,active"], encoding="latin-1")
    xlsx_file("NHSCT_referrals_2024-07.xlsx", [["Northern Trust: referrals, July 2024"], [],
                                               REFERRALS.split(","), referral(1, "2024-07").split(",")])
    csv_file("NHSCT_referrals_2024-08.xlsx", REFERRALS, good)  # a CSV with an .xlsx name
    (FILES / "NHSCT_referrals_2024-09.csv").write_bytes(bytes(rng.randrange(256) for _ in range(400)) + b"\xff")

    # Quarantined at ingest: readable, but cells break the feed contract.
    csv_file("SEHSCT_referrals_2024-06.csv", REFERRALS, [referral(1), referral(2, referral_source="TELEPATHY")])
    csv_file("SEHSCT_referrals_2024-07.csv", REFERRALS, [referral(1, "2024-07"),
                                                         referral(2, "2024-07", referral_date="2024-02-30")])
    csv_file("SEHSCT_referrals_2024-08.csv", REFERRALS, [referral(1, "2024-08", referral_date="2024-09-14")])
    csv_file("SEHSCT_referrals_2024-09.csv", REFERRALS, [referral(1, "2024-09"), referral(1, "2024-09")])
    csv_file("SEHSCT_referrals_2024-10.csv", REFERRALS, [referral(1, "2024-10", referral_id="R" * 21)])
    csv_file("SEHSCT_referrals_2024-11.csv", REFERRALS, [referral(1, "2024-11"), referral(2, "2024-11", team_code="")])
    csv_file("SHSCT_referrals_2024-06.csv", REFERRALS_V0, ["R1,C1,2024-06-03,1,4,,,,T01,,1"])
    csv_file("SHSCT_referrals_2024-07.csv", REFERRALS_V0, ["R1,C1,03/07/2024,POLICE,4,,,,T01,,1"])
    csv_file("SEHSCT_child_protection_2024-06.csv", CP, ["P1,C1,2024-06-03,NEG|XYZ,,,active"])
    csv_file("SEHSCT_workforce_2024-06.csv", WORKFORCE,
             ["2024-06-30,SEHSCT-GW01,GATEWAY,10.0,9.0,1.0,-1.0,0.0,150,3"])
    csv_file("SEHSCT_children_2024-07.csv", CHILDREN,
             [f"C1,{hcns[1]},Aoife,Kelly,2016-01-09,F,CATH,WHIT,N,en,N,BT20 1AB,archived"])

    # Quarantined by the quality gate: parses, but breaks a rule of the feed's suite.
    csv_file("SEHSCT_referrals_2024-12.csv", REFERRALS, [referral(1, "2024-12", decision_date="2024-11-20",
                                                                  decision="NFA")])

    # Accepted: a nil return, a file with a warning, and good files in each format and layout.
    csv_file("BHSCT_referrals_2024-06.csv", REFERRALS, [])
    csv_file("SEHSCT_children_2024-06.csv", CHILDREN,
             [f"C{n},123456789{n},Eoin,Quinn,2014-02-0{n},M,NREC,NREC,U,ga,N,BT20 1AB,active" for n in range(1, 4)])
    csv_file("BHSCT_referrals_2024-05.csv", REFERRALS, [referral(n, "2024-05") for n in range(1, 4)])
    csv_file("SHSCT_referrals_2024-05.csv", REFERRALS_V0, ["R1,C1,03/05/2024,1,4,07/05/2024,3,,T01,,1"])
    xlsx_file("NHSCT_referrals_2024-10.xlsx", [REFERRALS.split(","), referral(1, "2024-10").split(",")])
    # The children the good referrals are about (the gate refuses a referral for a child the Trust never sent).
    csv_file("BHSCT_children_2024-05.csv", CHILDREN,
             [f"C{n:05d},,Niamh,Doherty,2016-01-1{n},F,CATH,WHIT,N,en,N,BT12 4AB,active" for n in range(1, 4)])
    csv_file("NHSCT_children_2024-10.csv", CHILDREN,
             ["C00001,,Piotr,Nowak,2013-07-21,M,NREC,OTHR,N,pl,Y,BT43 5AB,active"])
    csv_file("SHSCT_children_2024-05.csv", CHILDREN_V0, ["C1,,Ciarán,Murphy,02/02/2012,1,1,1,2,ga,N,BT35 6AB,1"])
    csv_file("WHSCT_children_2024-06.csv", CHILDREN_V0,
             [f"9001,{hcns[2]},Órla,O'Hagan,05/03/2015,2,1,1,2,ga,N,BT48 7AB,1"])


if __name__ == "__main__":
    build()
    print(f"corpus written to {FILES}")
