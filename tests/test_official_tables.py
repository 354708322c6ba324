"""Every query of the README's section on the Department of Health's tables runs on the published database and
gives the table it names (its last column is the table's figure)."""

from __future__ import annotations

import re

import duckdb

from orchestration.lib.settings import PROJECT_ROOT

SECTION = re.compile(r"<!-- official-tables -->(.*?)<!-- /official-tables -->", re.S)
QUERY = re.compile(r"```sql\n(.*?)```", re.S)


def official_queries() -> list[str]:
    section = SECTION.search((PROJECT_ROOT / "README.md").read_text(encoding="utf-8"))
    assert section, "the README has no section of official tables"
    return QUERY.findall(section.group(1))


def test_every_official_table_query_runs_on_the_publication_and_finds_its_table(pipeline: dict) -> None:
    queries = official_queries()
    assert len(queries) >= 10
    with duckdb.connect(str(pipeline["root"] / "published" / "analytics.duckdb"), read_only=True) as con:
        catalogued = {i for (i,) in con.execute("select distinct indicator from dim_indicators").fetchall()}
        for query in queries:
            assert set(re.findall(r"'([a-z0-9_]+)'", query)) & catalogued, f"names no indicator: {query}"
            rows = con.execute(query).fetchall()
            assert rows, f"no rows: {query}"
            assert any(row[-1] not in (None, 0) for row in rows), f"nothing to show: {query}"  # the last column
