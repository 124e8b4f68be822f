"""A sentence-transformers embedder run by ONNX Runtime: the same vectors, no PyTorch at run time.

Only the transformer is exported (`token_embeddings` out); the mean pooling and the
normalisation the sentence-transformers model applies are done here in numpy, exactly as its
`Pooling` (mean of the tokens under the attention mask) and `Normalize` modules do. The
tokenizer is the folder's own `tokenizer.json`, truncating at the model's `max_seq_length`.

`quantization="int8"` runs the dynamically quantized copy of the fp32 export (int8 weights):
faster on a CPU, vectors close to but not the same as fp32 ones, so an index remembers which
precision built it (`assistant.index.chroma.check_embedder`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.core.errors import UnknownName
from assistant.index.exported import default_cache, export_once, quantize_int8, run_encoded, session, torch_export, weights_digest

QUANTIZATIONS = ("fp32", "int8")


def export_embedder(folder: Path, quantization: str = "fp32", cache: Path | None = None) -> Path:
    """The ONNX file of the transformer in `folder` at `quantization`, exported (with PyTorch) once into the cache."""
    if quantization not in QUANTIZATIONS:
        raise UnknownName.among("embedder quantization", quantization, list(QUANTIZATIONS))
    home = (cache or default_cache()) / f"embedder-{weights_digest(folder)}"
    fp32 = home / "model.onnx"
    if not fp32.is_file():
        export_once(fp32, _transformer_export(folder))
    return fp32 if quantization == "fp32" else export_once(home / "model-int8.onnx", quantize_int8(fp32))


def _transformer_export(folder: Path):
    import torch
    from transformers import AutoModel, AutoTokenizer

    model = AutoModel.from_pretrained(folder, dtype=torch.float32, local_files_only=True).eval()
    sample = AutoTokenizer.from_pretrained(folder, local_files_only=True)(["a short text", "a somewhat longer text to embed"], padding=True, return_tensors="pt")
    inputs = {n: sample[n] for n in ("input_ids", "attention_mask", "token_type_ids") if n in sample}

    class TokenEmbeddings(torch.nn.Module):  # the tensor sentence-transformers pools: last_hidden_state
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, *args):
            return self.inner(**dict(zip(inputs, args))).last_hidden_state

    return torch_export(TokenEmbeddings(model), inputs, "token_embeddings", {0: "batch", 1: "tokens"})


@dataclass(frozen=True)
class Tokens:
    """One text's forward pass: its tokens' vectors (padding dropped) and their character offsets."""

    vectors: np.ndarray  # (tokens, dimension)
    offsets: np.ndarray  # (tokens, 2); special tokens are (0, 0)


class OnnxSentenceModel:
    """The transformer of a mean-pooling sentence-transformers folder, run by ONNX Runtime."""

    def __init__(self, folder: Path, quantization: str = "fp32", cache: Path | None = None) -> None:
        from tokenizers import Tokenizer

        self.folder, self.quantization = Path(folder), quantization
        _require_mean_pooling(self.folder)
        config = _json(self.folder / "sentence_bert_config.json")
        self.max_seq_length = int(config.get("max_seq_length") or 512)
        self.dimension = int(_json(self.folder / "config.json")["hidden_size"])
        self.path = export_embedder(self.folder, quantization, cache)
        self.session = session(self.path)
        self.tokenizer = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(self.max_seq_length)  # the file's own setting (128) is not the model's
        self.tokenizer.enable_padding()  # to the longest text of each batch

    def tokens(self, texts: list[str], batch_size: int = 64) -> list[Tokens]:
        """Each text's token vectors, batched by length so that little is padded (as `encode` does)."""
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out: list[Tokens | None] = [None] * len(texts)
        for begin in range(0, len(order), batch_size):
            chosen = order[begin : begin + batch_size]
            encoded = self.tokenizer.encode_batch([texts[i] for i in chosen])
            vectors = run_encoded(self.session, encoded)
            for row, i, e in zip(vectors, chosen, encoded):
                mask = np.asarray(e.attention_mask, dtype=bool)
                out[i] = Tokens(row[mask].astype(np.float32), np.asarray(e.offsets)[mask])
        return [t for t in out if t is not None]

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """Normalised mean-pooled vectors of `texts`, rows in order."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([mean_pooled(t.vectors) for t in self.tokens(texts, batch_size)])


def mean_pooled(tokens: np.ndarray) -> np.ndarray:
    """The normalised mean of token vectors: sentence-transformers' `Pooling(mean)` then `Normalize`.

    >>> mean_pooled(np.array([[1.0, 0.0], [0.0, 0.0], [2.0, 0.0]])).tolist()
    [1.0, 0.0]
    """
    mean = tokens.mean(axis=0)
    return (mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32)


def _require_mean_pooling(folder: Path) -> None:
    pooling = next((folder / m["path"] for m in _json(folder / "modules.json", []) if m.get("type", "").endswith("Pooling")), None)
    config = _json(pooling / "config.json") if pooling else {}
    modes = {k for k, v in config.items() if k.startswith("pooling_mode") and v}
    if modes != {"pooling_mode_mean_tokens"}:
        raise UnknownName(f"{folder} does not mean-pool its tokens ({', '.join(sorted(modes)) or 'no Pooling module'}): the ONNX runtime runs mean-pooling sentence-transformers models only; use embedder_runtime=torch")


def _json(path: Path, default=None):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if default is None:
            raise UnknownName(f"{path} is missing: pass a folder saved by sentence-transformers, or use embedder_runtime=torch") from None
        return default
