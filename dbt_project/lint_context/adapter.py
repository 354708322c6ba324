"""``adapter.dispatch`` for sqlfluff: a dispatched macro renders as DuckDB's implementation, as dbt would.

Read only by the linter (``.sqlfluff``); the real dispatch is dbt's.
"""
from collections.abc import Callable

from jinja2 import pass_context
from jinja2.runtime import Context
from sqlfluff.core.templaters.builtins.dbt import MacroReturn


def dispatch(macro_name: str, macro_namespace: str | None = None) -> Callable[..., object]:
    """The macro ``duckdb__<name>`` or else ``default__<name>`` of the project's macros, found when it is called."""
    @pass_context
    def call(context: Context, *arguments: object) -> object:
        for prefix in ("duckdb__", "default__"):
            macro = context.get(prefix + macro_name)
            if macro is not None:
                try:
                    return macro(*arguments)
                except MacroReturn as returned:  # dbt's return(): the macro's value, not its text
                    return returned.value
        raise LookupError(f"no duckdb__ or default__ implementation of the dispatched macro {macro_name}")

    return call


def get_columns_in_relation(relation: object) -> list:
    """No table exists when linting: incremental models render as their first, full build."""
    return []
