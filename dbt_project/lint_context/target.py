"""What ``target`` renders to when sqlfluff lints the models: the default DuckDB target (read only by the linter)."""

type = "duckdb"
name = "duckdb"
