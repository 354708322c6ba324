"""Every model's YAML describes it and each of its columns in full.

A description written in a YAML flow mapping (`{name: x, description: a, b}`) is cut at its first comma, the rest
read as extra keys: the published database's column comments then lose their text, and an age band like `1_4`
becomes the integer key 14, which breaks dbt's partial parsing. This catches both."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

MODELS = Path(__file__).resolve().parents[1] / "dbt_project" / "models"
COLUMN_KEYS = {"name", "description", "data_tests"}


def _models() -> list[tuple[str, dict]]:
    found = []
    for path in sorted(MODELS.rglob("*.yml")):
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models", []):
            found.append((f"{path.name}:{model['name']}", model))
    return found


@pytest.mark.parametrize(("where", "model"), _models(), ids=[w for w, _ in _models()])
def test_model_and_columns_have_whole_descriptions(where: str, model: dict) -> None:
    assert isinstance(model.get("description"), str) and model["description"].strip(), where
    for column in model.get("columns", []):
        assert set(column) <= COLUMN_KEYS, f"{where}.{column.get('name')}: stray keys {set(column) - COLUMN_KEYS}"
        assert isinstance(column.get("description"), str) and column["description"].strip(), \
            f"{where}.{column.get('name')}"


def test_every_sql_model_has_its_yaml() -> None:
    described = {model["name"] for _, model in _models()}
    missing = sorted(p.stem for p in MODELS.rglob("*.sql") if p.stem not in described)
    assert not missing, f"models without a YAML description: {missing}"


def test_the_published_database_exposure_lists_every_published_model() -> None:
    """dbt's docs draw the lineage to the published database from its exposure: it must name every model that
    publish copies (a dim_, fct_ or mart_ model), and the extract's exposure what the extract reads."""
    import yaml

    from orchestration.lib.publish import PUBLISHED_PREFIXES

    models_dir = Path(__file__).parents[1] / "dbt_project" / "models"
    exposures = {e["name"]: e for e in yaml.safe_load(
        (models_dir / "marts" / "_exposures.yml").read_text(encoding="utf-8"))["exposures"]}
    published = {p.stem for p in models_dir.rglob("*.sql") if p.stem.startswith(PUBLISHED_PREFIXES)}
    named = {ref.removeprefix("ref('").removesuffix("')")
             for ref in exposures["published_analytics_database"]["depends_on"]}
    assert named == published
    extract = (Path(__file__).parents[1] / "orchestration" / "lib" / "extract.py").read_text(encoding="utf-8")
    workbook = (Path(__file__).parents[1] / "orchestration" / "lib" / "workbook.py").read_text(encoding="utf-8")
    for ref in exposures["commissioner_quarterly_extract"]["depends_on"]:
        model = ref.removeprefix("ref('").removesuffix("')")
        assert f"from {model}" in extract + workbook or f"join {model}" in extract, model
