"""Server mode on a real `chroma run` server: ingest into it, ask through it, add app instances.

The server is the installed chromadb's own CLI on 127.0.0.1 and a free port, with its data in
a temporary folder; it is stopped when the module's tests are done. Each "host" is a local
db_dir: the one that ingests keeps the manifest and the keyword index; another one starts
empty and rebuilds the keyword index from the server's documents.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from assistant.answer.pipeline import Pipeline
from assistant.core.settings import REPO_ROOT, load_settings
from assistant.index.chroma import chroma_client, open_index
from assistant.index.keyword import keyword_is_current
from ingest.run import ingest
from tests.support import free_port

pytestmark = [pytest.mark.server]

CORPUS = REPO_ROOT / "corpus"
QUESTION = "When was NATO established?"



def _wait_for_heartbeat(process: subprocess.Popen, port: int, patience: float = 120.0) -> None:
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"chroma run exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"chroma run did not answer on port {port} within {patience:.0f}s")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """(host, port) of a real Chroma server started for this module."""
    port = free_port()
    chroma = Path(sys.executable).parent / "chroma"
    data = tmp_path_factory.mktemp("chroma-server")
    process = subprocess.Popen([str(chroma), "run", "--path", str(data), "--port", str(port), "--host", "127.0.0.1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_heartbeat(process, port)
        yield "127.0.0.1", port
    finally:
        process.terminate()
        process.wait(timeout=30)


def _settings(server, db_dir: Path, collection: str = "articles"):
    return load_settings(db_dir=db_dir, chroma_host=server[0], chroma_port=server[1], collection=collection)


@pytest.fixture(scope="module")
def served(server, tmp_path_factory, embeddings):
    """The five articles ingested into the server from the ingesting host's db_dir."""
    settings = _settings(server, tmp_path_factory.mktemp("ingest-host") / "db")
    report = ingest([CORPUS], settings, embeddings=embeddings, progress=False)
    assert not report.failures and report.chunks > 100
    return settings


def test_chunks_live_on_the_server_and_the_keyword_index_beside_the_manifest(served):
    collection = chroma_client(served).get_collection(served.collection)
    assert collection.count() == sum(len(d["chunk_ids"]) for d in json.loads(served.manifest_path.read_text())["documents"].values())
    assert not list(served.db_dir.glob("*.sqlite3"))  # no embedded store was created
    assert keyword_is_current(collection, served.keyword_dir)


def test_pipeline_answers_through_the_server(served, embeddings):
    answer = Pipeline.load(served, embeddings=embeddings).answer(QUESTION)
    assert not answer.refused and "1949" in " ".join(c.text for c in answer.citations)


def test_a_second_instance_with_an_empty_folder_rebuilds_the_keyword_index(server, served, embeddings, tmp_path):
    other = _settings(server, tmp_path / "other-host")
    second = Pipeline.load(other, embeddings=embeddings)
    first = Pipeline.load(served, embeddings=embeddings)
    assert sorted(second.index.keyword.ids) == sorted(first.index.keyword.ids)
    assert second.index.keyword.build_id == first.index.keyword.build_id
    assert (other.keyword_dir / "ids.json").exists()  # saved for the next instance on that host
    assert second.answer(QUESTION).answer == first.answer(QUESTION).answer


def test_a_host_without_the_manifest_lists_documents_and_shows_cited_spans(server, served, embeddings, tmp_path):
    second = Pipeline.load(_settings(server, tmp_path / "viewer-host"), embeddings=embeddings)
    manifest = json.loads(served.manifest_path.read_text())["documents"]
    listed = second.index.documents()
    assert {s: e.title for s, e in listed.items()} == {s: e["title"] for s, e in manifest.items()}
    for c in second.answer(QUESTION).citations:  # rebuilt from chunks, offsets still exact
        assert second.index.document_text(c.source)[c.start : c.end] == c.text
    source = "corpus/nato-role-in-global-security.txt"
    assert second.index.ids_for([source]) == set(manifest[source]["chunk_ids"])  # filtering by document needs no manifest


def test_cli_asks_through_the_server(server, served, tmp_path):
    host, port = server
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", QUESTION, "--json", "--chroma-host", host, "--chroma-port", str(port), "--db", str(tmp_path / "cli-host")],
        capture_output=True, text=True, cwd=REPO_ROOT, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert not answer["refused"] and answer["citations"] and "1949" in answer["answer"]


def test_an_ingest_elsewhere_makes_other_copies_stale_and_they_rebuild(server, small_corpus, embeddings, tmp_path):
    writer = _settings(server, tmp_path / "writer", collection="edited")
    reader = _settings(server, tmp_path / "reader", collection="edited")
    ingest([small_corpus], writer, embeddings=embeddings, progress=False)
    before = set(open_index(reader, 384).keyword.ids)
    path = small_corpus / "nato-role-in-global-security.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("established in 1949", "established in 1950"), encoding="utf-8")
    report = ingest([small_corpus], writer, embeddings=embeddings, progress=False)
    collection = chroma_client(reader).get_collection("edited")
    assert report.embedded >= 1 and not keyword_is_current(collection, reader.keyword_dir)
    after = open_index(reader, 384).keyword
    assert set(after.ids) != before and after.top("established 1950", 1)[0][0] in set(after.ids) - before


def test_an_embedded_index_rebuilds_a_deleted_keyword_index_on_open(small_corpus, fresh_settings, embeddings):
    ingest([small_corpus], fresh_settings, embeddings=embeddings, progress=False)
    ids = set(open_index(fresh_settings, 384).keyword.ids)
    shutil.rmtree(fresh_settings.keyword_dir)
    assert set(open_index(fresh_settings, 384).keyword.ids) == ids

