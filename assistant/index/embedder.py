"""The embedder the index and the answers share: one `Embedder` owns its model and its caches.

`get_embeddings(name)` is the one factory: a name becomes an `Embedder`, a LangChain `Embeddings`
over a sentence-transformers model loaded from local files only (a model shipped on PyPI, by short
name: all-MiniLM-L6-v2, the default, or the optional all-mpnet-base-v2; or a folder you name), so nothing is downloaded at run time. Any other LangChain `Embeddings` can be
wrapped (`Embedder.around`) to get the same caches, without sentence vectors.

`runtime` (setting `embedder_runtime`) picks what runs the model: `torch` (sentence-transformers),
`onnx` or `onnx-int8` (`OnnxEmbedder`: ONNX Runtime over a one-time export, no PyTorch at run time).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from cachetools import LRUCache
from langchain_core.embeddings import Embeddings

from assistant.core.errors import UnknownName
from assistant.index import packaged

# Short names of the models shipped on PyPI (assistant.index.packaged): the default, and the optional
# all-mpnet-base-v2, whose missing parts raise an error with the pip command that installs them.
PACKAGED = {"all-MiniLM-L6-v2": packaged.minilm, packaged.MPNET: packaged.mpnet}


def model_location(name: str) -> str:
    """Local folder of embedder `name`: a packaged model's short name or a sentence-transformers folder."""
    if name in PACKAGED:
        return PACKAGED[name]()
    if Path(name).is_dir():
        return str(Path(name).resolve())
    raise UnknownName.among("embedding model", name, [*PACKAGED, "<path to a local sentence-transformers folder>"])


# Vectors reused within a process: passage sentences recur across questions, and a question is
# embedded once for retrieval and again for ranking its evidence.
VECTOR_CACHE_SIZE, QUESTION_CACHE_SIZE = 20_000, 256


class Embedder(Embeddings):
    """Normalised sentence embeddings on the CPU, with the vector caches of this embedder.

    `model` is a sentence-transformers model (sentence vectors come from its own forward pass);
    `base` is any other LangChain `Embeddings` (then every sentence vector is None and sentences
    are embedded when a question needs them).
    """

    def __init__(self, model: Any = None, *, base: Embeddings | None = None, batch_size: int = 64) -> None:
        if (model is None) == (base is None):
            raise ValueError("an Embedder needs a sentence-transformers model or a LangChain Embeddings, not both")
        self.model, self.base, self.batch_size = model, base, batch_size
        self.runtime: str | None = "torch" if base is None else None  # None: a wrapped embedder, whatever the settings say
        self._vectors: LRUCache[str, np.ndarray] = LRUCache(VECTOR_CACHE_SIZE)
        self._questions: LRUCache[str, np.ndarray] = LRUCache(QUESTION_CACHE_SIZE)
        self._lock = threading.Lock()  # the app answers several sessions at once

    @classmethod
    def load(cls, name: str, batch_size: int = 64) -> Embedder:
        """The embedder `name` (see `model_location`), from local files."""
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # "Loading weights" bars are noise at every start
        return cls(SentenceTransformer(model_location(name), device="cpu", local_files_only=True), batch_size=batch_size)

    @classmethod
    def around(cls, embeddings: Embeddings) -> Embedder:
        """`embeddings` itself if it is an Embedder, else an Embedder with caches around it."""
        return embeddings if isinstance(embeddings, Embedder) else cls(base=embeddings)

    # -- LangChain Embeddings -------------------------------------------------------------------

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if self.base is not None:
            return self.base.embed_documents(texts)
        return self._encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        if self.base is not None:
            return self.base.embed_query(text)
        return self._encode([text])[0].tolist()

    def _encode(self, texts: list[str]) -> np.ndarray:
        # Newlines as spaces, as LangChain's HuggingFaceEmbeddings did: the same vectors as before.
        texts = [t.replace("\n", " ") for t in texts]
        return self.model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True)

    # -- what the index and the answers use ------------------------------------------------------

    @property
    def dimension(self) -> int:
        """Vector size (asks the model; a wrapped embedder is probed once)."""
        if self.model is not None:
            named = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension  # renamed in sentence-transformers 5
            return int(named())
        return len(self.question("dimension probe"))

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        """Normalised document vectors of `texts` (rows in order), each text embedded once per embedder."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        with self._lock:
            known = {t: self._vectors[t] for t in dict.fromkeys(texts) if t in self._vectors}
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            fresh = {t: np.asarray(v, dtype=np.float32) for t, v in zip(missing, self.embed_documents(missing))}
            known.update(fresh)
            with self._lock:
                self._vectors.update(fresh)
        return np.stack([known[t] for t in texts])

    def question(self, text: str) -> np.ndarray:
        """The query vector of `text`, embedded once for the retrieval and the ranking that follows."""
        with self._lock:
            vector = self._questions.get(text)
        if vector is None:
            vector = np.asarray(self.embed_query(text), dtype=np.float32)
            with self._lock:
                self._questions[text] = vector
        return vector

    def clear_caches(self, sentences: bool = True) -> None:
        """Forget the cached question vectors, and the sentence vectors unless `sentences` is False
        (the benchmark times each question from scratch and each round as a new process would)."""
        with self._lock:
            self._questions.clear()
            if sentences:
                self._vectors.clear()

    def with_sentences(self, texts: list[str], spans: list[list[tuple[int, int]]]) -> tuple[list[list[float]], list[list[np.ndarray | None]]]:
        """Vectors of `texts` and, from the same forward pass, of their sentences at `spans`.

        A sentence's vector is the mean of its tokens' vectors, normalised: the pooling the model
        applies to a whole text, applied to the sentence's tokens in context. The extractive
        answer ranks sentences with these, so a question embeds no passage sentence at all.
        A model that does not mean-pool (or a wrapped LangChain embedder) gets None for every
        sentence, and sentences are then embedded when a question needs them: a CLS-pooling model's
        text vector is its first token's, which no sentence span has, and the mean of a span's
        tokens is not a vector that model was trained to give.
        """
        none: list[list[np.ndarray | None]] = [[None] * len(s) for s in spans]
        if not texts or not self._mean_pooled():
            return self.embed_documents(texts), none
        texts = [t.replace("\n", " ") for t in texts]  # one character for one: offsets hold
        vectors: list[list[float]] = []
        sentences: list[list[np.ndarray | None]] = []
        for (vector, tokens, where), text_spans in zip(self._token_vectors(texts), spans):
            vectors.append(vector.tolist())
            if where is None:  # another tokenisation than the model's: do not guess
                sentences.append([None] * len(text_spans))
                continue
            sentences.append([_span_vector(tokens, where, start, end) for start, end in text_spans])
        return vectors, sentences

    def _mean_pooled(self) -> bool:
        return getattr(_pooling(self.model), "pooling_mode", None) == "mean"

    def _token_vectors(self, texts: list[str]) -> list[tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
        """Per text: its normalised vector, its tokens' vectors and their character offsets (None when
        the tokenizer's offsets do not line up with the model's tokens)."""
        model = self.model
        outputs = model.encode(texts, batch_size=self.batch_size, output_value=None, show_progress_bar=False)
        offsets = model.tokenizer(texts, return_offsets_mapping=True, truncation=True, max_length=model.max_seq_length)["offset_mapping"]
        found = []
        for out, where in zip(outputs, offsets):
            tokens = out["token_embeddings"].numpy()[out["attention_mask"].numpy().astype(bool)]
            found.append((_normalised(out["sentence_embedding"].numpy()), tokens, np.asarray(where) if len(tokens) == len(where) else None))
        return found


class OnnxEmbedder(Embedder):
    """The same embedder run by ONNX Runtime (`assistant.index.onnx_embedder`), fp32 or int8: no PyTorch
    once the model is exported. Mean- and CLS-pooling models; only mean pooling gives sentence vectors."""

    def __init__(self, model: Any, *, runtime: str, batch_size: int = 64) -> None:
        super().__init__(model, batch_size=batch_size)
        self.runtime = runtime

    @classmethod
    def load(cls, name: str, batch_size: int = 64, runtime: str = "onnx") -> OnnxEmbedder:
        from assistant.index.onnx_embedder import OnnxSentenceModel

        return cls(OnnxSentenceModel(Path(model_location(name)), PRECISION[runtime]), runtime=runtime, batch_size=batch_size)

    def _encode(self, texts: list[str]) -> np.ndarray:
        return self.model.encode([t.replace("\n", " ") for t in texts], self.batch_size)

    @property
    def dimension(self) -> int:
        return int(self.model.dimension)

    def _mean_pooled(self) -> bool:
        return self.model.pooling == "mean"  # else CLS: no sentence vectors, as with PyTorch

    def _token_vectors(self, texts: list[str]) -> list[tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
        from assistant.index.onnx_embedder import mean_pooled

        return [(mean_pooled(t.vectors), t.vectors, t.offsets) for t in self.model.tokens(texts, self.batch_size)]


# What runs the embedder, and the precision of the vectors each gives. torch and onnx give the same
# fp32 vectors (max abs difference ~1e-6, see tests/test_embedder_onnx.py), so an index built by one
# is read and extended by the other; int8 vectors differ (cosine ~0.99 to fp32) and never mix with them.
PRECISION = {"torch": "fp32", "onnx": "fp32", "onnx-int8": "int8"}
RUNTIMES = tuple(PRECISION)


def vector_precision(runtime: str) -> str:
    """`fp32` or `int8`: what an index built by embedder runtime `runtime` holds."""
    if runtime not in PRECISION:
        raise UnknownName.among("embedder runtime (embedder_runtime)", runtime, list(RUNTIMES))
    return PRECISION[runtime]


@lru_cache(maxsize=4)
def get_embeddings(name: str, batch_size: int = 64, runtime: str = "torch") -> Embedder:
    """The embedder `name` run by `runtime` (see RUNTIMES); one per process, since loading takes seconds."""
    vector_precision(runtime)  # an unknown runtime names the valid ones
    if runtime == "torch":
        return Embedder.load(name, batch_size)
    try:
        return OnnxEmbedder.load(name, batch_size, runtime)
    except ImportError as exc:
        raise UnknownName(f"embedder_runtime={runtime} needs {exc.name or 'onnxruntime'}: reinstall the project (`make install`: ONNX Runtime is one of its dependencies), or use embedder_runtime=torch") from None


def embedder_for(settings) -> Embedder:
    """The embedder `settings` name, run by their `embedder_runtime`."""
    return get_embeddings(settings.embedding_model, settings.embed_batch_size, settings.embedder_runtime)


def _pooling(model):
    try:
        return next((module for module in model if type(module).__name__ == "Pooling"), None)
    except TypeError:
        return None


def _span_vector(tokens: np.ndarray, offsets: np.ndarray, start: int, end: int) -> np.ndarray | None:
    """Mean of the vectors of the tokens wholly inside [start, end), normalised; None if none is."""
    inside = (offsets[:, 1] > offsets[:, 0]) & (offsets[:, 0] >= start) & (offsets[:, 1] <= end)
    if not inside.any():
        return None  # beyond the model's maximum length
    return _normalised(tokens[inside].mean(axis=0))


def _normalised(vectors: np.ndarray) -> np.ndarray:
    return (vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)).astype(np.float32)
