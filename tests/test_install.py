"""The package as a new user installs it: `pip install .` with no extras in a fresh virtual environment.

SLOW (several minutes): it installs every base dependency from pip's cache or the configured
package index, torch first and pinned exactly as the Makefile does (a looser torch pulls CUDA).
Then it ingests a small folder and answers a question, offline, from outside the checkout, so
only the installed package is imported. It fails when code imports something that only an
extra (or nothing) declares, as `langchain_huggingface` and `filelock` once were.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.core.settings import REPO_ROOT
from tests.support import CORPUS

PACKAGE_FILES = ("pyproject.toml", "README.md", "assistant", "ingest", "eval")
INSTALL_LIMIT = 1800  # seconds: a cold pip cache on a busy 2-core machine
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "runs", "*.egg-info")


def run(command: list, cwd: Path, limit: float = 600, check: bool = True) -> subprocess.CompletedProcess:
    """`command` without the project's own environment variables: nothing points back at the checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "PYTHON", "VIRTUAL_ENV"))}
    done = subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=limit)
    assert done.returncode == 0 or not check, f"{command}: {done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The python of a fresh venv holding `pip install .` (no extras) of a copy of this checkout."""
    root = tmp_path_factory.mktemp("install")
    source = root / "source"
    source.mkdir()
    for name in PACKAGE_FILES:
        if (REPO_ROOT / name).is_dir():
            shutil.copytree(REPO_ROOT / name, source / name, ignore=SKIP)
        else:
            shutil.copy(REPO_ROOT / name, source / name)
    run([sys.executable, "-m", "venv", root / "venv"], root)
    python = root / "venv" / "bin" / "python"
    run([python, "-m", "pip", "install", "-q", "torch==2.13.0"], root, INSTALL_LIMIT)
    run([python, "-m", "pip", "install", "-q", source], root, INSTALL_LIMIT)
    return python


@pytest.fixture(scope="module")
def db(installed, tmp_path_factory) -> Path:
    """An index of one article, built by the installed `python -m ingest`."""
    root = tmp_path_factory.mktemp("installed-index")
    (root / "docs").mkdir()
    shutil.copy(CORPUS / "nato-role-in-global-security.txt", root / "docs")
    ingested = run([installed, "-m", "ingest", root / "docs", "--db", root / "db"], root)
    assert "1 added" in ingested.stderr + ingested.stdout
    return root / "db"


@pytest.mark.slow
def test_pip_install_without_extras_ingests_and_answers_offline(installed, db, tmp_path):
    asked = run([installed, "-m", "assistant", "ask", "When was NATO established?", "--json", "--db", db], tmp_path)
    answer = json.loads(asked.stdout)
    assert "1949" in answer["answer"] and answer["citations"] and answer["backend"] == "extractive"
    assert "site-packages" in run([installed, "-c", "import assistant; print(assistant.__file__)"], tmp_path).stdout


@pytest.mark.slow
def test_without_the_llm_extra_the_local_backend_names_the_install_command(installed, db, tmp_path):
    asked = run([installed, "-m", "assistant", "ask", "When was NATO established?", "--backend", "local", "--db", db], tmp_path, check=False)
    assert asked.returncode == 2 and "Traceback" not in asked.stderr
    assert "llama-cpp-python is not installed" in asked.stderr and "pip install" in asked.stderr, asked.stderr
