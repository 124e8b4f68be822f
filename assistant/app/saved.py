"""The conversation as JSON, for the copy the browser keeps across reloads (`gr.BrowserState`).

Nothing here touches the server's disk: `to_json` turns the turns into plain data the page
stores in its localStorage, `from_json` turns what the page sends back into turns again, e.g.
`from_json(to_json([Turn("What is NATO?", answer=...)]))` gives the same turn (passages without
their sentence vectors, which only verification needs). Anything unreadable, say a copy saved
by an older version, gives an empty conversation rather than an error.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, fields, replace

from assistant.app.confidence import Confidence
from assistant.app.conversation import Turn
from assistant.app.refusal import Refusal
from assistant.core.types import Answer, Chunk, Citation, Passage, Sentence

VERSION = 1  # bump when the layout below changes: older copies are then dropped, not misread
log = logging.getLogger(__name__)


def to_json(turns: Sequence[Turn]) -> dict:
    """The turns as JSON-ready data."""
    return {"version": VERSION, "turns": [_turn(turn) for turn in turns]}


def from_json(data: object) -> list[Turn]:
    """Turns from `to_json`'s data; an answer cut off by the reload comes back marked stopped."""
    if not isinstance(data, dict) or data.get("version") != VERSION:
        return []
    try:
        turns = [_read_turn(item) for item in data["turns"]]
    except (KeyError, TypeError, ValueError, AttributeError):
        log.warning("the conversation kept in the browser could not be read; starting a new one")
        return []
    return [replace(t, stopped=True) if t.answer is None and not t.problem and t.draft is not None else t for t in turns]


def _turn(turn: Turn) -> dict:
    data = {f.name: getattr(turn, f.name) for f in fields(turn)}
    data["answer"] = _answer(turn.answer) if turn.answer is not None else None
    data["confidence"] = asdict(turn.confidence) if turn.confidence is not None else None
    data["why"] = _refusal(turn.why) if turn.why is not None else None
    return data


def _answer(answer: Answer) -> dict:
    data = {f.name: getattr(answer, f.name) for f in fields(answer)}
    data["citations"] = [asdict(c) for c in answer.citations]
    data["passages"] = [_passage(p) for p in answer.passages]
    data["sentences"] = [asdict(s) for s in answer.sentences]
    return data


def _passage(passage: Passage) -> dict:
    return {"chunk": asdict(passage.chunk), "score": passage.score, "similarity": passage.similarity}


def _refusal(why: Refusal) -> dict:
    return asdict(why) | {"closest": [_passage(p) for p in why.closest]}


def _read_turn(data: dict) -> Turn:
    answer, confidence, why = data.pop("answer"), data.pop("confidence"), data.pop("why")
    return Turn(**data, answer=_read_answer(answer) if answer else None, confidence=Confidence(**confidence) if confidence else None,
                why=_read_refusal(why) if why else None)


def _read_answer(data: dict) -> Answer:
    return Answer(**data | {"citations": tuple(Citation(**c) for c in data["citations"]), "passages": tuple(_read_passage(p) for p in data["passages"]),
                            "sentences": tuple(Sentence(**s | {"citations": tuple(s["citations"])}) for s in data["sentences"])})


def _read_passage(data: dict) -> Passage:
    return Passage(Chunk(**data["chunk"]), data["score"], data["similarity"])


def _read_refusal(data: dict) -> Refusal:
    return Refusal(**data | {key: tuple(data[key]) for key in ("searched", "titles")} | {"closest": tuple(_read_passage(p) for p in data["closest"])})
