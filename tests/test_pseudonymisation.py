from __future__ import annotations

import hashlib
import hmac
import random
import warnings

import duckdb
import pytest

from orchestration.lib.pseudonymise import (
    DEMO_KEY,
    DemoKeyWarning,
    MissingKeyError,
    hmac_sql,
    key_fingerprint,
    normalised_text_sql,
    pseudonymisation_key,
    valid_hcn_sql,
)
from sources.generator.people import hcn_check_digit, new_hcn, spoil_hcn


def _python_valid(hcn: str) -> bool:
    digits = "".join(ch for ch in hcn if ch.isdigit()) if hcn.replace(" ", "").replace("-", "").isdigit() else hcn
    if len(digits) != 10 or not digits.isdigit() or not 320 <= int(digits[:3]) <= 399:
        return False
    return hcn_check_digit(digits[:9]) == int(digits[9])


def test_check_digit_worked_example() -> None:
    # 10*3 + 9*2 + 8*5 + 7*1 + 6*2 + 5*3 + 4*4 + 3*5 + 2*6 = 165; 165 mod 11 = 0; 11 - 0 = 11 -> 0
    assert hcn_check_digit("325123456") == 0


def test_check_digit_ten_is_invalid() -> None:
    # A first nine digits whose check would be 10 never yields a valid number.
    found = next(f"{n:09d}" for n in range(320_000_000, 320_010_000) if hcn_check_digit(f"{n:09d}") is None)
    assert hcn_check_digit(found) is None


def test_sql_hcn_validation_agrees_with_python() -> None:
    rng = random.Random(4)
    samples = [new_hcn(rng) for _ in range(300)]
    samples += [spoil_hcn(rng, new_hcn(rng)) for _ in range(300)]
    samples += ["", "abc", "3201234567", "320 123 4567", "4001234567", "31912345678"]
    con = duckdb.connect()
    con.execute("create table t (hcn varchar)")
    con.executemany("insert into t values (?)", [[s] for s in samples])
    got = dict(con.execute(f"select hcn, {valid_hcn_sql('hcn')} is not null from t").fetchall())
    for hcn in samples:
        assert got[hcn] == _python_valid(hcn), hcn
    assert sum(got.values()) >= 300  # every generated number is valid


@pytest.mark.parametrize("key", [b"short key", b"k" * 64, b"a much longer key than one block " * 4, "clé".encode()])
@pytest.mark.parametrize("message", ["hcn:3201234567", "demographic:SEAN|ONEILL|2015-03-01|BT124AB", "Ó Néill"])
def test_hmac_sql_equals_python_hmac(key: bytes, message: str) -> None:
    con = duckdb.connect()
    got = con.execute(f"select {hmac_sql(key, '?')}", [message]).fetchone()[0]
    assert got == hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def test_hmac_sql_keeps_null() -> None:
    assert duckdb.connect().execute(f"select {hmac_sql(b'k', 'cast(null as varchar)')}").fetchone()[0] is None


def test_normalised_names_link_irish_spellings() -> None:
    con = duckdb.connect()
    rows = con.execute(f"select {normalised_text_sql('n')} from (values ('Ó Néill'), ('O''Neill'), "
                       "('o neill'), ('Mac Giolla-Bhríde')) t(n)").fetchall()
    assert [r[0] for r in rows] == ["ONEILL", "ONEILL", "ONEILL", "MACGIOLLABHRIDE"]


def test_key_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CDW_PSEUDONYMISATION_KEY", "a real secret of thirty-two bytes")
    monkeypatch.delenv("CDW_ALLOW_DEMO_KEY", raising=False)
    assert pseudonymisation_key() == b"a real secret of thirty-two bytes"


@pytest.mark.parametrize("key", ["k", "a real secret", "x" * 31, "é" * 15])
def test_a_key_shorter_than_32_bytes_is_refused(monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    monkeypatch.setenv("CDW_PSEUDONYMISATION_KEY", key)
    with pytest.raises(MissingKeyError, match="at least 32 bytes"):
        pseudonymisation_key()


def test_the_fingerprint_tells_keys_apart_and_does_not_contain_the_key() -> None:
    first, second = b"k" * 32, b"k" * 31 + b"l"
    assert key_fingerprint(first) == key_fingerprint(first) != key_fingerprint(second)
    assert first.hex() not in key_fingerprint(first) and len(key_fingerprint(first)) == 64


def test_no_key_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CDW_PSEUDONYMISATION_KEY", raising=False)
    monkeypatch.delenv("CDW_ALLOW_DEMO_KEY", raising=False)
    with pytest.raises(MissingKeyError, match="CDW_PSEUDONYMISATION_KEY"):
        pseudonymisation_key()


def test_demo_key_only_when_allowed_and_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CDW_PSEUDONYMISATION_KEY", raising=False)
    monkeypatch.setenv("CDW_ALLOW_DEMO_KEY", "1")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert pseudonymisation_key() == DEMO_KEY.encode()
    assert any(issubclass(w.category, DemoKeyWarning) for w in caught)


def test_demo_key_set_as_the_real_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CDW_PSEUDONYMISATION_KEY", DEMO_KEY)
    monkeypatch.delenv("CDW_ALLOW_DEMO_KEY", raising=False)
    with pytest.raises(MissingKeyError):
        pseudonymisation_key()
