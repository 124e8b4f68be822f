"""One settings object: every field has a default and a description.

Environment variables `ASSISTANT_<FIELD>` override the defaults, CLI flags override both. The
OpenAI endpoint and key also take the standard `OPENAI_BASE_URL` / `OPENAI_API_KEY`, below the
`ASSISTANT_` names. `python -m assistant settings` prints the effective values.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Effective configuration of ingest, retrieval, answering and the app."""

    # validate_by_name: the aliased fields still take their name as a keyword (`load_settings(openai_base_url=...)`)
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", frozen=True, extra="ignore", validate_by_name=True)

    # where things live
    corpus_dir: Path = Field(REPO_ROOT / "corpus", description="Folder ingested when no path is given.")
    db_dir: Path = Field(REPO_ROOT / ".chroma", description="Index folder: Chroma files, keyword index, manifest.")
    collection: str = Field("articles", description="Chroma collection name (3+ characters).")
    chroma_host: str | None = Field(None, description="Chroma server host; unset means the embedded store in db_dir.")
    chroma_port: int = Field(8000, description="Chroma server port, used with chroma_host.")

    # ingest
    embedding_model: str = Field("all-MiniLM-L6-v2", description="Embedder name (see assistant.index.embedder) or a local model folder.")
    embedder_runtime: str = Field("onnx", description="What runs the embedder: torch, onnx (ONNX Runtime, the same fp32 vectors) or onnx-int8 (quantized: faster, vectors an index must not mix with fp32 ones); ONNX files are exported once into the user's cache folder.")
    embed_batch_size: int = Field(64, description="Texts embedded per batch during ingest.")
    chunk_size: int = Field(600, description="Largest chunk in characters; chunks end on sentence boundaries.")
    chunk_overlap: int = Field(0, description="Characters of trailing sentences repeated at the start of the next chunk.")

    # retrieval
    retrieval_mode: str = Field("hybrid", description="hybrid (dense + BM25 fused), dense or bm25.")
    top_k: int = Field(4, description="Passages returned to the answer backend.")
    candidates: int = Field(30, description="Candidates taken from each retriever before fusion.")
    rrf_k: int = Field(60, description="Reciprocal-rank-fusion constant: larger flattens rank differences.")
    dense_weight: float = Field(1.0, description="Weight of the dense ranking in the fusion.")
    bm25_weight: float = Field(1.0, description="Weight of the BM25 ranking in the fusion.")

    # answering
    backend: str = Field("extractive", description="Answer backend: extractive, local or openai.")
    answer_sentences: int = Field(3, description="Most sentences an extractive answer chooses for each thing asked (a compound question's parts each get this many); each also brings the sentence it leans on (\"This agreement…\" its predecessor) or that carries it on. 3: set on held-out SQuAD train by `python -m eval runner-up --limits`.")
    runner_up_floor: float = Field(0.75, ge=0.0, le=1.0, description="A further sentence is quoted beside an extractive answer's best only when it scores at least this share of it (1: the best alone). Set on held-out SQuAD train by `python -m eval runner-up`.")
    scorer: str = Field("learned", description="Answer scorer: learned (the shipped cross-encoder), heuristic (the hand-weighted blend) or a local cross-encoder folder.")
    refuse_by: str = Field("heuristic", description="What decides a refusal: heuristic (the blend's best score, 0.38) or scorer (the answer scorer's best probability, at its calibrated threshold). See README, Refusal.")
    refusal_threshold: float | None = Field(None, description="Best evidence score below which the assistant says the documents do not answer; unset: the calibrated value of the refuse_by signal (heuristic: 0.38; scorer: its calibration.json).")
    scorer_runtime: str = Field("onnx", description="What runs the answer scorer: torch, onnx (ONNX Runtime; exported once into the user's cache folder) or onnx-int8 (its int8-quantized copy: about twice as fast).")
    rerank_candidates: int = Field(12, description="Passages retrieved for the scorer to reorder before the top k are kept (0 or top_k: no reranking).")
    rerank_fusion: float | None = Field(2.0, ge=0.0, description="With reranking: the reciprocal-rank-fusion constant c by which a passage's retrieval rank and its best-probability rank are fused (1/(c+rank) each; small c: the top ranks count most); unset: the probability's order alone. Set on held-out SQuAD train by `python -m eval rerank-fusion`.")
    cosine_weight: float = Field(0.5, ge=0.0, description="Weight of a sentence's cosine to the question, added to the answer scorer's probability to order the sentences the answer quotes (a second opinion that reads paraphrases); 0: the probability alone.")
    scored_sentences: int = Field(16, description="Most sentences the answer scorer reads per answer (the heuristic's best first, each followed by the next sentence).")
    answer_type_check: bool = Field(True, description="Lead an extractive answer to a date, number or city/country question (\"When…\", \"How many…\", \"Which city…\") with a sentence holding one, when the best sentence holds none and one scoring at least half as well does; refuse a city/country question when none of those sentences names one (assistant.answer.answer_type).")
    resolve_aliases: bool = Field(True, description="Search and score \"the alliance\" or \"the Union\" as the name the documents give it (NATO, the European Union), when they say which (assistant.answer.aliases).")
    refuse_unknown_names: bool = Field(True, description="Refuse a question about a name no indexed passage contains (\"When did Finland join NATO?\" over documents that never mention Finland), saying which.")
    max_question_chars: int = Field(2000, description="Longest question accepted.")

    # language-model backends
    model_path: Path | None = Field(None, description="GGUF file for the local backend; default: the packaged SmolLM2-135M-Instruct.")
    # An alias replaces the env prefix, so each names both variables; the first one set wins.
    openai_base_url: str | None = Field(None, validation_alias=AliasChoices("ASSISTANT_OPENAI_BASE_URL", "OPENAI_BASE_URL"),
                                        description="OpenAI-compatible endpoint (env ASSISTANT_OPENAI_BASE_URL, else OPENAI_BASE_URL); unset: api.openai.com.")
    openai_model: str = Field("gpt-4o-mini", description="Model name sent to the OpenAI-compatible endpoint.")
    openai_api_key: SecretStr | None = Field(None, validation_alias=AliasChoices("ASSISTANT_OPENAI_API_KEY", "OPENAI_API_KEY"),
                                             description="API key (env ASSISTANT_OPENAI_API_KEY, else OPENAI_API_KEY). Never printed.")
    llm_timeout: float = Field(60.0, description="Seconds before a language-model call is abandoned for the extractive answer.")
    max_new_tokens: int = Field(256, description="Most tokens a language model may write per answer.")
    llm_temperature: float = Field(0.0, description="Sampling temperature of the language-model backends (0 = deterministic).")
    llm_context: int = Field(4096, description="Context window in tokens for the local backend (prompt plus answer).")
    support_threshold: float = Field(0.57, description="Support score at or above which a cited sentence counts as supported (maximises balanced accuracy on pairs built from eval/questions.jsonl; see assistant/answer/verify.py).")

    # app
    host: str = Field("127.0.0.1", description="Address the app binds to.")
    port: int = Field(7860, description="Port the app listens on.")
    auth_username: str | None = Field(None, description="With auth_password: the app asks for this user name and password.")
    auth_password: SecretStr | None = Field(None, description="With auth_username: the app's password. Never printed.")
    read_only: bool = Field(False, description="The app's Documents tab only lists: adding and removing documents is refused (a reader-only deployment).")
    feedback_file: Path = Field(REPO_ROOT / "feedback.jsonl", description="Where thumbs up/down on answers are kept: one line per answer, its latest vote and reason.")

    @property
    def keyword_dir(self) -> Path:
        return self.db_dir / "keyword"

    @property
    def manifest_path(self) -> Path:
        return self.db_dir / "manifest.json"

    def chunker_config(self) -> dict:
        return {"chunk_size": self.chunk_size, "chunk_overlap": self.chunk_overlap}

    def describe(self) -> str:
        """Lines of `name = value  # description`, secrets masked."""
        lines = []
        for name, info in type(self).model_fields.items():
            value = getattr(self, name)
            shown = "********" if isinstance(value, SecretStr) else value
            lines.append(f"{name} = {shown}  # {info.description}")
        return "\n".join(lines)


def load_settings(**overrides) -> Settings:
    """Settings from defaults and environment, with non-None overrides (CLI flags) on top."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def index_arguments() -> argparse.ArgumentParser:
    """The index flags every CLI takes, as a parent parser: `add_parser(..., parents=[index_arguments()])`."""
    parser = argparse.ArgumentParser(add_help=False)
    group = parser.add_argument_group("index")
    group.add_argument("--db", type=Path, dest="db_dir", metavar="DIR", help="index folder (env ASSISTANT_DB_DIR)")
    group.add_argument("--chroma-host", metavar="HOST", help="Chroma server host, instead of the index folder (env ASSISTANT_CHROMA_HOST)")
    group.add_argument("--chroma-port", type=int, metavar="PORT", help="Chroma server port, used with --chroma-host (env ASSISTANT_CHROMA_PORT)")
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings with the given flags on top: every parsed argument whose `dest` is a field name.

    >>> settings_from(index_arguments().parse_args(["--db", "/tmp/x", "--chroma-port", "9000"])).chroma_port
    9000
    """
    return load_settings(**{name: value for name, value in vars(args).items() if name in Settings.model_fields})


def loopback(host: str) -> bool:
    """True when `host` is reachable from this machine only.

    >>> loopback("127.0.0.1"), loopback("localhost"), loopback("0.0.0.0")
    (True, True, False)
    """
    return host in ("127.0.0.1", "localhost", "::1") or host.startswith("127.")
