"""Thumbs up/down on answers, kept in a JSONL file so they can become eval cases later.

One line per answer (`answer_id`), holding its latest state: `rating` is "up", "down" or
"withdrawn" (the thumb clicked again), `reason` what the user wrote after a thumbs-down, and
`timestamp` when that state was set. Then `question` and `history` in the shape of an eval
case, and what the assistant answered (`standalone_question`, `answer`, `refused`,
`citations`, `backend`). Each change rewrites the file atomically (a crash leaves the old
file or the new one) under a lock, so votes from several sessions never interleave.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock

from assistant.core.errors import AssistantError
from assistant.core.types import Answer

MAX_REASON_CHARS = 1000


def rating_of(liked: object) -> str | None:
    """Gradio's like value as a rating: True up, False down, "" or None withdrawn; None for anything else.

    >>> rating_of(True), rating_of(False), rating_of(""), rating_of("Spam")
    ('up', 'down', 'withdrawn', None)
    """
    if isinstance(liked, bool):
        return "up" if liked else "down"
    return "withdrawn" if liked in ("", None) else None


def feedback_record(answer: Answer, answer_id: str, rating: str, history: list[dict], reason: str = "", when: datetime | None = None) -> dict:
    """The JSON object stored for the latest vote on `answer`, asked after `history`."""
    when = when or datetime.now(UTC)
    return {
        "answer_id": answer_id,
        "timestamp": when.isoformat(timespec="seconds"),
        "rating": rating,
        "reason": reason.strip()[:MAX_REASON_CHARS] if rating == "down" else "",
        "question": answer.question,
        "history": list(history),
        "standalone_question": answer.standalone_question,
        "answer": answer.answer,
        "refused": answer.refused,
        "citations": [asdict(c) for c in answer.citations],
        "backend": answer.backend,
    }


def save_feedback(path: Path, record: dict) -> None:
    """Store `record` as the one line of its answer (replacing an earlier state, else appended)."""
    with _saving(path):
        records = [r for r in read_feedback(path) if r.get("answer_id") != record["answer_id"]]
        _write(path, [*records, record])


def save_reason(path: Path, answer_id: str, reason: str) -> bool:
    """Add the user's reason to the thumbs-down on `answer_id`; False when that answer is not down-voted."""
    with _saving(path):
        records = read_feedback(path)
        found = next((r for r in records if r.get("answer_id") == answer_id and r.get("rating") == "down"), None)
        if found is None:
            return False
        found["reason"] = reason.strip()[:MAX_REASON_CHARS]
        _write(path, records)
        return True


def read_feedback(path: Path) -> list[dict]:
    """Every stored record, in the order the answers were first rated (none when the file does not exist)."""
    if not path.exists():
        return []
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            records.append(json.loads(line)) if line.strip() else None
        except json.JSONDecodeError:
            raise AssistantError(f"the feedback file {path} is damaged at line {number}: repair or move it, then rate again") from None
    return records


@contextmanager
def _saving(path: Path) -> Iterator[None]:
    """Hold the file's lock; an unwritable place becomes an error naming the fix."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(path.with_name(path.name + ".lock")):  # the same lock library as the ingest lock
            yield
    except OSError as exc:
        raise AssistantError(f"cannot save feedback to {path} ({exc.strerror}); set ASSISTANT_FEEDBACK_FILE to a writable file") from None


def _write(path: Path, records: list[dict]) -> None:
    """Replace the file with `records`, one JSON line each: the old file or the new one, never half."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as out:
        out.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
