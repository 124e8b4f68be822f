"""The assistant in its ecosystem: LangChain's own conformance suites, and the RAGAS export read by RAGAS.

`langchain-tests` (the test extra) is the suite LangChain runs on every integration it ships: its
`RetrieversIntegrationTests` on `ChunkRetriever` over the real index of the five articles, and its
`EmbeddingsIntegrationTests` on `Embedder` over the packaged model. Its `EmbeddingsUnitTests` are
left out: they construct the class (which every test here does) and initialise it from environment
variables, which `Embedder` does not read, so they could not fail. The real `ragas` package then
loads the JSONL that `python -m eval` writes, with every socket closed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from langchain_tests.integration_tests import EmbeddingsIntegrationTests, RetrieversIntegrationTests

from assistant.index.embedder import Embedder, get_embeddings
from assistant.index.retrieve import ChunkRetriever
from eval.cases import load_cases

QUERY = "Partnership for Peace"
ROOT = Path(__file__).resolve().parents[1]


# The suites' async tests (`ainvoke`, `aembed_*`) run on pytest-asyncio (asyncio_mode = "auto" in pyproject).
class TestChunkRetrieverConformance(RetrieversIntegrationTests):
    @pytest.fixture(autouse=True)
    def _hybrid(self, pipeline):
        self.hybrid = pipeline.retriever

    @property
    def retriever_constructor(self) -> type[ChunkRetriever]:
        return ChunkRetriever

    @property
    def retriever_constructor_params(self) -> dict:
        return {"hybrid": self.hybrid}

    @property
    def retriever_query_example(self) -> str:
        return QUERY


class TestEmbedderConformance(EmbeddingsIntegrationTests):
    @property
    def embeddings_class(self) -> type[Embedder]:
        return Embedder

    @property
    def embedding_model_params(self) -> dict:
        return {"model": get_embeddings("all-MiniLM-L6-v2").model}  # the packaged model, loaded once per process


def test_the_retriever_call_overrides_its_defaults_and_keeps_them(pipeline):
    source = "corpus/nato-relations-with-the-european-union.txt"
    retriever = ChunkRetriever(hybrid=pipeline.retriever, k=2)
    filtered = retriever.invoke(QUERY, k=5, sources=[source])
    assert len(filtered) == 5 and {d.metadata["source"] for d in filtered} == {source}
    assert len(retriever.invoke(QUERY)) == 2 and any(d.metadata["source"] != source for d in retriever.invoke(QUERY, k=6))
    with pytest.raises(ValueError, match="k must be at least 1"):
        retriever.invoke(QUERY, k=0)


# An answered case, a refused one and a follow-up (its standalone question is what RAGAS reads).
RAGAS_IDS = ("factoid-01", "unanswerable-11", "followup-01")

# RAGAS in its own process: its import applies nest_asyncio to the process's event loops, which the other
# tests must not inherit, and a fresh import is the one that would fetch or report anything. Every
# non-Unix socket is closed first (asyncio's self-pipe is a Unix socket pair) and each attempt to open one
# is counted, even one the library catches; urllib3 is imported before, since its import probes for IPv6
# by binding ::1. The telemetry switch comes from assistant.offline, not from the test's environment.
READ_WITH_RAGAS = """
import json, sys
import pytest_socket, urllib3
blocked = []
pytest_socket.SocketBlockedError.__init__ = lambda self, *a: (blocked.append(a), RuntimeError.__init__(self, *a))[-1]
pytest_socket.disable_socket(allow_unix_socket=True)
import assistant.offline
import ragas
from ragas import EvaluationDataset, SingleTurnSample
from ragas._analytics import do_not_track
data = EvaluationDataset.from_jsonl(sys.argv[1])
print(json.dumps({"version": ragas.__version__, "do_not_track": do_not_track(), "sockets": len(blocked), "features": data.features(),
                  "single_turn": all(isinstance(s, SingleTurnSample) for s in data), "samples": [s.model_dump() for s in data]}))
"""


@pytest.fixture(scope="module")
def eval_run(pipeline, tmp_path_factory):
    """A real eval run of three cases, written as `python -m eval` writes it: its report and its RAGAS export."""
    from eval.report import write_run
    from eval.run import evaluate

    folder = tmp_path_factory.mktemp("eco")
    report = evaluate(pipeline, [c for c in load_cases() if c.id in RAGAS_IDS], ["extractive"], progress=False, set_name="eco").to_dict()
    write_run(report, folder, plots=False)
    return report, folder / "ragas-extractive.jsonl"


def test_ragas_loads_the_eval_export_offline(eval_run):
    report, export = eval_run
    env = {k: v for k, v in os.environ.items() if k not in ("RAGAS_DO_NOT_TRACK", "HF_DATASETS_OFFLINE")}
    done = subprocess.run([sys.executable, "-c", READ_WITH_RAGAS, str(export)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout.splitlines()[-1])
    rows = {r["id"]: r for r in report["rows"] if r["backend"] == "extractive"}
    order = [json.loads(line)["id"] for line in export.read_text(encoding="utf-8").splitlines()]
    assert (got["version"], got["do_not_track"], got["sockets"], got["single_turn"], sorted(order)) == ("0.3.1", True, 0, True, sorted(RAGAS_IDS))
    assert [(s["user_input"], s["response"], s["retrieved_contexts"], s["reference"], s["reference_contexts"]) for s in got["samples"]] == [
        (rows[i]["standalone_question"], rows[i]["answer"], rows[i]["contexts"], rows[i]["reference_answer"], rows[i]["evidence"]) for i in order
    ]
    answered, refused, follow_up = (rows[i] for i in RAGAS_IDS)
    assert answered["contexts"] and answered["evidence"] and answered["answer"] and refused["refused"] and not refused["evidence"]
    assert follow_up["standalone_question"] != follow_up["question"]
    assert {"user_input", "response", "retrieved_contexts", "reference", "reference_contexts"} <= set(got["features"])
