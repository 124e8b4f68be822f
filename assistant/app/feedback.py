"""Thumbs up/down on answers, appended to a JSONL file so they can become eval cases later.

One line per vote: `timestamp`, `rating` ("up" or "down"), then `question` and `history`
in the shape of an eval case, and what the assistant answered (`standalone_question`,
`answer`, `refused`, `citations`, `backend`).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from assistant.core.errors import AssistantError
from assistant.core.types import Answer


def feedback_record(answer: Answer, liked: bool, history: list[dict], when: datetime | None = None) -> dict:
    """The JSON object stored for one vote on `answer`, asked after `history`."""
    when = when or datetime.now(UTC)
    return {
        "timestamp": when.isoformat(timespec="seconds"),
        "rating": "up" if liked else "down",
        "question": answer.question,
        "history": list(history),
        "standalone_question": answer.standalone_question,
        "answer": answer.answer,
        "refused": answer.refused,
        "citations": [asdict(c) for c in answer.citations],
        "backend": answer.backend,
    }


def append_feedback(path: Path, record: dict) -> None:
    """Append one record as a JSON line (one `write` call, so concurrent votes do not interleave)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise AssistantError(f"cannot save feedback to {path} ({exc.strerror}); set ASSISTANT_FEEDBACK_FILE to a writable file") from None


def read_feedback(path: Path) -> list[dict]:
    """Every stored vote, oldest first (none when the file does not exist)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
