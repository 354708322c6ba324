"""What ``graph`` renders to when sqlfluff lints the models: only the stand-in ``model`` (read only by the linter)."""

nodes = {"model.children_data_warehouse.linted": {"raw_code": "", "depends_on": {"nodes": []}}}
