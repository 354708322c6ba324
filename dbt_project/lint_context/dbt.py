"""What dbt's ``dbt.`` namespace renders to when sqlfluff lints the models.

sqlfluff's jinja templater cannot run dbt's cross-database macros, so this
module stands in for them with the SQL they produce on DuckDB. It is read only
by the linter (``.sqlfluff``: ``library_path``); dbt itself never imports it.
"""


def dateadd(datepart: str, interval: object, from_date_or_timestamp: str) -> str:
    return f"date_add({from_date_or_timestamp}, interval ({interval}) {datepart})"


def datediff(first_date: str, second_date: str, datepart: str) -> str:
    return f"date_diff('{datepart}', {first_date}, {second_date})"


def date_trunc(datepart: str, date: str) -> str:
    return f"date_trunc('{datepart}', {date})"


def type_string() -> str:
    return "varchar"


def type_int() -> str:
    return "integer"


def type_bigint() -> str:
    return "bigint"


def type_float() -> str:
    return "double"


def type_timestamp() -> str:
    return "timestamp"


def concat(fields: list[str]) -> str:
    return " || ".join(fields)


def date_spine(datepart: str, start_date: str, end_date: str) -> str:
    return (
        f"select cast(range as date) as date_{datepart} "
        f"from range({start_date}, {end_date}, interval 1 {datepart})"
    )
