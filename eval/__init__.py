"""Evaluation: the chat pipeline run over a question set, scored by pure metrics.

cases.py (the set) -> run.py (the same `Pipeline.answer`, one row per case) -> metrics.py
(pure, per case) -> summary.py (means, refusal, latency) -> report.py / plots.py (a run
folder); compare.py, check.py (the CI floor), calibrate.py (refusal threshold) and sweep.py
(retrieval grid) build on those; commands.py and __main__.py are the command line.
"""

from assistant import offline as _offline  # noqa: F401  (must run before library imports)
