"""The one settings object: environment names, their precedence, and keyword overrides."""

from __future__ import annotations

import pytest

from assistant.answer.backends.openai_api import api_key, base_url, problem
from assistant.core.settings import load_settings

OPENAI_VARIABLES = ("OPENAI_BASE_URL", "ASSISTANT_OPENAI_BASE_URL", "OPENAI_API_KEY", "ASSISTANT_OPENAI_API_KEY")


@pytest.fixture
def environment(monkeypatch):
    """Set environment variables for one test, with every OpenAI variable cleared first."""
    for name in OPENAI_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return lambda **variables: [monkeypatch.setenv(name, value) for name, value in variables.items()]


@pytest.mark.parametrize(
    "variables, overrides, expected",
    [
        ({}, {}, None),
        ({"OPENAI_BASE_URL": "http://standard/v1"}, {}, "http://standard/v1"),
        ({"ASSISTANT_OPENAI_BASE_URL": "http://ours/v1"}, {}, "http://ours/v1"),
        ({"OPENAI_BASE_URL": "http://standard/v1", "ASSISTANT_OPENAI_BASE_URL": "http://ours/v1"}, {}, "http://ours/v1"),
        ({"OPENAI_BASE_URL": "http://standard/v1", "ASSISTANT_OPENAI_BASE_URL": "http://ours/v1"}, {"openai_base_url": "http://flag/v1"}, "http://flag/v1"),
        ({"OPENAI_BASE_URL": "http://standard/v1"}, {"openai_base_url": None}, "http://standard/v1"),  # an unset flag changes nothing
    ],
)
def test_openai_base_url_precedence(environment, variables, overrides, expected):
    environment(**variables)
    settings = load_settings(**overrides)
    assert (settings.openai_base_url, base_url(settings)) == (expected, expected)


@pytest.mark.parametrize(
    "variables, overrides, expected",
    [
        ({}, {}, None),
        ({"OPENAI_API_KEY": "sk-standard"}, {}, "sk-standard"),
        ({"ASSISTANT_OPENAI_API_KEY": "sk-ours"}, {}, "sk-ours"),
        ({"OPENAI_API_KEY": "sk-standard", "ASSISTANT_OPENAI_API_KEY": "sk-ours"}, {}, "sk-ours"),
        ({"OPENAI_API_KEY": "sk-standard"}, {"openai_api_key": "sk-given"}, "sk-given"),
        ({"OPENAI_API_KEY": ""}, {}, None),  # an empty key is no key
    ],
)
def test_openai_api_key_precedence(environment, variables, overrides, expected):
    environment(**variables)
    assert api_key(load_settings(**overrides)) == expected


def test_the_effective_endpoint_is_shown_and_the_key_masked(environment):
    environment(OPENAI_BASE_URL="http://127.0.0.1:11434/v1", OPENAI_API_KEY="sk-secret-0123")
    shown = load_settings().describe()
    assert "openai_base_url = http://127.0.0.1:11434/v1" in shown
    assert "openai_api_key = ********" in shown and "sk-secret" not in shown


def test_the_standard_variables_alone_configure_the_openai_backend(environment):
    environment(OPENAI_API_KEY="sk-standard")
    assert "no endpoint configured" not in (problem(load_settings()) or "")
