"""The embedder run by ONNX Runtime (fp32 and int8) against the PyTorch one: the same vectors,
sentence vectors included, exported once per quantization, and an index that remembers the
precision of its vectors (real packaged model, real Chroma in tmp_path)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.core.errors import EmbedderMismatch, UnknownName
from assistant.core.settings import load_settings
from assistant.core.text import sentence_spans
from assistant.index.chroma import check_embedder, chroma_client, open_index
from assistant.index.embedder import OnnxEmbedder, get_embeddings, model_location
from assistant.index.onnx_embedder import OnnxSentenceModel, export_embedder
from tests.support import CORPUS

pytest.importorskip("onnxruntime")

FOLDER = Path(model_location("all-MiniLM-L6-v2"))
QUESTION = "When was NATO established?"


@pytest.fixture(scope="session")
def onnx_cache(tmp_path_factory):
    """One export per test session, in a temporary cache rather than the user's."""
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture(scope="session")
def onnx(onnx_cache):
    return OnnxEmbedder(OnnxSentenceModel(FOLDER, "fp32", onnx_cache), runtime="onnx")


@pytest.fixture(scope="session")
def int8(onnx_cache):
    return OnnxEmbedder(OnnxSentenceModel(FOLDER, "int8", onnx_cache), runtime="onnx-int8")


def _texts() -> tuple[list[str], list[list[tuple[int, int]]]]:
    """Chunk-sized texts of the corpus after a heading line (as ingest embeds them), and their sentence spans."""
    bodies = [p.read_text(encoding="utf-8")[i : i + 600] for p in sorted(CORPUS.glob("*.txt"))[:3] for i in (0, 1800)] + ["NATO was founded in 1949."]
    heading = "NATO > Overview\n"
    return [heading + b for b in bodies], [[(s + len(heading), e + len(heading)) for s, e in sentence_spans(b)] for b in bodies]


def _sentence_differences(a, b) -> list[float]:
    """Max abs difference of each pair of sentence vectors; a sentence vector on one side only fails."""
    out = []
    for x, y in zip(a, b, strict=True):
        for u, v in zip(x, y, strict=True):
            assert (u is None) == (v is None)
            if u is not None:
                out.append(float(np.abs(u - v).max()))
    return out


def test_fp32_onnx_gives_the_torch_vectors_sentence_vectors_included(onnx, embeddings):
    texts, spans = _texts()
    ours, ours_sentences = onnx.with_sentences(texts, spans)
    torch_vectors, torch_sentences = embeddings.with_sentences(texts, spans)
    assert np.abs(np.array(ours) - np.array(torch_vectors)).max() < 1e-5
    differences = _sentence_differences(ours_sentences, torch_sentences)
    assert len(differences) > 20 and max(differences) < 1e-5
    assert np.abs(np.array(onnx.embed_query(QUESTION)) - np.array(embeddings.embed_query(QUESTION))).max() < 1e-5
    assert np.abs(onnx.vectors(texts) - np.array(torch_vectors)).max() < 1e-5  # same pooling with or without sentences


def test_int8_vectors_are_close_to_fp32_but_not_the_same(int8, embeddings):
    """Near enough to retrieve with (cosine >= 0.97 to the fp32 vector; 0.9766 the least over 250 corpus chunks when written), far enough apart (1e-3 and
    more per component) that an index must not hold both."""
    texts, spans = _texts()
    ours, ours_sentences = int8.with_sentences(texts, spans)
    reference, reference_sentences = embeddings.with_sentences(texts, spans)
    cosines = (np.array(ours) * np.array(reference)).sum(axis=1)
    assert cosines.min() >= 0.97 and np.abs(np.array(ours) - np.array(reference)).max() > 1e-3
    assert max(_sentence_differences(ours_sentences, reference_sentences)) < 0.2
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_each_quantization_is_exported_once_into_the_cache(onnx, int8, onnx_cache):
    fp32, quantized = export_embedder(FOLDER, "fp32", onnx_cache), export_embedder(FOLDER, "int8", onnx_cache)
    assert fp32 != quantized and fp32.parent == quantized.parent and fp32.parent.parent == onnx_cache
    assert quantized.stat().st_size < fp32.stat().st_size / 2
    stamps = (fp32.stat().st_mtime_ns, quantized.stat().st_mtime_ns)
    assert (export_embedder(FOLDER, "fp32", onnx_cache).stat().st_mtime_ns, export_embedder(FOLDER, "int8", onnx_cache).stat().st_mtime_ns) == stamps
    assert not list(onnx_cache.rglob("*.tmp"))


def test_an_unknown_runtime_or_quantization_names_the_choices(onnx_cache):
    with pytest.raises(UnknownName, match="onnx, onnx-int8, torch"):
        get_embeddings("all-MiniLM-L6-v2", 64, "tensorrt")
    with pytest.raises(UnknownName, match="fp32, int8"):
        export_embedder(FOLDER, "int4", onnx_cache)


@pytest.mark.parametrize(
    ("built", "runtime", "refused"),
    [
        ({}, "torch", False),  # an index from before the setting: PyTorch built it
        ({}, "onnx", False),
        ({}, "onnx-int8", True),
        ({"embedder_runtime": "onnx", "embedder_precision": "fp32"}, "torch", False),
        ({"embedder_runtime": "onnx-int8", "embedder_precision": "int8"}, "onnx-int8", False),
        ({"embedder_runtime": "onnx-int8", "embedder_precision": "int8"}, "onnx", True),
        ({"embedder_runtime": "onnx-int8", "embedder_precision": "int8"}, "torch", True),
    ],
)
def test_fp32_runtimes_share_an_index_and_int8_never_mixes(built, runtime, refused):
    metadata = {"embedding_model": "all-MiniLM-L6-v2", "dimension": 384} | built
    settings = load_settings(embedder_runtime=runtime)
    if refused:
        with pytest.raises(EmbedderMismatch, match=f"ASSISTANT_EMBEDDER_RUNTIME={built.get('embedder_runtime', 'torch')} or rebuild with `python -m ingest --reset`"):
            check_embedder(metadata, settings, 384, "here")
    else:
        check_embedder(metadata, settings, 384, "here")


def test_an_int8_index_records_its_runtime_and_refuses_fp32_vectors(tmp_path, int8, embeddings, corpus_index):
    from ingest.run import ingest

    settings = load_settings(db_dir=tmp_path / "db", embedder_runtime="onnx-int8")
    report = ingest([CORPUS / "nato-role-in-global-security.txt"], settings, embeddings=int8, progress=False)
    assert report.embedded > 0 and not report.failures
    metadata = chroma_client(settings).get_collection(settings.collection).metadata
    assert (metadata["embedder_runtime"], metadata["embedder_precision"]) == ("onnx-int8", "int8")
    assert open_index(settings, 384, int8.runtime).count() == report.chunks
    with pytest.raises(EmbedderMismatch, match="ASSISTANT_EMBEDDER_RUNTIME=onnx-int8"):
        open_index(settings, 384, embeddings.runtime)  # torch: the settings say int8, the embedder does not
    with pytest.raises(EmbedderMismatch, match="holds fp32 vectors"):  # and int8 never extends a torch-built index
        ingest([CORPUS / "nato-relations-with-the-european-union.txt"], corpus_index, embeddings=int8, progress=False)


def test_fp32_onnx_reads_a_torch_built_index_with_the_same_results(corpus_index, pipeline, onnx):
    from assistant.index.retrieve import HybridRetriever

    index = open_index(corpus_index, onnx.dimension, onnx.runtime)
    ours = HybridRetriever(index, onnx, corpus_index)
    for question in (QUESTION, "What does Article 5 stipulate?", "How does NATO work with the European Union?"):
        assert [p.chunk.chunk_id for p in ours.search(question)] == [p.chunk.chunk_id for p in pipeline.retriever.search(question)]


@pytest.mark.slow
def test_the_bench_puts_the_three_runtimes_side_by_side(tmp_path, onnx, int8, monkeypatch, capsys):
    from eval.bench.run import main

    monkeypatch.setenv("ASSISTANT_CACHE_DIR", str(Path(onnx.model.path).parents[1]))  # the session's exports, not the user's cache
    assert main(["--only", "runtimes", "--paragraphs", "6", "--latency-questions", "4", "--quality-questions", "8", "--reps", "1", "--out", str(tmp_path)]) == 0
    results = json.loads((tmp_path / "bench.json").read_text())["runtimes"]
    assert set(results["quality"]) == {"torch", "onnx", "onnx-int8"} and results["quality"]["onnx"]["hybrid"]["questions"] == 8
    assert results["ingest"]["chunks"] >= 6 and all(results["ingest"]["speed_over_floor"][r]["median"] > 0 for r in ("torch", "onnx", "onnx-int8"))
    assert results["ndcg10_hybrid_minus_torch"]["torch"] == 0 and results["latency_ms"]["onnx-int8"]["query_embedding"]["n"] == 4
    assert "| our ingest, embedder ONNX Runtime int8 (dynamic, per channel) |" in capsys.readouterr().out


ASK = """import json, runpy, sys
sys.argv = ["assistant", "ask", "--json", sys.argv[1]]
try:
    runpy.run_module("assistant", run_name="__main__", alter_sys=True)
except SystemExit:
    pass
print("LOADED " + json.dumps(sorted(m for m in ("torch", "sentence_transformers", "transformers") if m in sys.modules)))
"""


def _ask_in_a_fresh_process(settings, cache: Path, embedder_runtime: str, scorer_runtime: str) -> tuple[dict, list[str]]:
    """The CLI's JSON answer, and which of PyTorch's packages the process had imported by its end."""
    import os
    import subprocess
    import sys

    from assistant.core.settings import REPO_ROOT

    env = os.environ | {"ASSISTANT_DB_DIR": str(settings.db_dir), "ASSISTANT_CACHE_DIR": str(cache), "ASSISTANT_EMBEDDER_RUNTIME": embedder_runtime, "ASSISTANT_SCORER_RUNTIME": scorer_runtime}
    done = subprocess.run([sys.executable, "-c", ASK, "What does Article 5 of the NATO treaty stipulate?"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)
    answer, loaded = done.stdout.rsplit("LOADED ", 1)
    return json.loads(answer), json.loads(loaded)


@pytest.mark.slow
def test_the_question_path_imports_no_pytorch_when_both_models_run_by_onnx(tmp_path, int8, onnx_cache):
    """`ask --json` with embedder and scorer on ONNX Runtime (their exports cached) never imports
    torch, sentence_transformers or transformers; the same question on PyTorch does (the control)."""
    from assistant.answer.scorer import SHIPPED, export_onnx
    from ingest.run import ingest

    export_onnx(SHIPPED, onnx_cache)  # exporting needs PyTorch: done here, before the question
    settings = load_settings(db_dir=tmp_path / "db", embedder_runtime="onnx-int8")
    assert ingest([CORPUS / "nato-role-in-global-security.txt"], settings, embeddings=int8, progress=False).embedded > 0
    answer, loaded = _ask_in_a_fresh_process(settings, onnx_cache, "onnx-int8", "onnx")
    assert answer["passages"] and loaded == []
    fp32 = load_settings(db_dir=tmp_path / "fp32")
    ingest([CORPUS / "nato-role-in-global-security.txt"], fp32, progress=False)
    answer, loaded = _ask_in_a_fresh_process(fp32, onnx_cache, "torch", "torch")
    assert answer["passages"] and {"torch", "sentence_transformers"} <= set(loaded)
