"""The local model's worker: llama.cpp's OpenAI-compatible server in a child process.

No llama.cpp code runs in the answering process, so a crash (SIGSEGV), a kill (SIGKILL, the
kernel's answer to running out of memory) or a hang in the model ends only the worker.
`ModelWorker` starts `python -m assistant.answer.backends.worker` on a loopback socket it bound
itself (no port race), waits until the model is loaded, says how the worker ended when it
did, and starts a fresh one for the next question. The app or CLI that started it stops it
at exit, and the worker exits by itself within a second of its parent's death, so not even
a SIGKILLed parent leaves it running.

`python -m assistant.answer.backends.worker --model FILE --fd N --parent PID` is the child side.
"""

from __future__ import annotations

import argparse
import atexit
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from assistant.core.errors import BackendUnavailable

LOOPBACK = "127.0.0.1"
START_LIMIT = 180.0  # seconds for a model to load on a busy 2-core machine
STOP_GRACE = 3.0  # seconds between SIGTERM and SIGKILL
REAP_WAIT = 1.0  # seconds a failed request waits for a dying worker to be reaped
WATCH_INTERVAL = 0.5  # seconds between the child's checks that its parent is alive
LOG_TAIL = 1500  # characters of the worker's log quoted when it fails to start
REBUILD = "llama-cpp-python may be built for another CPU: rebuild it portable with `rm .venv/.llama-* && make install`"
LOOPBACK_HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never through a proxy
CRASHES = {signal.SIGSEGV, signal.SIGBUS, signal.SIGILL, signal.SIGFPE, signal.SIGABRT}


def how_it_ended(returncode: int) -> str:
    """What a worker's exit status means, in words.

    >>> how_it_ended(-11)
    'crashed with signal 11, SIGSEGV'
    >>> how_it_ended(-9)
    'was killed with signal 9, SIGKILL: out of memory, or killed by someone'
    >>> how_it_ended(1)
    'exited with status 1'
    """
    if returncode >= 0:
        return f"exited with status {returncode}"
    number = -returncode
    try:
        name = signal.Signals(number).name
    except ValueError:
        name = "an unknown signal"
    if number == signal.SIGKILL:
        return f"was killed with signal {number}, {name}: out of memory, or killed by someone"
    return f"{'crashed' if number in CRASHES else 'was stopped'} with signal {number}, {name}"


class ModelWorker:
    """One supervised worker serving one GGUF model; `turn()` hands out its URL, one request at a time."""

    def __init__(self, model: Path, n_ctx: int = 4096, seed: int = 0, start_limit: float = START_LIMIT):
        self.model, self.n_ctx, self.seed, self.start_limit = Path(model), n_ctx, seed, start_limit
        self.url: str | None = None
        self.starts = 0
        self.start_seconds: float | None = None  # how long the last (re)start took, model load included
        self._process: subprocess.Popen | None = None
        self._log = None
        self._lock = threading.Lock()  # guards starting and stopping
        self._busy = threading.Lock()  # one generation at a time: a waiting request must not time out at the server
        self._closed = False
        atexit.register(self.stop)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @contextmanager
    def turn(self) -> Iterator[str]:
        """The URL of a running worker (started or restarted first when needed), held for one request."""
        with self._busy:
            yield self.ensure_running()

    def ensure_running(self) -> str:
        """The URL of a worker that has loaded the model; raises `BackendUnavailable` when it cannot."""
        with self._lock:
            if self._closed:
                raise BackendUnavailable("the local model was shut down: start the program again")
            if self._process is None or self._process.poll() is not None:
                self._start()
            return self.url

    def ended(self, wait: float = REAP_WAIT) -> str | None:
        """How the worker ended ("crashed with signal 11, SIGSEGV"), or None while it runs."""
        process = self._process
        if process is None:
            return None
        try:
            return how_it_ended(process.wait(timeout=wait))
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        """End a worker that cannot be trusted (it hung); the next turn starts a fresh one."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()

    def stop(self) -> None:
        """Stop the worker for good (also run at exit)."""
        self._closed = True
        if self._lock.acquire(timeout=STOP_GRACE):  # a start in progress ends within its load time
            try:
                self._end()
            finally:
                self._lock.release()
        elif self._process is not None:  # still loading: it goes now (and would exit with us anyway)
            self._process.kill()

    def _start(self) -> None:
        self._end()
        began = time.monotonic()
        self._log = tempfile.TemporaryFile()  # no name on disk: nothing to clean up, even after a SIGKILL
        with socket.create_server((LOOPBACK, 0)) as listener:  # bound here and inherited: no other program can take the port
            command = [sys.executable, "-m", "assistant.answer.backends.worker", "--model", str(self.model), "--n-ctx", str(self.n_ctx),
                       "--seed", str(self.seed), "--fd", str(listener.fileno()), "--parent", str(os.getpid())]
            self._process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
                                             pass_fds=[listener.fileno()], start_new_session=True,  # Ctrl-C reaches us, not the worker
                                             env=os.environ | {"PYTHONFAULTHANDLER": "1"})
            self.url = f"http://{LOOPBACK}:{listener.getsockname()[1]}/v1"
        self._wait_until_loaded()
        self.starts += 1
        self.start_seconds = time.monotonic() - began

    def _wait_until_loaded(self) -> None:
        """Return once the worker answers `/models` (it loads the model first); else raise why not."""
        deadline = time.monotonic() + self.start_limit
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise BackendUnavailable(self._load_failure(self._process.returncode))
            try:
                with LOOPBACK_HTTP.open(f"{self.url}/models", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self._end()
        raise BackendUnavailable(f"the local model did not load within {self.start_limit:g} s: try a smaller --model-path, or free memory and CPU")

    def _load_failure(self, returncode: int) -> str:
        """Why the worker died while loading the model, with the fix."""
        tail = self.log_tail()
        if returncode < 0:
            return f"the local model's process {how_it_ended(returncode)} while loading {self.model}: {REBUILD}"
        lines = [line for line in tail.splitlines() if line.strip() and not line.startswith((" ", "Traceback"))]
        if any("No module named" in line for line in lines):
            return f"the local model's server cannot start ({lines[-1]}): install it with `.venv/bin/pip install 'llama-cpp-python[server]==0.3.36'` (or `make install`)"
        return f"llama.cpp cannot load {self.model} ({lines[-1] if lines else how_it_ended(returncode)}): pass `--model-path` a valid .gguf file"

    def log_tail(self) -> str:
        """The end of the current worker's log (what it printed; faulthandler's trace after a crash)."""
        if self._log is None:
            return ""
        size = os.fstat(self._log.fileno()).st_size
        return os.pread(self._log.fileno(), LOG_TAIL, max(0, size - LOG_TAIL)).decode("utf-8", "replace")

    def _end(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=STOP_GRACE)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None


# -- the child side ------------------------------------------------------------------------------


def _exit_with_parent(parent: int) -> None:
    """Exit as soon as the process that started us is gone (we are re-parented when it dies)."""
    while os.getppid() == parent:
        time.sleep(WATCH_INTERVAL)
    os._exit(0)


def _forget_server_env(*settings_classes) -> None:
    """Drop environment variables that llama.cpp's server would read as its settings (HOST, PORT, API_KEY...)."""
    names = {"config_file"} | {name for cls in settings_classes for name in cls.model_fields}
    for key in [key for key in os.environ if key.lower() in names]:
        del os.environ[key]


def serve(argv: list[str] | None = None) -> None:
    """The worker: llama.cpp's server for `--model` on the inherited socket `--fd`, until `--parent` is gone."""
    parser = argparse.ArgumentParser(prog="python -m assistant.answer.backends.worker")
    parser.add_argument("--model", required=True)
    parser.add_argument("--n-ctx", type=int, default=4096)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fd", type=int, required=True, help="a listening socket inherited from the parent")
    parser.add_argument("--parent", type=int, required=True, help="exit when this process is gone")
    args = parser.parse_args(argv)
    import resource

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crash leaves no core file the size of the model behind
    threading.Thread(target=_exit_with_parent, args=(args.parent,), daemon=True).start()
    import uvicorn
    from llama_cpp.server.app import create_app
    from llama_cpp.server.settings import ModelSettings, ServerSettings

    _forget_server_env(ModelSettings, ServerSettings)
    listener = socket.socket(fileno=args.fd)
    server = ServerSettings(host=LOOPBACK, port=listener.getsockname()[1], interrupt_requests=False,
                            disable_ping_events=True)  # silence while it hangs, so the client's read timeout notices
    model = ModelSettings(model=args.model, n_ctx=args.n_ctx, seed=args.seed, verbose=False)
    app = create_app(server_settings=server, model_settings=[model])  # loads the model
    uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[listener])


if __name__ == "__main__":
    serve()
