"""The answer scorer: how likely a sentence, read with the sentence before it, answers the question.

A cross-encoder reads the question and the candidate together: `[CLS] question [SEP] sentence
[SEP] context [SEP]`, the context being the sentence before it in its passage (or, for a
passage's first sentence, its section heading), so "This agreement allowed the EU to…" is read
as the answer it is. Its output is a probability: the extractive answer quotes the sentences it
rates best, the pipeline refuses when the best is below `refusal_threshold`, and retrieval puts
the passage with the best sentence first.

`scorer` (setting) picks one from the one factory, `get_scorer`:
- `learned` (default): the model trained by `python -m eval train-scorer` and shipped in
  `assistant/models/answer-scorer` (its README is the model card);
- `heuristic`: no model, the hand-weighted blend of `assistant.answer.evidence` (for comparison);
- a folder holding any sentence-transformers cross-encoder (a bge or ms-marco reranker, say).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from assistant.core.errors import UnknownName
from assistant.index.exported import default_cache, exported_model, run_encoded, session, torch_export, weights_digest

SHIPPED = Path(__file__).resolve().parents[1] / "models" / "answer-scorer"
MAX_TOKENS = 128  # question + sentence + context; the context is cut first
BATCH = 32
NAMES = ("learned", "heuristic")


def pair(question: str, sentence: str, context: str = "") -> tuple[str, str]:
    """The two texts the cross-encoder reads, the same at training and at answer time.

    >>> pair("What did it allow?", "This agreement allowed X.", "The Berlin Plus agreement of 2002.")
    ('What did it allow?', 'This agreement allowed X. [SEP] The Berlin Plus agreement of 2002.')
    """
    return question, f"{sentence} [SEP] {context}" if context else sentence


class Scorer(Protocol):
    name: str

    def probabilities(self, question: str, candidates: Sequence[tuple[str, str]]) -> np.ndarray:
        """For each (sentence, context): the probability that the sentence answers `question`."""
        ...


@dataclass
class CrossEncoderScorer:
    """A sentence-transformers `CrossEncoder` from a local folder, on the CPU, output as probabilities."""

    folder: Path
    name: str = "learned"

    def __post_init__(self) -> None:
        import torch
        from sentence_transformers import CrossEncoder

        # fp32 on the CPU: the weights ship in fp16 to halve their size, and fp16 matmuls are slow on most CPUs.
        self.model = CrossEncoder(str(self.folder), device="cpu", max_length=MAX_TOKENS, local_files_only=True, model_kwargs={"dtype": torch.float32})

    def probabilities(self, question: str, candidates: Sequence[tuple[str, str]]) -> np.ndarray:
        if not candidates:
            return np.zeros(0, dtype=np.float32)
        pairs = [pair(question, sentence, context) for sentence, context in candidates]
        # Sorted by length, so each batch pads little (the library batches in the given order).
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][1]))
        logits = np.asarray(self.model.predict([pairs[i] for i in order], batch_size=BATCH, activation_fn=_identity(), show_progress_bar=False, convert_to_numpy=True), dtype=np.float32)
        return _in_order(_probabilities(logits), order)


@dataclass
class OnnxScorer:
    """The same cross-encoder run by ONNX Runtime (no PyTorch at answer time). The model is exported
    once from the folder's weights into `cache` (keyed by their hash) by `export_onnx`; `int8` runs
    its dynamically quantized copy (int8 weights: about twice as fast on a CPU)."""

    folder: Path
    name: str = "learned"
    cache: Path | None = None
    int8: bool = False

    def __post_init__(self) -> None:
        from tokenizers import Tokenizer

        self.session = session(export_onnx(self.folder, self.cache, self.int8))
        self.tokenizer = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS, strategy="longest_first")  # as CrossEncoder.predict (truncation=True)
        self.tokenizer.enable_padding()

    def probabilities(self, question: str, candidates: Sequence[tuple[str, str]]) -> np.ndarray:
        return _probabilities(self.logits([pair(question, sentence, context) for sentence, context in candidates]))

    def logits(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """The model's raw outputs for text pairs made by `pair`, in their order (run in batches of
        similar length). A teacher's targets when a student is distilled from it."""
        if not pairs:
            return np.zeros(0, dtype=np.float32)
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][1]))
        logits = []
        for begin in range(0, len(order), BATCH):
            encoded = self.tokenizer.encode_batch([pairs[i] for i in order[begin : begin + BATCH]])
            logits.append(run_encoded(self.session, encoded))
        return _in_order(np.concatenate(logits).astype(np.float32), order)


def export_onnx(folder: Path, cache: Path | None = None, int8: bool = False) -> Path:
    """`model.onnx` of the cross-encoder in `folder`, exported once (with PyTorch) into the cache;
    with `int8`, its quantized copy beside it (made once from the fp32 file)."""
    return exported_model((cache or default_cache()) / f"scorer-{weights_digest(folder)}", lambda: _torch_export(folder), int8)


def _torch_export(folder: Path):
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(folder, dtype=torch.float32, local_files_only=True).eval()
    sample = AutoTokenizer.from_pretrained(folder, local_files_only=True)(["a question?"] * 2, ["a sentence. [SEP] its context."] * 2, return_tensors="pt")
    inputs = {n: sample[n] for n in ("input_ids", "attention_mask", "token_type_ids") if n in sample}
    return torch_export(model, inputs, "logits", {0: "batch"})


def _probabilities(logits: np.ndarray) -> np.ndarray:
    if logits.ndim == 2 and logits.shape[1] == 2:  # a two-class head: the positive class against the other
        logits = logits[:, 1] - logits[:, 0]
    return 1.0 / (1.0 + np.exp(-logits.reshape(-1)))


def _in_order(values: np.ndarray, order: list[int]) -> np.ndarray:
    """`values` (one row each), computed in `order`, put back in the candidates' order."""
    out = np.empty_like(values, dtype=np.float32)
    out[order] = values
    return out


def _identity():
    import torch

    return torch.nn.Identity()


HEURISTIC_THRESHOLD = 0.38  # the blend's best refusal accuracy on the eval set (first session)
UNCALIBRATED_THRESHOLD = 0.5  # a cross-encoder folder without calibration.json


REFUSE_BY = ("heuristic", "scorer")


def refusal_default(settings) -> float:
    """The refusal threshold for `settings` when none is set: the blend's, or the scorer's calibrated one."""
    if settings.refuse_by not in REFUSE_BY:
        raise UnknownName.among("refusal signal (refuse_by)", settings.refuse_by, list(REFUSE_BY))
    return default_threshold("heuristic" if settings.refuse_by == "heuristic" or get_scorer(settings.scorer, settings.scorer_runtime) is None else settings.scorer)


def calibration(folder: Path) -> dict:
    """A model folder's calibration: its refusal threshold and how it was measured ({} if none)."""
    path = folder / "calibration.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


@lru_cache(maxsize=8)
def default_threshold(name: str) -> float:
    """The refusal threshold that goes with scorer `name` when none is set."""
    if name == "heuristic":
        return HEURISTIC_THRESHOLD
    folder = SHIPPED if name == "learned" else Path(name).expanduser()
    return float(calibration(folder).get("refusal_threshold", UNCALIBRATED_THRESHOLD))


def is_cross_encoder(folder: Path) -> bool:
    """True when the folder's config.json describes a sequence-classification (cross-encoder) model."""
    try:
        architectures = json.loads((folder / "config.json").read_text(encoding="utf-8")).get("architectures") or []
    except (OSError, ValueError):
        return False
    return any(a.endswith("ForSequenceClassification") for a in architectures)


class CachedScorer:
    """A scorer that remembers its last `size` probabilities per (question, sentence, context): a
    question asked again, or searched again, costs no model call. Safe across the app's threads."""

    def __init__(self, inner: Scorer, size: int = 20_000):
        self.inner, self.name, self.size = inner, inner.name, size
        self._memory: OrderedDict[tuple[str, str, str], float] = OrderedDict()
        self._lock = threading.Lock()

    def clear(self) -> None:
        """Forget every remembered probability (the benchmark times each variant from scratch)."""
        with self._lock:
            self._memory.clear()

    def probabilities(self, question: str, candidates: Sequence[tuple[str, str]]) -> np.ndarray:
        keys = [(question, sentence, context) for sentence, context in candidates]
        with self._lock:
            missing = list(dict.fromkeys(k for k in keys if k not in self._memory))
        if missing:
            fresh = self.inner.probabilities(question, [(s, c) for _, s, c in missing])
            with self._lock:
                for key, value in zip(missing, fresh):
                    self._memory[key] = float(value)
                while len(self._memory) > self.size:
                    self._memory.popitem(last=False)
        with self._lock:
            values = [self._memory.get(k) for k in keys]
            for k in keys:
                if k in self._memory:
                    self._memory.move_to_end(k)
        if any(v is None for v in values):  # evicted by another thread meanwhile: ask again
            return self.inner.probabilities(question, list(candidates))
        return np.asarray(values, dtype=np.float32)


RUNTIMES = ("torch", "onnx", "onnx-int8")


@lru_cache(maxsize=4)
def get_scorer(name: str, runtime: str = "torch") -> Scorer | None:
    """The scorer called `name`, run by `runtime`: None for `heuristic` (the evidence blend decides alone)."""
    if runtime not in RUNTIMES:
        raise UnknownName.among("scorer runtime", runtime, list(RUNTIMES))
    if name == "heuristic":
        return None
    folder = SHIPPED if name == "learned" else Path(name).expanduser()
    if name == "learned" and not (SHIPPED / "config.json").is_file():
        raise UnknownName(f"the shipped answer scorer is missing from {SHIPPED}: reinstall the package, train it with `python -m eval train-scorer`, or set ASSISTANT_SCORER=heuristic")
    if not folder.is_dir():
        raise UnknownName.among("answer scorer", name, [*NAMES, "<path to a local cross-encoder folder>"])
    if not is_cross_encoder(folder):
        raise UnknownName(f"{folder} is not a cross-encoder folder (its config.json names no sequence-classification model): pass a folder saved by sentence-transformers' CrossEncoder.save, or use `learned` or `heuristic`")
    try:
        return CachedScorer(OnnxScorer(folder, name, int8=runtime == "onnx-int8") if runtime.startswith("onnx") else CrossEncoderScorer(folder, name))
    except ImportError as exc:
        raise UnknownName(f"scorer_runtime=onnx needs {exc.name or 'onnxruntime'}: reinstall the project (`make install`: ONNX Runtime is one of its dependencies), or use scorer_runtime=torch") from None
    except (OSError, ValueError, KeyError) as exc:
        raise UnknownName(f"{folder} cannot be loaded as a cross-encoder ({exc}): pass a sentence-transformers cross-encoder folder, or use `learned` or `heuristic`") from None
