"""Pseudonymisation at ingest (spec section 5), vectorised in DuckDB SQL.

The child key is HMAC-SHA-256 of the validated Health and Care Number under a
key held outside the repository (``CDW_PSEUDONYMISATION_KEY``). HMAC is built
from DuckDB's ``sha256`` (RFC 2104: H((K xor opad) || H((K xor ipad) || m))),
so millions of rows are hashed without a Python loop; a unit test holds it to
Python's ``hmac`` module.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import warnings

KEY_VARIABLE = "CDW_PSEUDONYMISATION_KEY"
DEMO_KEY_VARIABLE = "CDW_ALLOW_DEMO_KEY"
# Only for the synthetic demo: anyone can read it here, so it protects nothing.
DEMO_KEY = "cdw-synthetic-demo-key-not-for-real-data"
BLOCK_SIZE = 64  # SHA-256 block size in bytes
MIN_KEY_BYTES = 32  # as long as the hash: a shorter secret is easier to guess than the keyed hash it protects
FINGERPRINT_MESSAGE = b"cdw pseudonymisation key fingerprint v1"
log = logging.getLogger(__name__)


class MissingKeyError(RuntimeError):
    pass


class KeyMismatchError(RuntimeError):
    """The key is not the one the data root's batches were made with."""


class DemoKeyWarning(UserWarning):
    pass


def pseudonymisation_key() -> bytes:
    """The key from the environment; the demo key only when explicitly allowed, and loudly."""
    key = os.environ.get(KEY_VARIABLE)
    if key:
        if key == DEMO_KEY and os.environ.get(DEMO_KEY_VARIABLE) != "1":
            raise MissingKeyError(f"{KEY_VARIABLE} holds the public demo key; set a real secret")
        if len(key.encode("utf-8")) < MIN_KEY_BYTES:
            raise MissingKeyError(
                f"{KEY_VARIABLE} is {len(key.encode('utf-8'))} bytes long; a key must be at least {MIN_KEY_BYTES} "
                "bytes of secret (for example the output of `python -c \"import secrets; "
                "print(secrets.token_hex(32))\"`)")
        return key.encode("utf-8")
    if os.environ.get(DEMO_KEY_VARIABLE) == "1":
        message = ("USING THE PUBLIC DEMO PSEUDONYMISATION KEY: child keys are NOT protected. "
                   f"Synthetic data only; set {KEY_VARIABLE} for real submissions.")
        warnings.warn(message, DemoKeyWarning, stacklevel=2)
        log.warning(message)
        return DEMO_KEY.encode("utf-8")
    raise MissingKeyError(
        f"{KEY_VARIABLE} is not set. Set it to the secret pseudonymisation key (never commit it), "
        f"or set {DEMO_KEY_VARIABLE}=1 to use the public demo key with synthetic data only.")


def key_fingerprint(key: bytes) -> str:
    """An HMAC of a fixed message under the key: tells two keys apart without revealing either."""
    return hmac.new(key, FINGERPRINT_MESSAGE, hashlib.sha256).hexdigest()


def _pads(key: bytes) -> tuple[str, str]:
    if len(key) > BLOCK_SIZE:
        key = hashlib.sha256(key).digest()
    key = key.ljust(BLOCK_SIZE, b"\0")
    inner = bytes(b ^ 0x36 for b in key).hex()
    outer = bytes(b ^ 0x5C for b in key).hex()
    return inner, outer


def hmac_sql(key: bytes, message_sql: str) -> str:
    """A DuckDB expression: hex HMAC-SHA-256 of the text expression ``message_sql`` (NULL stays NULL)."""
    inner, outer = _pads(key)
    inner_hash = f"sha256(unhex('{inner}') || encode({message_sql}))"
    return f"sha256(unhex('{outer}') || unhex({inner_hash}))"


def valid_hcn_sql(column: str) -> str:
    """A DuckDB expression: the 10-digit HCN if it is in the NI range with a good modulus-11 check, else NULL."""
    digits = f"regexp_replace(coalesce({column}, ''), '[\\s-]', '', 'g')"
    weighted = " + ".join(f"{10 - i} * cast(substr({digits}, {i + 1}, 1) as integer)" for i in range(9))
    check = f"(11 - ({weighted}) % 11)"
    return (
        f"case when regexp_full_match({digits}, '3[2-9][0-9]{{8}}') "
        f"and (case when {check} = 11 then 0 else {check} end) = cast(substr({digits}, 10, 1) as integer) "
        f"then {digits} end"
    )


def normalised_text_sql(column: str) -> str:
    """Upper case, accents stripped, apostrophes, hyphens and spaces removed: Ó Néill, O'Neill -> ONEILL."""
    return f"regexp_replace(upper(strip_accents(coalesce({column}, ''))), '[^A-Z]', '', 'g')"


def normalised_postcode_sql(column: str) -> str:
    """Upper case, letters and digits only: bt12 4ab, BT124AB -> BT124AB (the digits tell districts apart)."""
    return f"regexp_replace(upper(coalesce({column}, '')), '[^A-Z0-9]', '', 'g')"
