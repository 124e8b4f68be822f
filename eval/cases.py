"""The eval set: one JSON object a line (see `eval/questions.jsonl`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from assistant.core.errors import BadInputFile
from assistant.core.types import Message, validate_history

DEFAULT_SET = Path(__file__).resolve().parent / "questions.jsonl"


@dataclass(frozen=True)
class Case:
    """A question, the conversation before it, and what a right answer must show."""

    id: str
    kind: str  # factoid, paraphrase, multi-passage, follow-up, unanswerable, false-premise
    question: str
    history: list[Message]
    answerable: bool
    evidence: list  # verbatim quotes of the corpus that answer the question
    facts: list  # groups of acceptable strings; an answer holds a fact when it holds one of them
    reference_answer: str


def load_cases(path: Path = DEFAULT_SET) -> list[Case]:
    """Every case of the JSONL file at `path`; a bad line raises with its number."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputFile(f"cannot read the eval set {path}: {exc}") from None
    cases = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            case = Case(**json.loads(line))
        except (ValueError, TypeError) as exc:
            raise BadInputFile(f"{path}, line {number}: not an eval case ({exc}); see eval/questions.jsonl for the format") from None
        cases.append(replace(case, history=validate_history(case.history, where=f"{path}, line {number}")))
    if not cases:
        raise BadInputFile(f"the eval set {path} has no cases")
    return cases
