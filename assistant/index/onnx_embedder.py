"""A sentence-transformers embedder run by ONNX Runtime: the same vectors, no PyTorch at run time.

Only the transformer is exported (`token_embeddings` out); the pooling and the normalisation the
sentence-transformers model applies are done here in numpy, exactly as its `Pooling` module
(mean of the tokens under the attention mask, or the first token's vector for a CLS-pooling
model such as bge-small) and its `Normalize` module do. The tokenizer is the folder's own
`tokenizer.json`, truncating at the model's `max_seq_length` and padding with its own pad token
(MPNet counts positions past its pad id, so padding with another id would move them).

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
from assistant.index.exported import default_cache, exported_model, run_encoded, session, torch_export, weights_digest

QUANTIZATIONS = ("fp32", "int8")


def export_embedder(folder: Path, quantization: str = "fp32", cache: Path | None = None) -> Path:
    """The ONNX file of the transformer in `folder` at `quantization`, exported (with PyTorch) once into the cache."""
    if quantization not in QUANTIZATIONS:
        raise UnknownName.among("embedder quantization", quantization, list(QUANTIZATIONS))
    home = (cache or default_cache()) / f"embedder-{weights_digest(folder)}"
    return exported_model(home, lambda: _transformer_export(folder), int8=quantization == "int8")


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
    """The transformer of a mean- or CLS-pooling sentence-transformers folder, run by ONNX Runtime."""

    def __init__(self, folder: Path, quantization: str = "fp32", cache: Path | None = None) -> None:
        from tokenizers import Tokenizer

        self.folder, self.quantization = Path(folder), quantization
        self.pooling = pooling_mode(self.folder)
        config = _json(self.folder / "sentence_bert_config.json")
        self.max_seq_length = int(config.get("max_seq_length") or 512)
        self.dimension = int(_json(self.folder / "config.json")["hidden_size"])
        self.path = export_embedder(self.folder, quantization, cache)
        self.session = session(self.path)
        self.tokenizer = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(self.max_seq_length)  # the file's own setting (128) is not the model's
        self.tokenizer.enable_padding(**_pad_token(self.tokenizer, self.folder))  # to the longest text of each batch

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
        """Normalised pooled vectors of `texts` (the model's own pooling), rows in order."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        pool = POOLINGS[self.pooling]
        return np.stack([pool(t.vectors) for t in self.tokens(texts, batch_size)])


def mean_pooled(tokens: np.ndarray) -> np.ndarray:
    """The normalised mean of token vectors: sentence-transformers' `Pooling(mean)` then `Normalize`.

    >>> mean_pooled(np.array([[1.0, 0.0], [0.0, 0.0], [2.0, 0.0]])).tolist()
    [1.0, 0.0]
    """
    return _unit(tokens.mean(axis=0))


def cls_pooled(tokens: np.ndarray) -> np.ndarray:
    """The normalised vector of the first token ([CLS]): sentence-transformers' `Pooling(cls)` then `Normalize`.

    >>> cls_pooled(np.array([[3.0, 4.0], [1.0, 0.0]])).tolist()
    [0.6000000238418579, 0.800000011920929]
    """
    return _unit(tokens[0])


def _unit(vector: np.ndarray) -> np.ndarray:
    """`vector` scaled to length 1 (a zero vector stays zero), in fp32: sentence-transformers' `Normalize`."""
    return (vector / max(float(np.linalg.norm(vector)), 1e-12)).astype(np.float32)


POOLINGS = {"mean": mean_pooled, "cls": cls_pooled}
MODES = {"pooling_mode_mean_tokens": "mean", "pooling_mode_cls_token": "cls"}


def pooling_mode(folder: Path) -> str:
    """`mean` or `cls`: how the sentence-transformers model in `folder` pools its tokens; any other
    pooling (max, weighted, several at once, none) is refused with the fix."""
    pooling = next((folder / m["path"] for m in _json(folder / "modules.json", []) if m.get("type", "").endswith("Pooling")), None)
    config = _json(pooling / "config.json") if pooling else {}
    modes = {k for k, v in config.items() if k.startswith("pooling_mode_") and v is True}
    named = config.get("pooling_mode")  # newer sentence-transformers write the mode's name instead of flags
    if isinstance(named, str):
        modes = {next((flag for flag, mode in MODES.items() if mode == named), f"pooling_mode {named}")}
    if len(modes) != 1 or next(iter(modes)) not in MODES:
        raise UnknownName(f"{folder} pools its tokens by {', '.join(sorted(modes)) or 'no Pooling module'}: the ONNX runtime runs mean- or CLS-pooling sentence-transformers models only; use embedder_runtime=torch")
    return MODES[next(iter(modes))]


def _pad_token(tokenizer, folder: Path) -> dict:
    """The pad token of the model's tokenizer (tokenizer.json's padding, else tokenizer_config.json's pad_token)."""
    if tokenizer.padding:
        return {"pad_id": tokenizer.padding["pad_id"], "pad_token": tokenizer.padding["pad_token"]}
    token = _json(folder / "tokenizer_config.json", {}).get("pad_token") or "[PAD]"
    token = token["content"] if isinstance(token, dict) else token
    return {"pad_id": tokenizer.token_to_id(token) or 0, "pad_token": token}


def _json(path: Path, default=None):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if default is None:
            raise UnknownName(f"{path} is missing: pass a folder saved by sentence-transformers, or use embedder_runtime=torch") from None
        return default
