"""A conversation and its sources as Markdown, for the app's export button.

Document text is quoted with `&` and `<` escaped, so a Markdown viewer shows a source's HTML
as text instead of rendering it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from assistant.core.types import Answer


def conversation_markdown(answers: Sequence[Answer], when: datetime | None = None) -> str:
    """Each question, the answer with its `[n]` markers, and the numbered sources it cites."""
    when = when or datetime.now(UTC)
    lines = ["# Conversation with the document assistant", "", f"Exported {when:%Y-%m-%d %H:%M} UTC.", ""]
    for number, answer in enumerate(answers, start=1):
        lines += _turn(number, answer)
    return "\n".join(lines).rstrip() + "\n"


def _turn(number: int, answer: Answer) -> list[str]:
    lines = [f"## {number}. {_text(answer.question)}", ""]
    if answer.standalone_question != answer.question:
        lines += [f"*Searched for:* {_text(answer.standalone_question)}", ""]
    lines += [_text(answer.answer), ""]
    if answer.citations:
        lines += ["**Sources**", ""]
        for c in answer.citations:
            flag = " ⚠ failed verification" if c.supported is False else ""
            lines.append(f"{c.id}. *{_text(c.title)}* › {_text(c.section)} — `{c.source}`, characters {c.start}–{c.end}{flag}")
            lines.append(f"   > {_text(c.text)}")
            if c.notice:
                lines.append(f"   > *{_text(c.notice)}*")
        lines.append("")
    elif answer.passages:
        lines += ["**Closest passages**", ""]
        lines += [f"- *{_text(p.chunk.title)}* — `{p.chunk.source}`, characters {p.chunk.start}–{p.chunk.end}" for p in answer.passages]
        lines.append("")
    return lines


def _text(text: str) -> str:
    return " ".join(text.split()).replace("&", "&amp;").replace("<", "&lt;")
