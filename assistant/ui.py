"""The Gradio app: a shell around the pipeline. `build_app` builds, `main` launches.

Gradio is imported only here.
"""

from __future__ import annotations

import html
import sys

from assistant.errors import AssistantError
from assistant.settings import Settings
from assistant.types import Answer


def render_markdown(answer: Answer) -> str:
    """The answer with its numbered sources; document text is escaped so it shows as text."""
    lines = [html.escape(answer.answer)]
    if answer.citations:
        lines.append("\n**Sources**")
        for c in answer.citations:
            where = html.escape(" › ".join(part for part in (c.title, c.section) if part))
            lines.append(f"\n[{c.id}] *{where}* — `{html.escape(c.source)}` {c.start}–{c.end}\n> {html.escape(c.text)}")
    elif answer.passages:
        lines.append("\n**Closest passages**")
        for p in answer.passages:
            lines.append(f"\n- *{html.escape(p.chunk.title)}*: {html.escape(p.chunk.text[:200])}…")
    return "\n".join(lines)


def build_app(pipeline):
    import gradio as gr

    def ask(message: str, history: list[dict]):
        """Answer `message` given the chat `history`; streams the draft, then the cited answer."""
        turns = [{"role": m["role"], "content": _text(m["content"])} for m in history]
        try:
            for item in pipeline.stream(message, history=turns):
                yield render_markdown(item) if isinstance(item, Answer) else item
        except AssistantError as exc:
            yield f"⚠️ {exc}"

    with gr.Blocks(title="Document assistant") as app:
        gr.Markdown("## Ask the documents\nEvery sentence cites the passage it came from, or the assistant says the documents do not answer.")
        gr.ChatInterface(ask, examples=["When was NATO established?", "What is Berlin Plus?"])
    return app


def _text(content) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return str(content)


def main(settings: Settings) -> int:
    from assistant.pipeline import Pipeline

    pipeline = Pipeline.load(settings)
    app = build_app(pipeline)
    print(f"serving on http://{settings.host}:{settings.port}", file=sys.stderr)
    app.queue().launch(server_name=settings.host, server_port=settings.port, share=False, inbrowser=False)
    return 0
