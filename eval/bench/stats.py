"""Small measuring tools of the benchmark: clocks, spreads over repetitions, process memory."""

from __future__ import annotations

import resource
import statistics
import time
from contextlib import contextmanager
from pathlib import Path

from eval.metrics import percentile


def spread(values: list[float], digits: int = 3) -> dict:
    """Median of repeated measurements with their range: `{"median", "min", "max", "n"}`.

    >>> spread([3.0, 1.0, 2.0])
    {'median': 2.0, 'min': 1.0, 'max': 3.0, 'n': 3}
    """
    if not values:
        return {"median": None, "min": None, "max": None, "n": 0}
    return {"median": round(statistics.median(values), digits), "min": round(min(values), digits), "max": round(max(values), digits), "n": len(values)}


def latency(ms: list[float]) -> dict:
    """p50 and p95 (nearest rank) of per-call milliseconds."""
    return {"p50": round(percentile(ms, 50), 2), "p95": round(percentile(ms, 95), 2), "n": len(ms)}


def ratio(ours: float | None, other: float | None) -> float | None:
    """ours / other, or None when either is missing or the other is zero."""
    return round(ours / other, 3) if ours is not None and other else None


@contextmanager
def stopwatch():
    """`with stopwatch() as took:` ... `took()` is the elapsed seconds (frozen at exit)."""
    began, ended = time.perf_counter(), []
    yield lambda: (ended[0] if ended else time.perf_counter()) - began
    ended.append(time.perf_counter())


def rss_mb() -> float:
    """Resident memory of this process now, in MB (Linux /proc; peak memory elsewhere)."""
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[1])
        return round(pages * resource.getpagesize() / 1e6, 1)
    except OSError:
        return peak_rss_mb()


def peak_rss_mb(pid: int | str = "self") -> float:
    """Highest resident memory of a process so far, in MB.

    VmHWM, not `ru_maxrss`: Linux carries ru_maxrss over fork and exec, so a child started
    by a big parent would report the parent's peak as its own.
    """
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1e3, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3, 1) if pid == "self" else 0.0
