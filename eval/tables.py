"""Markdown tables for the reports, the check and the sweep.

>>> fmt(0.80899), fmt(None), fmt(3)
('0.809', '—', '3')
"""

from __future__ import annotations


def fmt(value) -> str:
    """A table cell: floats to three decimals, missing values as a dash."""
    if value is None:
        return "—"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def table(header: list[str], rows: list[list]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(fmt(c) for c in row) + " |" for row in rows])


def ms(value: float | None) -> str | None:
    """Milliseconds as shown: whole numbers, one decimal below 10."""
    return None if value is None else f"{value:.1f}" if value < 10 else f"{value:.0f}"
