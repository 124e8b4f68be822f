"""The keyword side of the index: BM25 (bm25s) over the chunk texts, and how it stays in step.

The keyword index is derived from the Chroma collection: built by ingest from the
collection's documents and saved under a build id (a hash of the chunk ids, which derive
from content) that is also written into the collection's metadata. An app instance whose
saved copy is missing or carries another build id -- a second machine served by the same
Chroma server, or a copy older than the last ingest -- rebuilds it once from the
collection's documents and saves it for the next instance on that machine.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
from functools import lru_cache
from pathlib import Path

import numpy as np

from assistant.core.errors import IndexMissing

KEYWORD_FILES = ("params.index.json", "ids.json")
PAGE = 5000  # rows per Chroma read or write call (below its batch limit)


class KeywordIndex:
    """BM25 (bm25s, English stopwords, Snowball stemming) over the chunk texts, position -> chunk id."""

    def __init__(self, bm25, ids: list[str], build_id: str = ""):
        self.bm25, self.ids, self.build_id = bm25, ids, build_id
        self._vocabulary: tuple[str, ...] | None = None

    @classmethod
    def build(cls, ids: list[str], texts: list[str]) -> KeywordIndex:
        import bm25s

        tokens = bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer(), show_progress=False)
        bm25 = bm25s.BM25()
        bm25.index(tokens, show_progress=False)
        return cls(bm25, list(ids), build_id_of(ids))

    def save(self, folder: Path) -> None:
        """Write atomically enough for readers: files go to a sibling folder, then swap names."""
        staging = folder.with_name(folder.name + ".new")
        shutil.rmtree(staging, ignore_errors=True)
        self.bm25.save(str(staging))
        (staging / "ids.json").write_text(json.dumps(self.ids))
        (staging / "build.json").write_text(json.dumps({"build_id": self.build_id}))
        shutil.rmtree(folder, ignore_errors=True)
        staging.rename(folder)

    @classmethod
    def load(cls, folder: Path) -> KeywordIndex:
        import bm25s

        if not all((folder / name).exists() for name in KEYWORD_FILES):
            raise IndexMissing.at(str(folder))
        bm25 = bm25s.BM25.load(str(folder), mmap=True)
        return cls(bm25, json.loads((folder / "ids.json").read_text()), saved_build_id(folder) or "")

    def terms(self, text: str) -> list[str]:
        """The stemmed, stopword-free tokens BM25 sees in `text`."""
        return list(terms_of(text))

    def document_frequency(self, term: str) -> int:
        """How many chunks hold the stemmed `term`."""
        token = self.bm25.vocab_dict.get(term)
        indptr = self.bm25.scores["indptr"]
        return 0 if token is None else int(indptr[token + 1] - indptr[token])

    def vocabulary(self) -> tuple[str, ...]:
        """Every stemmed term some chunk holds."""
        if self._vocabulary is None:
            self._vocabulary = tuple(t for t in self.bm25.vocab_dict if t and self.document_frequency(t) > 0)
        return self._vocabulary

    def idf(self, term: str) -> float:
        """BM25's inverse document frequency of `term` (highest for terms no chunk has)."""
        df = self.document_frequency(term)
        n = len(self.ids)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def scores(self, query: str, allowed: set[str] | None = None) -> np.ndarray:
        """BM25 score of every chunk for `query` (zero where filtered out)."""
        known = [t for t in self.terms(query) if t in self.bm25.vocab_dict]
        if not known or not self.ids:
            return np.zeros(len(self.ids), dtype=np.float32)
        mask = None
        if allowed is not None:
            mask = np.array([chunk_id in allowed for chunk_id in self.ids], dtype=np.float32)
        return self.bm25.get_scores(known, weight_mask=mask)

    def top(self, query: str, k: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        """The `k` best (chunk id, score) pairs with a positive score, best first."""
        scores = self.scores(query, allowed)
        k = min(k, len(scores))
        if k == 0:
            return []
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best])]
        return [(self.ids[i], float(scores[i])) for i in best if scores[i] > 0]


def build_id_of(ids: list[str]) -> str:
    """Content-derived id of a keyword index: chunk ids derive from content, so equal sets index alike."""
    return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()[:16]


def saved_build_id(folder: Path) -> str | None:
    """Build id of the keyword index saved in `folder`: "" for one saved before build ids, None for none."""
    if not all((folder / name).exists() for name in KEYWORD_FILES):
        return None
    try:
        return json.loads((folder / "build.json").read_text())["build_id"]
    except (OSError, ValueError, KeyError):
        return ""


def keyword_is_current(collection, folder: Path) -> bool:
    """True when the keyword index in `folder` was built from the collection as it is now."""
    saved = saved_build_id(folder)
    return saved is not None and saved == (collection.metadata or {}).get("build_id", "")


def record_build(collection, build_id: str) -> None:
    """Write `build_id` into the collection's metadata (modify replaces it; the space is fixed at creation)."""
    kept = {k: v for k, v in (collection.metadata or {}).items() if not k.startswith("hnsw:")}
    collection.modify(metadata=kept | {"build_id": build_id})


def all_records(collection) -> tuple[list[str], list[str]]:
    """Every (id, document) in the collection, read page by page."""
    ids, texts = [], []
    for offset in range(0, collection.count(), PAGE):
        got = collection.get(include=["documents"], limit=PAGE, offset=offset)
        ids.extend(got["ids"])
        texts.extend(got["documents"])
    return ids, texts


def ensure_keyword_index(collection, folder: Path) -> KeywordIndex:
    """The saved keyword index when current, else one rebuilt from the collection's documents.

    Instances sharing `folder` rebuild once (a file lock); a read-only folder keeps it in memory.
    """
    from filelock import FileLock

    if keyword_is_current(collection, folder):
        try:
            return KeywordIndex.load(folder)
        except (OSError, ValueError):  # damaged files: rebuilt from the collection below
            shutil.rmtree(folder, ignore_errors=True)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(folder.parent / "keyword.lock", timeout=600):
            if keyword_is_current(collection, folder):  # another instance rebuilt it meanwhile
                return KeywordIndex.load(folder)
            keyword = _rebuild_from(collection)
            keyword.save(folder)
    except OSError:
        return _rebuild_from(collection)
    return KeywordIndex.load(folder)  # memory-mapped, like every other instance's copy


def _rebuild_from(collection) -> KeywordIndex:
    """BM25 over every chunk the collection holds, filed under the collection's build id."""
    keyword = KeywordIndex.build(*all_records(collection))
    keyword.build_id = (collection.metadata or {}).get("build_id", "")
    return keyword


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=50_000)
def terms_of(text: str) -> tuple[str, ...]:
    """Stemmed, stopword-free tokens of `text`, as BM25 indexes them."""
    import bm25s

    return tuple(bm25s.tokenize([text], stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False)[0])
