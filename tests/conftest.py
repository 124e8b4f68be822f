"""Shared fixtures: the real packaged embedder and a real Chroma index in a temporary folder."""

from __future__ import annotations

import shutil

import pytest

import assistant  # noqa: F401  (sets the offline environment first)
from assistant.core.settings import load_settings
from tests.support import CORPUS


@pytest.fixture(scope="session")
def embeddings():
    from assistant.index.embedder import get_embeddings

    return get_embeddings("all-MiniLM-L6-v2")


@pytest.fixture(scope="session")
def corpus_settings(tmp_path_factory):
    """Settings pointing at a session-wide index of the five articles."""
    return load_settings(db_dir=tmp_path_factory.mktemp("index") / "db")


@pytest.fixture(scope="session")
def corpus_index(corpus_settings, embeddings):
    from ingest.run import ingest

    report = ingest([CORPUS], corpus_settings, embeddings=embeddings, progress=False)
    assert not report.failures
    return corpus_settings


@pytest.fixture(scope="session")
def pipeline(corpus_index, embeddings):
    from assistant.answer.pipeline import Pipeline

    return Pipeline.load(corpus_index, embeddings=embeddings)


@pytest.fixture
def small_corpus(tmp_path):
    """A writable copy of two articles, to edit and re-ingest."""
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in ("nato-role-in-global-security.txt", "nato-relations-with-the-european-union.txt"):
        shutil.copy(CORPUS / name, folder / name)
    return folder


@pytest.fixture
def fresh_settings(tmp_path):
    return load_settings(db_dir=tmp_path / "db")


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium for one browser test module (`tests.support.chromium`)."""
    from tests.support import chromium

    with chromium() as browser:
        yield browser
