"""The `openai` backend: any OpenAI-compatible chat endpoint through LangChain's `ChatOpenAI`.

OpenAI itself, or a local server: Ollama (`http://127.0.0.1:11434/v1`), vLLM, LM Studio,
llama.cpp's server or `python -m llama_cpp.server`. The base URL and key come from settings
(which also read the standard OPENAI_BASE_URL and OPENAI_API_KEY variables); the key is never shown.
"""

from __future__ import annotations

import importlib.util

from assistant.answer.backends.chat import ChatBackend
from assistant.core.errors import BackendUnavailable
from assistant.core.settings import Settings

OPENAI_HOST = "api.openai.com"
NO_KEY = "no-key"  # local servers ignore the key, but the client insists on one
INSTALL = "install it with `.venv/bin/pip install 'langchain-openai>=0.3'` (or `make install`)"


def base_url(settings: Settings) -> str | None:
    return settings.openai_base_url or None  # an empty value means none


def api_key(settings: Settings) -> str | None:
    key = settings.openai_api_key
    return (key.get_secret_value() if key else "") or None


def problem(settings: Settings) -> str | None:
    """Why the openai backend cannot run here, or None."""
    if importlib.util.find_spec("langchain_openai") is None:
        return f"langchain-openai is not installed: {INSTALL}"
    if not base_url(settings) and not api_key(settings):
        return "no endpoint configured: set OPENAI_BASE_URL (e.g. http://127.0.0.1:11434/v1 for Ollama) or OPENAI_API_KEY, or pass --openai-base-url"
    return None


def openai_backend(settings: Settings) -> ChatBackend:
    """The openai backend; nothing is sent until the first question."""
    reason = problem(settings)
    if reason:
        raise BackendUnavailable(reason)
    import httpx
    import openai
    from langchain_openai import ChatOpenAI

    url, key = base_url(settings), api_key(settings)
    # OpenAI wants max_completion_tokens (what ChatOpenAI sends); compatible servers want max_tokens.
    limit = {"max_tokens": settings.max_new_tokens} if OPENAI_HOST in (url or OPENAI_HOST) else {"extra_body": {"max_tokens": settings.max_new_tokens}}
    model = ChatOpenAI(
        model=settings.openai_model, base_url=url, api_key=key or NO_KEY, temperature=settings.llm_temperature,
        timeout=settings.llm_timeout, max_retries=0, seed=0, streaming=True, **limit,
    )
    failures = (openai.OpenAIError, httpx.HTTPError, ValueError, KeyError, TypeError)
    return ChatBackend("openai", model, settings.llm_timeout, failures, secrets=(key,) if key else (), where=url or OPENAI_HOST)
