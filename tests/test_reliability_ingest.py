"""Ingest loses nothing and corrupts nothing: killed midway, run twice at once, fed bad files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from filelock import FileLock, Timeout

from assistant.core.settings import REPO_ROOT, load_settings
from assistant.index.chroma import chroma_client
from assistant.index.keyword import KeywordIndex
from ingest.run import ingest
from tests.support import CORPUS


def _state(settings) -> tuple[set[str], list[str], set[str]]:
    """(Chroma ids, Chroma ids with repeats, ids in the keyword index)."""
    got = chroma_client(settings).get_collection(settings.collection).get(include=[])
    return set(got["ids"]), list(got["ids"]), set(KeywordIndex.load(settings.keyword_dir).ids)


def _ingest_cli(db, *extra) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "ingest", str(CORPUS), "--db", str(db), "--quiet", *extra], cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory, embeddings):
    settings = load_settings(db_dir=tmp_path_factory.mktemp("clean") / "db")
    ingest([CORPUS], settings, embeddings=embeddings, progress=False)
    return _state(settings)


@pytest.mark.parametrize("kill_after", [2.0, 6.0, 9.0, 13.0])
def test_sigkill_at_any_point_then_rerun_equals_a_clean_run(tmp_path, clean_run, kill_after):
    db = tmp_path / "db"
    process = _ingest_cli(db)
    time.sleep(kill_after)
    process.send_signal(signal.SIGKILL)
    process.wait()
    rerun = subprocess.run([sys.executable, "-m", "ingest", str(CORPUS), "--db", str(db), "--quiet"], cwd=REPO_ROOT, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    ids, with_repeats, keyword_ids = _state(load_settings(db_dir=db))
    assert ids == clean_run[0]  # same chunk ids, no orphans
    assert len(with_repeats) == len(ids)  # no duplicates
    assert keyword_ids == ids  # keyword index agrees with Chroma
    manifest = json.loads((db / "manifest.json").read_text())
    assert {i for d in manifest["documents"].values() for i in d["chunk_ids"]} == ids


def test_second_concurrent_ingest_is_refused_with_a_clear_message(tmp_path):
    db = tmp_path / "db"
    db.mkdir()
    first = _ingest_cli(db)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # wait until the first run holds the lock
            try:
                with FileLock(db / "ingest.lock", timeout=0):
                    pass
            except Timeout:
                break
            time.sleep(0.05)
        second = subprocess.run([sys.executable, "-m", "ingest", str(CORPUS), "--db", str(db), "--quiet"], cwd=REPO_ROOT, capture_output=True, text=True)
        assert second.returncode == 2
        assert "another ingest is writing" in second.stderr and "Traceback" not in second.stderr
    finally:
        first.wait(timeout=600)
    assert first.returncode == 0
    settings = load_settings(db_dir=db)
    ids, with_repeats, keyword_ids = _state(settings)
    assert len(ids) == len(with_repeats) == len(keyword_ids) > 0


def _encrypted_pdf(path):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt("secret")
    with open(path, "wb") as handle:
        writer.write(handle)


def test_every_kind_of_bad_file_is_reported_while_the_rest_ingests(tmp_path, embeddings):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "good.txt").write_text("Allied jets patrol Baltic airspace every day.", encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (folder / "latin1.txt").write_bytes("Sécurité européenne.".encode("latin-1"))
    (folder / "huge.txt").write_bytes(b"NATO. " * 9_000_000)  # 54 MB, refused before it is read
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n garbage")
    _encrypted_pdf(folder / "locked.pdf")
    os.symlink(folder / "loop-b.txt", folder / "loop-a.txt")
    os.symlink(folder / "loop-a.txt", folder / "loop-b.txt")
    outside = tmp_path / "secret.txt"
    outside.write_text("Outside the chosen folder.", encoding="utf-8")
    os.symlink(outside, folder / "escape.txt")
    os.symlink(folder, folder / "self")  # a folder loop is not followed
    settings = load_settings(db_dir=tmp_path / "db")
    report = ingest([folder], settings, embeddings=embeddings, progress=False)
    reasons = {f.source.split("/")[-1]: f.reason for f in report.failures}
    assert report.added == ["docs/good.txt"]
    assert set(reasons) == {"empty.txt", "binary.txt", "latin1.txt", "huge.txt", "broken.pdf", "locked.pdf", "loop-a.txt", "loop-b.txt", "escape.txt"}
    assert "empty" in reasons["empty.txt"] and "binary" in reasons["binary.txt"]
    assert "UTF-8" in reasons["latin1.txt"] and "MB limit" in reasons["huge.txt"]
    assert "encrypted" in reasons["locked.pdf"] and "PDF" in reasons["broken.pdf"]
    assert "symlink" in reasons["loop-a.txt"] and "outside" in reasons["escape.txt"]


def test_the_corpus_is_never_modified(tmp_path, embeddings):
    before = {p.name: p.read_bytes() for p in CORPUS.iterdir()}
    ingest([CORPUS], load_settings(db_dir=tmp_path / "db"), embeddings=embeddings, progress=False)
    assert {p.name: p.read_bytes() for p in CORPUS.iterdir()} == before
