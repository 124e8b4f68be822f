"""Index problems give a message that names the fix, or repair themselves; never a traceback."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from assistant.core.settings import REPO_ROOT


@pytest.fixture
def index_copy(corpus_index, tmp_path):
    target = tmp_path / "db"
    shutil.copytree(corpus_index.db_dir, target)
    return target


def _ask(db) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant", "ask", "When was NATO established?", "--db", str(db)], capture_output=True, text=True, cwd=REPO_ROOT, timeout=300)


def test_corrupted_chroma_folder_names_the_fix(index_copy):
    (index_copy / "chroma.sqlite3").write_bytes(b"this is not a database" * 100)
    run = _ask(index_copy)
    assert run.returncode == 2
    assert "cannot be opened" in run.stderr and "python -m ingest" in run.stderr and "Traceback" not in run.stderr


@pytest.mark.parametrize("damage", ["delete", "garble"])
def test_missing_or_damaged_keyword_index_is_rebuilt_from_chroma(index_copy, damage):
    keyword = index_copy / "keyword"
    if damage == "delete":
        shutil.rmtree(keyword)
    else:
        (keyword / "ids.json").write_text("{not json")
    run = _ask(index_copy)
    assert run.returncode == 0, run.stderr
    assert "1949" in run.stdout


@pytest.mark.parametrize("content", ["{not json", '{"documents": {"a.txt": {"chunk_ids": "not a list"}}}'])
def test_a_damaged_manifest_names_the_fix(index_copy, content):
    (index_copy / "manifest.json").write_text(content)
    run = subprocess.run([sys.executable, "-m", "ingest", str(REPO_ROOT / "corpus"), "--db", str(index_copy)], capture_output=True, text=True, cwd=REPO_ROOT, timeout=300)
    assert run.returncode != 0 and "manifest" in run.stderr and "--reset" in run.stderr and "Traceback" not in run.stderr
