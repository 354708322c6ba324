"""Every query of the README's section on the Department of Health's tables runs on the published database and
gives the table it names."""

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
            cursor = con.execute(query)
            columns = [d[0] for d in cursor.description]
            rows = cursor.fetchall()
            assert rows, f"no rows: {query}"
            values = [dict(zip(columns, r, strict=True)) for r in rows]
            measure = next(c for c in ("value", "children", "referrals", "episodes", "per_cent") if c in columns)
            assert any(v[measure] not in (None, 0) for v in values), f"nothing to show: {query}"
