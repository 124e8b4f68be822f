"""The independent corpus of the benchmark: SQuAD v1.1 dev in BEIR layout (see its README).

Each paragraph becomes one in-memory document named by its corpus id, titled by its article;
each question keeps the id of its gold paragraph, so a retrieved chunk is relevant exactly
when its `source` is that id.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from assistant.core.errors import BadInputFile
from assistant.core.settings import REPO_ROOT
from ingest.run import TextDocument

DEFAULT_DATA = REPO_ROOT.parent / "shared" / "datasets" / "squad-v1.1-dev"


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    answers: tuple[str, ...]
    gold: str


@dataclass(frozen=True)
class Squad:
    documents: list[TextDocument]
    questions: list[Question]


def load_squad(folder: Path = DEFAULT_DATA, paragraphs: int | None = None) -> Squad:
    """The corpus and its questions; `paragraphs` keeps the first n paragraphs and their questions
    (the file is ordered by article, so a subset is a few whole articles)."""
    if not (folder / "corpus.jsonl").exists():
        raise BadInputFile(f"no SQuAD corpus at {folder}: pass --data with the folder of corpus.jsonl and queries.jsonl")
    rows = [json.loads(line) for line in (folder / "corpus.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = rows[:paragraphs] if paragraphs else rows
    documents = [TextDocument(r["_id"], r["text"], r["title"]) for r in rows]
    kept = {d.source for d in documents}
    questions = []
    for line in (folder / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            q = json.loads(line)
            if q["gold_doc"] in kept:
                questions.append(Question(q["_id"], q["text"], tuple(q["answers"]), q["gold_doc"]))
    return Squad(documents, questions)


def sample(questions: list[Question], n: int, seed: int = 0) -> list[Question]:
    """`n` questions drawn without replacement, the same ones for the same seed."""
    return random.Random(seed).sample(questions, min(n, len(questions)))
