"""An embedder wrapper that counts what is embedded (the real embedder does the work)."""

from __future__ import annotations


class CountingEmbeddings:
    def __init__(self, embeddings):
        self.embeddings, self.calls, self.texts = embeddings, 0, []

    def embed_documents(self, texts):
        self.calls += 1
        self.texts += list(texts)
        return self.embeddings.embed_documents(texts)

    def embed_query(self, text):
        self.calls += 1
        self.texts.append(text)
        return self.embeddings.embed_query(text)
