"""Helpers for the UI tests: serve the real app in this process on a free local port."""

from __future__ import annotations

import socket
from contextlib import contextmanager
from typing import Iterator

from assistant.core.settings import Settings


def free_port() -> int:
    """A port nobody listens on right now (the OS picks it when binding port 0)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_app(pipeline, settings: Settings) -> Iterator[str]:
    """The app of `ui.build_app`, launched as `python -m assistant serve` does; yields its URL."""
    from assistant.app.ui import build_app, launch

    app = build_app(pipeline, settings)
    url = launch(app, "127.0.0.1", free_port(), block=False)
    try:
        yield url
    finally:
        app.close()


HOSTILE_TEXT = """Hostile Markup Test Page

🧪 AI notice: this test page was written with AI assistance <b>in bold</b>.

The Zanzibar Accord

The Zanzibar Accord was signed in 1987 <script>window.__pwned = 1; alert("script ran")</script> by the harbour council. <img src=x onerror="window.__pwned = 2; alert('img ran')"> Its text is kept in the <b>harbour</b> archive.
"""


@contextmanager
def hostile_pipeline(tmp_path, embeddings) -> Iterator[object]:
    """A pipeline over one document whose text holds `<script>`, an `onerror` image and tags."""
    from assistant.answer.pipeline import Pipeline
    from assistant.core.settings import load_settings
    from ingest.run import ingest

    folder = tmp_path / "hostile"
    folder.mkdir()
    (folder / "hostile.txt").write_text(HOSTILE_TEXT, encoding="utf-8")
    settings = load_settings(db_dir=tmp_path / "hostile-db", feedback_file=tmp_path / "feedback.jsonl")
    report = ingest([folder], settings, embeddings=embeddings, progress=False)
    assert not report.failures
    yield Pipeline.load(settings, embeddings=embeddings)
