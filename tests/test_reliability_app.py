"""The app under load and exposure: many sessions, a login, and a warning before going public."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from assistant.app.ui import credentials, exposure_warning
from assistant.core.settings import REPO_ROOT, load_settings
from eval.metrics import percentile
from tests.support import free_port, running_app

LOAD_SESSIONS, LOAD_SECONDS, LOAD_MIN_QUESTIONS = 20, 120, 1000
QUESTIONS = [
    "When was NATO established?",
    "What is Berlin Plus?",
    "What does the Partnership for Peace program do?",
    "When was Article 5 invoked for the first time?",
    "How many troops took part in the Steadfast Defender exercise?",
    "What is the Enhanced Forward Presence?",
]


@pytest.mark.parametrize(
    "host, auth, warns",
    [
        ("127.0.0.1", None, False),
        ("localhost", None, False),
        ("127.0.0.5", None, False),
        ("0.0.0.0", None, True),
        ("192.0.2.10", None, True),
        ("0.0.0.0", ("team", "s3cret"), False),
    ],
)
def test_exposure_warning(host, auth, warns):
    warning = exposure_warning(host, auth)
    assert (warning is not None) == warns
    if warning:
        assert "ASSISTANT_AUTH_USERNAME" in warning and "127.0.0.1" in warning


def test_defaults_bind_loopback_and_need_both_credentials():
    settings = load_settings()
    assert settings.host == "127.0.0.1"
    assert credentials(load_settings(auth_username="team")) is None
    assert credentials(load_settings(auth_username="team", auth_password="s3cret")) == ("team", "s3cret")
    assert "s3cret" not in load_settings(auth_password="s3cret").describe()


def test_password_protects_the_app(pipeline, corpus_index):
    from gradio_client import Client

    from assistant.app.ui import build_app, launch

    app = build_app(pipeline, corpus_index)
    url = launch(app, "127.0.0.1", free_port(), block=False, auth=("team", "s3cret"))
    try:
        with pytest.raises(Exception):  # noqa: B017  (gradio_client's error type for a refused login differs across versions)
            Client(url, verbose=False).predict("When was NATO established?", api_name="/ask")
        with pytest.raises(Exception):  # noqa: B017  (as above)
            Client(url, auth=("team", "wrong"), verbose=False)
        answer = Client(url, auth=("team", "s3cret"), verbose=False).predict("When was NATO established?", api_name="/ask")
        assert "1949" in answer
    finally:
        app.close()


def test_binding_beyond_loopback_without_password_warns(corpus_index):
    port = free_port()
    env = os.environ | {"ASSISTANT_DB_DIR": str(corpus_index.db_dir)}
    process = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--host", "0.0.0.0", "--port", str(port)], cwd=REPO_ROOT, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        lines = []
        for line in process.stderr:
            lines.append(line)
            if "serving on" in line:
                break
        assert any("without authentication" in line for line in lines), lines
    finally:
        process.kill()
        process.wait()


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def _wait_until_serving(url: str, process: subprocess.Popen) -> None:
    import httpx

    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.5)
    raise RuntimeError(f"the app did not start (exit {process.poll()})")


@pytest.mark.slow
def test_twenty_concurrent_sessions_for_two_minutes(corpus_index, pipeline, capsys):
    """20 gradio_client sessions against one app: no errors, same answers, flat memory."""
    from gradio_client import Client

    expected = {q: pipeline.answer(q).answer for q in QUESTIONS}
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    env = os.environ | {"ASSISTANT_DB_DIR": str(corpus_index.db_dir)}
    app = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", str(port)], cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_until_serving(url, app)
        latencies, errors, wrong, memory = [], [], [], []
        lock = threading.Lock()
        started = time.monotonic()

        def session(number: int) -> None:
            client = Client(url, verbose=False)
            i = number
            while time.monotonic() - started < LOAD_SECONDS or len(latencies) < LOAD_MIN_QUESTIONS:
                if time.monotonic() - started > 3 * LOAD_SECONDS:
                    return
                question = QUESTIONS[i % len(QUESTIONS)]
                i += 1
                began = time.monotonic()
                try:
                    answer = client.predict(question, api_name="/ask")
                except Exception as exc:  # recorded, asserted below
                    with lock:
                        errors.append(repr(exc))
                    continue
                with lock:
                    latencies.append((time.monotonic() - began) * 1000)
                    if answer != expected[question]:
                        wrong.append((question, answer[:80]))
                    if len(latencies) in (100, LOAD_MIN_QUESTIONS):
                        memory.append(_rss_mb(app.pid))

        threads = [threading.Thread(target=session, args=(n,)) for n in range(LOAD_SESSIONS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        memory.append(_rss_mb(app.pid))
    finally:
        app.kill()
        app.wait()
    with capsys.disabled():
        print(f"\nload: {len(latencies)} answers in {time.monotonic() - started:.0f}s by {LOAD_SESSIONS} sessions; "
              f"p50 {percentile(latencies, 50):.0f} ms, p95 {percentile(latencies, 95):.0f} ms; RSS MB at 100/1000/end: {[round(m) for m in memory]}")
    assert not errors and not wrong
    assert len(latencies) >= LOAD_MIN_QUESTIONS
    assert memory[-1] <= memory[0] * 1.10 + 25  # flat: at most 10% (+25 MB allocator slack) over the warm app


@pytest.mark.parametrize("source", ["../../etc/passwd", "/etc/passwd", "corpus/../../../etc/hostname"])
def test_no_api_parameter_reaches_files_outside_the_index(pipeline, corpus_index, source):
    from gradio_client import Client

    with running_app(pipeline, corpus_index) as url:
        client = Client(url, verbose=False)
        answer = client.predict("What is in this file?", [], 4, "extractive", [source], api_name="/ask_json")
        assert answer["refused"] and not answer["passages"] and not answer["citations"]
        found = client.predict(source, "keyword", 8, api_name="/lookup")
        assert all(hit["source"].startswith("corpus/") for hit in found)
