"""The pipeline a user would otherwise build: LangChain's splitter, embeddings and Chroma store.

Used only to measure against: RecursiveCharacterTextSplitter(1000, 200) + the same embedder
(the same packaged model) + `Chroma.from_documents` + `similarity_search`.
"""

from __future__ import annotations

from pathlib import Path

from langchain_core.documents import Document

NAIVE_CHUNK_SIZE, NAIVE_OVERLAP = 1000, 200


def naive_store(texts: dict[str, str], persist_dir: Path, embeddings):
    """A LangChain Chroma store over `texts` (name -> text), built the textbook way."""
    from langchain_chroma import Chroma
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=NAIVE_CHUNK_SIZE, chunk_overlap=NAIVE_OVERLAP)
    docs = splitter.split_documents([Document(page_content=t, metadata={"source": n}) for n, t in texts.items()])
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.PersistentClient(path=str(persist_dir), settings=ChromaSettings(anonymized_telemetry=False))
    return Chroma.from_documents(docs, embeddings, client=client, collection_name="naive")


def naive_search(store, query: str, k: int) -> list[str]:
    """Texts of the top-k chunks by plain similarity search."""
    return [d.page_content for d in store.similarity_search(query, k=k)]
