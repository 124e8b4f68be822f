"""Models exported to ONNX once, kept in the user's cache folder, and run by ONNX Runtime.

The embedder (`assistant.index.onnx_embedder`) and the answer scorer (`assistant.answer.scorer`)
share these helpers. An export is keyed by the hash of the weights it came from, and by its
quantization, so another model or new weights never reuse a stale file:

    ~/.cache/trusted-rag-assistant/embedder-<sha256[:16]>/model.onnx        (fp32)
    ~/.cache/trusted-rag-assistant/embedder-<sha256[:16]>/model-int8.onnx   (int8, from the fp32 file)

Exporting needs PyTorch (`torch.onnx.export`, once); running needs only onnxruntime and tokenizers.
Nothing is downloaded: the weights are the local folder's.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from assistant.core.errors import UnknownName

WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


def default_cache() -> Path:
    """Where exported models are kept: $ASSISTANT_CACHE_DIR, else the user's cache folder."""
    root = os.environ.get("ASSISTANT_CACHE_DIR") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "trusted-rag-assistant"
    return Path(root)


def weights_digest(folder: Path) -> str:
    """The first 16 hex digits of the sha256 of the folder's weights: the key of its exports."""
    weights = next((folder / n for n in WEIGHT_FILES if (folder / n).is_file()), None)
    if weights is None:
        raise UnknownName(f"{folder} has no model weights (model.safetensors): pass a model folder saved by sentence-transformers")
    return hashlib.sha256(weights.read_bytes()).hexdigest()[:16]


def export_once(target: Path, export: Callable[[Path], None]) -> Path:
    """`target`, made by `export(path)` the first time only; whole or absent, even with two processes at once."""
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.tmp")
    try:
        export(partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def exported_model(home: Path, fp32_export: Callable[[], Callable[[Path], None]], int8: bool = False) -> Path:
    """`home/model.onnx`, made once by the export that `fp32_export()` returns (called only when the
    file is missing, since making it loads PyTorch and the model); with `int8`, its quantized copy
    `home/model-int8.onnx`, made once from that file (`quantize_int8`)."""
    fp32 = home / "model.onnx"
    if not fp32.is_file():
        export_once(fp32, fp32_export())
    return export_once(home / "model-int8.onnx", quantize_int8(fp32)) if int8 else fp32


def quantize_int8(source: Path) -> Callable[[Path], None]:
    """An `export` for `export_once`: the int8 copy of the fp32 model at `source` (dynamic quantization:
    int8 weights, activations quantized per batch at run time). Per channel: with one scale per
    weight tensor, MiniLM's vectors kept only cosine 0.95 to the fp32 ones; per output channel, 0.995."""

    def export(target: Path) -> None:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True)

    return export


def session(path: Path):
    """An ONNX Runtime session on the CPU whose idle threads sleep (as OMP_WAIT_POLICY=PASSIVE does for torch)."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def run_encoded(session, encoded: list) -> np.ndarray:
    """The first output of `session` for a batch of `tokenizers` encodings (padded to one length),
    fed the inputs the model declares of ids, attention mask and token types."""
    feeds = {"input_ids": [e.ids for e in encoded], "attention_mask": [e.attention_mask for e in encoded], "token_type_ids": [e.type_ids for e in encoded]}
    declared = {i.name for i in session.get_inputs()}
    return session.run(None, {k: np.asarray(v, dtype=np.int64) for k, v in feeds.items() if k in declared})[0]


def torch_export(model, sample: dict, output: str, dynamic_output: dict[int, str]) -> Callable[[Path], None]:
    """An `export` for `export_once`: `model` (a PyTorch module) traced on the `sample` inputs, with
    batch and token axes left dynamic. Raises ImportError at once without the onnx package."""
    if importlib.util.find_spec("onnx") is None:  # torch.onnx.export writes through it
        raise ImportError("the onnx package is needed to export a model to ONNX", name="onnx")
    names = list(sample)

    def export(target: Path) -> None:
        import torch

        with torch.no_grad():
            torch.onnx.export(
                model, tuple(sample[n] for n in names), str(target), input_names=names, output_names=[output],
                dynamic_axes={n: {0: "batch", 1: "tokens"} for n in names} | {output: dynamic_output}, opset_version=17, dynamo=False,
            )

    return export
