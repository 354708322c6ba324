"""What ``model`` renders to when sqlfluff lints the models: a model that reads nothing (read only by the linter)."""

unique_id = "model.children_data_warehouse.linted"
