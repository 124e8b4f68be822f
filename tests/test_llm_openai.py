"""The `openai` backend for real, against `python -m llama_cpp.server` serving the packaged model.

Faults: the server killed mid-answer (real server), and a server that is down, silent or
speaks garbage (plain sockets on 127.0.0.1): each gives a notice and the extractive answer.
"""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from pydantic import SecretStr

from assistant.answer.backends.local import model_file
from assistant.core.settings import REPO_ROOT, load_settings
from assistant.core.types import Answer
from tests.support import assert_checked, free_port

pytestmark = [pytest.mark.llm, pytest.mark.server]

KEY = "sk-test-0123456789abcdef"
SERVER_START_LIMIT = 180  # seconds to wait for the server to load (a busy 2-core machine is slow)



def start_server(log: Path) -> tuple[subprocess.Popen, str]:
    """`python -m llama_cpp.server` with the packaged SmolLM2 on a free local port, once it answers."""
    port = free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(model_file(load_settings())), "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096", "--seed", "0"]
    process = subprocess.Popen(command, stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + SERVER_START_LIMIT
    while time.monotonic() < deadline and process.poll() is None:
        try:
            urllib.request.urlopen(f"{url}/models", timeout=2).read()
            return process, url
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError(f"llama_cpp.server did not start: {log.read_text()[-2000:]}")


def stop(process: subprocess.Popen) -> None:
    process.kill()
    process.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    process, url = start_server(tmp_path_factory.mktemp("server") / "server.log")
    yield url
    stop(process)


def openai_pipeline(pipeline, url: str, **settings):
    """The session pipeline answering through the OpenAI-compatible endpoint at `url`."""
    update = {"openai_base_url": url, "max_new_tokens": 48, "llm_temperature": 0.0} | settings
    return dataclasses.replace(pipeline, settings=pipeline.settings.model_copy(update=update), _backends={})


def test_openai_backend_streams_from_a_real_server(pipeline, server):
    *pieces, answer = openai_pipeline(pipeline, server).stream("What did the Berlin Plus agreement allow the EU to do?", backend="openai")
    assert len(pieces) > 5 and all(isinstance(p, str) for p in pieces)
    assert isinstance(answer, Answer) and not answer.refused
    assert answer.backend == "openai" or answer.notice
    assert_checked(answer, pipeline.settings.support_threshold)


def test_server_killed_mid_answer_falls_back_with_a_notice(pipeline, tmp_path):
    process, url = start_server(tmp_path / "server.log")
    try:
        stream = openai_pipeline(pipeline, url, max_new_tokens=256).stream("Describe how NATO and the European Union cooperate on security.", backend="openai")
        first = next(stream)
        stop(process)  # the server dies while the answer is being written
        *_, answer = [first, *stream]
    finally:
        stop(process)
    assert isinstance(first, str) and first
    assert answer.notice.startswith("The openai model failed (") and url in answer.notice
    assert answer.backend == "extractive" and not answer.refused
    assert answer.citations and all(c.supported for c in answer.citations)


class _Garbage(BaseHTTPRequestHandler):
    """Answers every request with an event stream that is not JSON."""

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        body = b"data: {this is not json\n\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class _Unauthorised(_Garbage):
    """Refuses the key, quoting it back the way some APIs do."""

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        body = json.dumps({"error": {"message": f"Incorrect API key provided: {self.headers['Authorization'][7:]}"}}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def http_server():
    servers = []

    def serve(handler) -> str:
        server = HTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/v1"

    yield serve
    for server in servers:
        server.shutdown()


@pytest.fixture
def silent_server():
    """A port that accepts connections and never answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield f"http://127.0.0.1:{s.getsockname()[1]}/v1"


def ask_through(pipeline, url: str, **settings) -> Answer:
    return openai_pipeline(pipeline, url, **settings).answer("When was NATO established?", backend="openai")


def test_server_down_falls_back_with_a_notice(pipeline):
    answer = ask_through(pipeline, f"http://127.0.0.1:{free_port()}/v1")
    assert answer.notice.startswith("The openai model failed (") and "onnection" in answer.notice
    assert answer.backend == "extractive" and "1949" in answer.answer


def test_garbage_from_the_server_falls_back_with_a_notice(pipeline, http_server):
    answer = ask_through(pipeline, http_server(_Garbage))
    assert answer.notice.startswith("The openai model failed (") and "1949" in answer.answer


def test_silent_server_times_out_and_falls_back(pipeline, silent_server):
    answer = ask_through(pipeline, silent_server, llm_timeout=1.0)
    assert "timed out" in answer.notice and "1949" in answer.answer


def test_api_key_never_appears_in_notices_settings_or_json(pipeline, http_server):
    answer = ask_through(pipeline, http_server(_Unauthorised), openai_api_key=SecretStr(KEY))
    assert "401" in answer.notice and "1949" in answer.answer
    shown = answer.notice + json.dumps(answer.to_dict()) + load_settings(openai_api_key=KEY).describe() + repr(load_settings(openai_api_key=KEY))
    assert KEY not in shown and KEY[8:] not in shown


def test_cli_streams_an_openai_answer_to_the_terminal(corpus_index, server):
    run = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", "When was NATO established?", "--backend", "openai", "--openai-base-url", server, "--db", str(corpus_index.db_dir)],
        capture_output=True, text=True, cwd=REPO_ROOT, timeout=600, env=os.environ | {"ASSISTANT_MAX_NEW_TOKENS": "48"},
    )
    assert run.returncode == 0, run.stderr
    assert run.stderr.strip()  # the draft, streamed as it was written
    assert "Sources:" in run.stdout and "[1]" in run.stdout
