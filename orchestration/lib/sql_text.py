"""SQL text built from values: the one way a Python string becomes a DuckDB string literal.

Paths, provider codes and submission ids go into generated queries (``read_parquet([...])``, ``in (...)``), and a
quote in any of them must not end the literal early.
"""

from __future__ import annotations

from collections.abc import Iterable


def literal(text: str) -> str:
    """A string literal: ``'it''s'``."""
    return "'" + text.replace("'", "''") + "'"


def literals(values: Iterable[str]) -> str:
    """String literals separated by commas, for ``in (...)``."""
    return ", ".join(literal(value) for value in values)


def literal_list(values: Iterable[str]) -> str:
    """A DuckDB list of string literals, for ``read_parquet([...])``."""
    return "[" + literals(values) + "]"
