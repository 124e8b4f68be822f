"""Markdown tables for the reports, the check, the sweep and the benchmark.

>>> fmt(0.80899), fmt(None), fmt(3)
('0.809', '—', '3')
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def fmt(value) -> str:
    """A table cell: floats to three decimals, missing values as a dash."""
    if value is None:
        return "—"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def table(header: list[str], rows: list[list], cell: Callable[[Any], str] = fmt) -> str:
    """A Markdown table, each cell written by `cell`.

    >>> print(table(["a", "b"], [[0.5, None]]))
    | a | b |
    | --- | --- |
    | 0.500 | — |
    """
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows])


def ms(value: float | None) -> str | None:
    """Milliseconds as shown: whole numbers, one decimal below 10."""
    return None if value is None else f"{value:.1f}" if value < 10 else f"{value:.0f}"
