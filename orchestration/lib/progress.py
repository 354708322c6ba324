"""Progress lines for long runs: to Dagster's log always, and to the terminal when ``cdw`` asks.

``cdw run`` sends the run's own chatter (dbt echoes its whole log to stdout)
to a log file and keeps the terminal for one line per step.
"""

from __future__ import annotations

from typing import Any, TextIO

_terminal: TextIO | None = None


def show_on(stream: TextIO | None) -> None:
    """Echo progress lines to ``stream`` (None: only to Dagster's log)."""
    global _terminal
    _terminal = stream


def report(context: Any, message: str) -> None:
    context.log.info(message)
    if _terminal is not None:
        print(f"  {message}", file=_terminal, flush=True)
