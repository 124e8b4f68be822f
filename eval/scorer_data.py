"""Training and calibration examples for the answer scorer, built from SQuAD v1.1 train.

Each question gives a labelled (question, sentence, context) triple per candidate:
- positive: the sentence of its paragraph that holds the first occurrence of the answer;
- negatives: the paragraph's other sentences (those holding no answer string), and the sentences
  of the article's other paragraphs that share most words with the question;
- hard unanswerables: the question with one name or number swapped for another of the same
  article, paired with the answer sentence (same words, one thing changed, no longer answered).

Articles are split by a seeded hash: most train the scorer, the rest (`held_out`) calibrate the
refusal threshold with the deleted-answer-sentence construction. SQuAD dev is never read here.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from assistant.core.errors import BadInputFile
from assistant.core.text import sentence_spans

_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset("a an the of in on at to for by with from and or is was were are be been what which who whom whose when where why how did do does that this it its as into than then".split())
# Names (capitalised runs, not the question's first word) and numbers, the things a swap changes.
_NAME = re.compile(r"(?<!^)(?<![.?!] )\b[A-Z][\w'’-]*(?:\s+(?:of\s+|the\s+)?[A-Z][\w'’-]*)*")
_NUMBER = re.compile(r"\b\d[\d,.]*\b")


@dataclass(frozen=True)
class Paragraph:
    pid: str
    title: str
    text: str
    sentences: tuple[str, ...]


@dataclass(frozen=True)
class Question:
    qid: str
    text: str
    answers: tuple[str, ...]
    paragraph: Paragraph
    answer_sentence: int  # index into paragraph.sentences


def context_of(paragraph: Paragraph, i: int) -> str:
    """What the scorer reads beside sentence i: the sentence before it, else the article title."""
    return paragraph.sentences[i - 1] if i > 0 else paragraph.title


def words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def held_out(title: str, share: float, seed: int) -> bool:
    """True for the articles kept out of training (a stable hash of the title and seed)."""
    digest = hashlib.sha256(f"{seed}:{title}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < share


def load(folder: Path) -> tuple[dict[str, list[Paragraph]], list[Question]]:
    """Paragraphs by article title, and every question whose answer lies inside one sentence."""
    if not (folder / "corpus.jsonl").exists() or not (folder / "queries.jsonl").exists():
        raise BadInputFile(f"no SQuAD training set at {folder}: pass --data with the folder of corpus.jsonl and queries.jsonl (squad-v1.1-train, never dev)")
    paragraphs: dict[str, Paragraph] = {}
    by_title: dict[str, list[Paragraph]] = defaultdict(list)
    for line in (folder / "corpus.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        text = row["text"]
        para = Paragraph(row["_id"], row["title"], text, tuple(text[s:e] for s, e in sentence_spans(text)))
        paragraphs[para.pid] = para
        by_title[para.title].append(para)
    questions = []
    for line in (folder / "queries.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        para = paragraphs[row["gold_doc"]]
        index = answer_sentence(para, row["answers"][0])
        if index is not None:
            questions.append(Question(row["_id"], row["text"], tuple(row["answers"]), para, index))
    return dict(by_title), questions


def answer_sentence(paragraph: Paragraph, answer: str) -> int | None:
    """Index of the sentence holding the answer's first occurrence; None if it spans a boundary."""
    at = paragraph.text.find(answer)
    offset = 0
    for i, sentence in enumerate(paragraph.sentences):
        offset = paragraph.text.find(sentence, offset)
        if offset <= at and at + len(answer) <= offset + len(sentence):
            return i
        offset += len(sentence)
    return None


def holds_answer(sentence: str, question: Question) -> bool:
    return any(a in sentence for a in question.answers)


def swapped(question: Question, article: list[Paragraph], rng: random.Random) -> str | None:
    """The question with one of its names or numbers (found in the answer sentence) replaced by
    another of the same kind from the article that the paragraph does not mention; None if none."""
    sentence = question.paragraph.sentences[question.answer_sentence]
    for pattern in (_NAME, _NUMBER) if rng.random() < 0.5 else (_NUMBER, _NAME):
        found = [m for m in pattern.finditer(question.text) if m.group(0) in sentence]
        if not found:
            continue
        target = rng.choice(found)
        lowercase = set(re.findall(r"\b[a-z]+\b", " ".join(p.text for p in article)))
        pool = sorted({m.group(0) for p in article for m in pattern.finditer(p.text) if _alike(m.group(0), target.group(0), lowercase)} - {m.group(0) for m in pattern.finditer(question.paragraph.text)})
        if pool:
            return question.text[: target.start()] + rng.choice(pool) + question.text[target.end() :]
    return None


def _alike(candidate: str, original: str, lowercase: set[str]) -> bool:
    """A plausible stand-in: a number of the same shape, or a name of as many words that is not an
    ordinary word capitalised at a sentence start ("If", "West": the article has them in lower case)."""
    if original[0].isdigit():
        return _DIGIT.sub("0", candidate) == _DIGIT.sub("0", original)
    return len(candidate) > 2 and len(candidate.split()) == len(original.split()) and candidate.split()[0].lower() not in lowercase


_DIGIT = re.compile(r"\d")


def nearest_sentences(question: Question, article: list[Paragraph], n: int) -> list[tuple[Paragraph, int]]:
    """The n sentences of the article's other paragraphs sharing most words with the question."""
    asked = words(question.text)
    scored = [(len(asked & words(s)), p.pid, i, p) for p in article if p.pid != question.paragraph.pid for i, s in enumerate(p.sentences) if not holds_answer(s, question)]
    scored.sort(key=lambda x: (-x[0], x[1], x[2]))
    return [(p, i) for _, _, i, p in scored[:n]]


def training_examples(question: Question, article: list[Paragraph], rng: random.Random, in_paragraph: int = 4, elsewhere: int = 2) -> list[tuple[str, str, str, float]]:
    """(question, sentence, context, label) rows for one question."""
    para, gold = question.paragraph, question.answer_sentence
    rows = [(question.text, para.sentences[gold], context_of(para, gold), 1.0)]
    others = [i for i, s in enumerate(para.sentences) if i != gold and not holds_answer(s, question)]
    for i in rng.sample(others, min(in_paragraph, len(others))):
        rows.append((question.text, para.sentences[i], context_of(para, i), 0.0))
    for p, i in nearest_sentences(question, article, elsewhere):
        rows.append((question.text, p.sentences[i], context_of(p, i), 0.0))
    changed = swapped(question, article, rng)
    if changed:
        rows.append((changed, para.sentences[gold], context_of(para, gold), 0.0))
    return rows


def calibration_cases(question: Question, article: list[Paragraph], rng: random.Random, neighbours: int = 6) -> list[tuple[str, list[tuple[str, str]], bool, str]]:
    """(question, candidates, answerable, kind) for one held-out question, as retrieval would see it:
    the gold paragraph's sentences plus the article's nearest others. Unanswerable versions: the answer
    sentence deleted (and any other holding an answer string), and the question with a swapped name/number."""
    para = question.paragraph
    near = [(p.sentences[i], context_of(p, i)) for p, i in nearest_sentences(question, article, neighbours)]
    whole = [(s, context_of(para, i)) for i, s in enumerate(para.sentences)] + near
    kept = [i for i, s in enumerate(para.sentences) if not holds_answer(s, question)]
    deleted = Paragraph(para.pid, para.title, para.text, tuple(para.sentences[i] for i in kept))
    without = [(s, context_of(deleted, i)) for i, s in enumerate(deleted.sentences)] + near
    cases = [(question.text, whole, True, "answerable"), (question.text, without, False, "deleted")]
    changed = swapped(question, article, rng)
    if changed:
        cases.append((changed, whole, False, "swapped"))
    return cases
