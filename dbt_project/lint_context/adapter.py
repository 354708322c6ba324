"""``adapter.dispatch`` for sqlfluff: a dispatched macro renders as a plain function call.

Read only by the linter (``.sqlfluff``); the real dispatch is dbt's.
"""
from collections.abc import Callable


def dispatch(macro_name: str, macro_namespace: str | None = None) -> Callable[..., str]:
    def call(*arguments: object) -> str:
        return f"{macro_name}({', '.join(str(argument) for argument in arguments)})"

    return call


def get_columns_in_relation(relation: object) -> list:
    """No table exists when linting: incremental models render as their first, full build."""
    return []
