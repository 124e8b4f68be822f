"""PNG charts of a run: metrics by kind, latency distribution, refusal threshold curve.

matplotlib is imported here only, with the file-only Agg backend (no display needed).
"""

from __future__ import annotations

from pathlib import Path

from eval.calibrate import best_threshold, points, threshold_curve
from eval.summary import label

KIND_METRICS = ("recall@4", "evidence_cited", "fact_recall", "refusal_accuracy")


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def write_plots(report: dict, folder: Path) -> list[Path]:
    """All charts of `report` into `folder`; returns their paths."""
    return [
        metrics_by_kind(report["summary"], folder / "metrics_by_kind.png"),
        latency_distribution(report["rows"], folder / "latency.png"),
        refusal_curve(report["rows"], report["meta"]["settings"]["refusal_threshold"], folder / "refusal_threshold.png"),
    ]


def metrics_by_kind(summary: dict, path: Path) -> Path:
    """Grouped bars: one group per question kind, one bar per metric; one panel per backend."""
    plt = _pyplot()
    fig, axes = plt.subplots(len(summary), 1, figsize=(10, 3.6 * len(summary)), squeeze=False)
    for ax, (backend, one) in zip(axes[:, 0], summary.items()):
        kinds = list(one["by_kind"])
        width = 0.8 / len(KIND_METRICS)
        for i, metric in enumerate(KIND_METRICS):
            values = [one["by_kind"][k].get(metric) or 0.0 for k in kinds]
            ax.bar([x + i * width for x in range(len(kinds))], values, width, label=label(metric))
        ax.set_xticks([x + 0.4 - width / 2 for x in range(len(kinds))], [f"{k}\n(n={one['by_kind'][k]['n']})" for k in kinds])
        ax.set_ylim(0, 1.05)
        ax.set_title(f"{backend}: metrics by question kind")
        ax.legend(fontsize=8, ncols=len(KIND_METRICS), loc="upper center", bbox_to_anchor=(0.5, -0.22))
    return _save(fig, path)


def latency_distribution(rows: list[dict], path: Path) -> Path:
    """Box plots of milliseconds per pipeline stage and in total; one panel per backend."""
    plt = _pyplot()
    backends = list(dict.fromkeys(r["backend"] for r in rows))
    fig, axes = plt.subplots(1, len(backends), figsize=(6 * len(backends), 4), squeeze=False)
    for ax, backend in zip(axes[0], backends):
        stages: dict[str, list[float]] = {}
        for row in (r for r in rows if r["backend"] == backend):
            for stage, ms in row["timings_ms"].items():
                stages.setdefault(stage, []).append(max(ms, 0.01))
        ax.boxplot(list(stages.values()), tick_labels=list(stages), whis=(5, 95), showfliers=True)
        ax.set_yscale("log")
        ax.set_ylabel("milliseconds (log scale)")
        ax.set_title(f"{backend}: latency per stage (whiskers p5–p95)")
    return _save(fig, path)


def refusal_curve(rows: list[dict], threshold: float, path: Path) -> Path:
    """Refusal accuracy, precision and recall against the threshold, with the setting and the best."""
    plt = _pyplot()
    backend = rows[0]["backend"]  # evidence scores come before the backend: the same for all
    curve = threshold_curve(points([r for r in rows if r["backend"] == backend], threshold))
    xs = [c["threshold"] for c in curve]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for key in ("accuracy", "precision", "recall"):
        ax.plot(xs, [c[key] if c[key] is not None else float("nan") for c in curve], label=f"refusal {key}")
    best = best_threshold(curve)["threshold"]
    ax.axvline(threshold, color="black", linestyle="--", label=f"setting {threshold}")
    if abs(best - threshold) > 1e-9:
        ax.axvline(best, color="grey", linestyle=":", label=f"best {best}")
    ax.set_xlabel("refusal threshold (best evidence score below it → refuse)")
    ax.set_ylim(0, 1.05)
    ax.set_title("Refusal vs threshold (refuse ⇔ unanswerable)")
    ax.legend(fontsize=8)
    return _save(fig, path)


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    fig.clf()
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path
