"""The local model's worker process for real: killed mid-answer, hung, orphaned.

The packaged SmolLM2 runs in a real `assistant.answer.backends.worker` child and receives real
signals. Before the worker existed, SIGSEGV ended the answering process itself (pytest here,
the app or the CLI for users), so every test below failed by crashing.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from assistant.answer.backends.worker import how_it_ended
from assistant.core.settings import REPO_ROOT
from tests.support import alive, original, running_app, workers_of

pytestmark = [pytest.mark.llm]

LONG = "Describe how NATO and the European Union cooperate on security."  # SmolLM2 writes on for a while
SHORT = "What is Berlin Plus?"
KILLS = [pytest.param(signal.SIGSEGV, id="SIGSEGV"), pytest.param(signal.SIGKILL, id="SIGKILL")]
GONE_WITHIN = 5.0  # seconds for an orphaned worker to notice and exit


def with_local(pipeline, **settings):
    """A copy of the session pipeline with its own local backend (its own worker)."""
    update = {"max_new_tokens": 256, "llm_temperature": 0.0} | settings
    copy = dataclasses.replace(pipeline, settings=pipeline.settings.model_copy(update=update), _backends={})
    copy.backend("local")
    return copy


@pytest.fixture(scope="module")
def long_local(pipeline):
    copy = with_local(pipeline)
    yield copy
    copy.backend("local").model.worker.stop()


def worker_of(pipeline):
    return pipeline.backend("local").model.worker


def assert_answered_by_the_model(pipeline, question: str = SHORT) -> None:
    """The model streams a draft again and its answer is not a failure notice."""
    *pieces, answer = pipeline.stream(question, backend="local")
    assert len(pieces) > 5, pieces
    assert not answer.notice.startswith("The local model failed"), answer.notice


@pytest.mark.parametrize("signum", KILLS)
def test_worker_killed_mid_answer_falls_back_and_the_next_question_gets_a_fresh_worker(long_local, signum):
    worker = worker_of(long_local)
    before, extractive = worker.pid, long_local.answer(LONG, backend="extractive")
    stream = long_local.stream(LONG, backend="local")
    first = next(stream)  # the model has started writing
    os.kill(worker.pid, signum)
    *_, answer = [first, *stream]
    assert isinstance(first, str) and first
    assert answer.notice.startswith("The local model failed (its process ") and how_it_ended(-signum) in answer.notice
    assert "a fresh one answers the next question" in answer.notice
    assert answer.backend == "extractive" and answer.answer == extractive.answer
    assert all(c.supported and original(c.source)[c.start : c.end] == c.text for c in answer.citations)
    assert_answered_by_the_model(long_local)
    assert worker.pid != before and worker.start_seconds < 60


def test_a_hung_worker_is_abandoned_after_the_timeout_and_replaced(pipeline):
    hung = with_local(pipeline, llm_timeout=15.0)  # above the first token's delay on a busy machine
    worker = worker_of(hung)
    try:
        stream = hung.stream(LONG, backend="local")
        first = next(stream)
        stuck = worker.pid
        os.kill(stuck, signal.SIGSTOP)  # alive, silent: what a deadlock inside llama.cpp looks like
        *_, answer = [first, *stream]
        assert "no complete answer within 15 s" in answer.notice and "a fresh one answers the next question" in answer.notice
        assert answer.backend == "extractive" and answer.citations
        assert not Path(f"/proc/{stuck}").exists()  # killed, not left stopped
        assert_answered_by_the_model(hung)
    finally:
        worker.stop()


@pytest.mark.parametrize("signum", KILLS)
def test_the_app_keeps_serving_everyone_while_the_worker_dies_mid_answer(pipeline, tmp_path, signum):
    """User A's answer falls back, user B (extractive, meanwhile) never notices, A's next answer is the model's."""
    from gradio_client import Client

    local = with_local(pipeline, backend="local", feedback_file=tmp_path / "feedback.jsonl")
    worker = worker_of(local)
    expected_a = local.answer(LONG, backend="extractive").answer
    expected_b = local.answer(SHORT, backend="extractive").answer
    try:
        with running_app(local, local.settings) as url:
            user_a, user_b = Client(url, verbose=False), Client(url, verbose=False)
            done, answers_b = threading.Event(), []

            def other_user() -> None:
                while not done.is_set() or not answers_b:
                    answers_b.append(user_b.predict(SHORT, [], 4, "extractive", None, api_name="/ask_json"))

            thread = threading.Thread(target=other_user)
            thread.start()
            job = user_a.submit(LONG, [], api_name="/ask")  # the app's backend is local: drafts stream
            deadline = time.monotonic() + 120
            while not job.outputs() and time.monotonic() < deadline and not job.done():
                time.sleep(0.02)
            assert job.outputs() and not job.done(), "no draft streamed before the answer ended"
            before = worker.pid
            os.kill(before, signum)
            final = job.result(timeout=120)
            done.set()
            thread.join(timeout=120)
            again = user_a.predict(SHORT, [], 4, "local", None, api_name="/ask_json")
            after = worker.pid
    finally:
        worker.stop()
    assert final == expected_a  # A got the extractive answer for the question the model was writing
    assert answers_b and all(b["answer"] == expected_b and b["backend"] == "extractive" for b in answers_b)
    assert not again["notice"].startswith("The local model failed") and after != before


# -- nothing outlives its owner -----------------------------------------------------------------


def wait_for(condition, limit: float) -> bool:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def cli(*args: str, db: Path, **popen) -> subprocess.Popen:
    env = os.environ | {"ASSISTANT_MAX_NEW_TOKENS": "256"}
    return subprocess.Popen([sys.executable, "-m", "assistant", "ask", *args, "--backend", "local", "--json", "--db", str(db)],
                            cwd=REPO_ROOT, env=env, text=True, **popen)


def test_a_batch_run_outlives_its_worker_and_leaves_nothing_running(corpus_index, tmp_path):
    batch = tmp_path / "questions.jsonl"
    batch.write_text("".join(json.dumps({"question": q}) + "\n" for q in [SHORT, LONG, "When was NATO established?"]), encoding="utf-8")
    run = cli("--batch", str(batch), db=corpus_index.db_dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        first = json.loads(run.stdout.readline())  # one answer written, the worker loaded
        killed = workers_of(run.pid)
        assert first["backend"] in ("local", "extractive") and len(killed) == 1
        os.kill(killed[0], signal.SIGSEGV)
        rest, errors = run.communicate(timeout=600)
    finally:
        run.kill()
    answers = [first] + [json.loads(line) for line in rest.splitlines()]
    assert run.returncode == 0, errors
    assert len(answers) == 3 and all("error" not in a and a["sentences"] for a in answers)
    assert "Traceback" not in errors
    assert not workers_of(run.pid)


def test_a_killed_cli_takes_its_worker_with_it(corpus_index):
    run = cli(LONG, db=corpus_index.db_dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for(lambda: workers_of(run.pid), 120), "the CLI started no worker"
        orphans = workers_of(run.pid)
        run.kill()  # no atexit runs: the worker must notice on its own
        run.wait()
        assert wait_for(lambda: not any(alive(pid) for pid in orphans), GONE_WITHIN)
    finally:
        run.kill()


def test_the_app_offers_the_local_model_once_its_worker_answered(pipeline, tmp_path):
    """Built while the probe still runs (a model set-up not probed before), the page lists it once loaded."""
    from playwright.sync_api import expect, sync_playwright

    from tests.support import CHROMIUM, CHROMIUM_ARGS

    settings = pipeline.settings.model_copy(update={"llm_context": 1024, "feedback_file": tmp_path / "feedback.jsonl"})
    with running_app(pipeline, settings) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(url)
            page.locator("#settings").get_by_text("Settings").click()
            expect(page.locator("#settings").get_by_label("Local model")).to_be_visible(timeout=120_000)
            expect(page.locator("#settings")).not_to_contain_text("still checking")
        finally:
            browser.close()
