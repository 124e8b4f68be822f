"""The support judge of the citation metrics: the verifier's own, so eval and app agree.

`assistant.verify.support_score(sentence, span, embeddings) -> float` decides, against
`settings.support_threshold`, whether a cited span supports a sentence. Where the verifier
or its threshold is not there, the judge falls back to word-for-word containment and the
report says so.
"""

from __future__ import annotations

from eval.metrics import Judge, contained


def support_judge(embeddings, settings) -> tuple[Judge, str]:
    """The judge and a name for it, for the report."""
    try:
        from assistant.verify import support_score
    except ImportError:
        return contained, "containment (assistant.verify not found)"
    threshold = getattr(settings, "support_threshold", None)
    if threshold is None:
        return contained, "containment (settings have no support_threshold)"

    def judge(sentence: str, cited: str) -> bool:
        return support_score(sentence, cited, embeddings) >= threshold

    return judge, f"assistant.verify.support_score >= {threshold}"
