"""Ingest on a real Chroma in a temporary folder with the real packaged embedder."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from assistant.core.errors import ChunkerMismatch, EmbedderMismatch, IndexMissing
from assistant.core.settings import REPO_ROOT, load_settings
from assistant.index.chroma import open_index
from ingest.run import ingest


def _ids(settings) -> set[str]:
    from assistant.index.chroma import chroma_client

    return set(chroma_client(settings).get_collection(settings.collection).get(include=[])["ids"])


def test_first_ingest_indexes_every_document(small_corpus, fresh_settings, embeddings):
    report = ingest([small_corpus], fresh_settings, embeddings=embeddings, progress=False)
    assert sorted(report.added) == ["docs/nato-relations-with-the-european-union.txt", "docs/nato-role-in-global-security.txt"]
    assert report.chunks == report.embedded == len(_ids(fresh_settings)) > 20
    manifest = json.loads(fresh_settings.manifest_path.read_text())
    entry = manifest["documents"]["docs/nato-role-in-global-security.txt"]
    assert entry["title"] == "Understanding NATO’s Role in Enhancing Global Security and Stability"
    assert entry["notice"].startswith("🧠 AI-Generated Insight")


def test_reingest_of_unchanged_corpus_changes_nothing(small_corpus, fresh_settings, embeddings):
    ingest([small_corpus], fresh_settings, embeddings=embeddings, progress=False)
    before = _ids(fresh_settings)
    report = ingest([small_corpus], fresh_settings, embeddings=embeddings, progress=False)
    assert report.embedded == 0 and len(report.unchanged) == 2 and not report.added
    assert _ids(fresh_settings) == before


REINGEST = """import json, runpy, sys
sys.argv = ["ingest", *sys.argv[1:]]
try:
    runpy.run_module("ingest", run_name="__main__", alter_sys=True)
except SystemExit:
    pass
print("LOADED " + json.dumps(sorted(m for m in ("chromadb", "langchain_core", "langchain_text_splitters", "onnxruntime", "torch") if m in sys.modules)))
"""


def test_an_unchanged_re_ingest_in_a_fresh_process_opens_neither_chroma_nor_the_embedder(small_corpus, fresh_settings, embeddings):
    """Nothing changed, so nothing is imported that would write: the reason it takes well under a second."""
    ingest([small_corpus], fresh_settings, embeddings=embeddings, progress=False)
    run = subprocess.run([sys.executable, "-c", REINGEST, str(small_corpus), "--db", str(fresh_settings.db_dir), "--quiet"], capture_output=True, text=True, cwd=REPO_ROOT, timeout=300)
    summary, loaded = run.stdout.rsplit("LOADED ", 1)
    assert "2 unchanged" in summary and "(0 embedded)" in summary, run.stderr
    assert json.loads(loaded) == []
    (small_corpus / "nato-role-in-global-security.txt").write_text("A new first line about NATO.\n\n" + (small_corpus / "nato-role-in-global-security.txt").read_text(encoding="utf-8"), encoding="utf-8")
    run = subprocess.run([sys.executable, "-c", REINGEST, str(small_corpus), "--db", str(fresh_settings.db_dir), "--quiet"], capture_output=True, text=True, cwd=REPO_ROOT, timeout=300)
    summary, loaded = run.stdout.rsplit("LOADED ", 1)
    assert "1 updated" in summary and "chromadb" in json.loads(loaded), run.stderr  # a change is written as before


def test_an_unchanged_re_ingest_still_checks_a_changed_embedder_runtime(small_corpus, fresh_settings, embeddings):
    """The manifest records the runtime: one whose vectors may not be mixed with the index's is refused, as before."""
    ingest([small_corpus], fresh_settings, embeddings=embeddings, progress=False)
    int8 = load_settings(db_dir=fresh_settings.db_dir, embedder_runtime="onnx-int8")
    with pytest.raises(EmbedderMismatch, match="holds fp32 vectors"):
        ingest([small_corpus], int8, progress=False)
    assert ingest([small_corpus], load_settings(db_dir=fresh_settings.db_dir, embedder_runtime="torch"), progress=False).unchanged  # fp32 either way


def test_changed_document_replaces_only_its_changed_chunks(small_corpus, fresh_settings, embeddings):
    ingest([small_corpus], fresh_settings, embeddings=embeddings, progress=False)
    before = _ids(fresh_settings)
    path = small_corpus / "nato-role-in-global-security.txt"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("established in 1949", "established in 1950"), encoding="utf-8")
    report = ingest([small_corpus], fresh_settings, embeddings=embeddings, progress=False)
    after = _ids(fresh_settings)
    assert report.updated == ["docs/nato-role-in-global-security.txt"]
    assert 1 <= report.embedded <= 3  # only the edited chunk(s) are embedded again
    assert len(before - after) == report.embedded and len(after) == len(before)
    index = open_index(fresh_settings, 384)
    texts = [c.text for c in index.get_chunks(sorted(after)).values() if c.source.endswith("global-security.txt")]
    assert any("established in 1950" in t for t in texts) and not any("established in 1949" in t for t in texts)
    assert index.keyword.top("established 1950", 1)[0][0] in after - before  # keyword index rebuilt too


def test_prune_removes_documents_no_longer_present(small_corpus, fresh_settings, embeddings):
    ingest([small_corpus], fresh_settings, embeddings=embeddings, progress=False)
    (small_corpus / "nato-relations-with-the-european-union.txt").unlink()
    kept = ingest([small_corpus], fresh_settings, embeddings=embeddings, progress=False)
    assert not kept.removed  # without --prune nothing is dropped
    report = ingest([small_corpus], fresh_settings, embeddings=embeddings, prune=True, progress=False)
    assert report.removed == ["docs/nato-relations-with-the-european-union.txt"]
    manifest = json.loads(fresh_settings.manifest_path.read_text())
    assert _ids(fresh_settings) == set(manifest["documents"]["docs/nato-role-in-global-security.txt"]["chunk_ids"])


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("empty.txt", b"", "empty file"),
        ("binary.txt", b"\x00\x01\x02PNG\x00" * 10, "binary file"),
        ("latin1.txt", "Défense européenne.".encode("latin-1"), "not valid UTF-8"),
        ("broken.pdf", b"%PDF-1.4 this is not a real pdf", "PDF"),
    ],
)
def test_bad_files_are_reported_by_name_and_the_rest_ingests(small_corpus, fresh_settings, embeddings, name, content, reason):
    (small_corpus / name).write_bytes(content)
    report = ingest([small_corpus], fresh_settings, embeddings=embeddings, progress=False)
    assert [(f.source, reason in f.reason) for f in report.failures] == [(f"docs/{name}", True)]
    assert len(report.added) == 2


def test_html_and_markdown_are_ingested(tmp_path, fresh_settings, embeddings):
    (tmp_path / "page.html").write_text("<html><body><h1>Baltic Air Policing</h1><script>alert(1)</script><p>Allied jets patrol Baltic airspace every day.</p></body></html>")
    (tmp_path / "notes.md").write_text("# Arctic Notes\n\nThe Arctic matters for deterrence.\n")
    report = ingest([tmp_path], fresh_settings, embeddings=embeddings, progress=False)
    assert not report.failures and len(report.added) == 2
    chunks = open_index(fresh_settings, 384).get_chunks(sorted(_ids(fresh_settings)))
    texts = {c.title: c.text for c in chunks.values()}
    assert texts == {"Baltic Air Policing": "Allied jets patrol Baltic airspace every day.", "Arctic Notes": "The Arctic matters for deterrence."}


def test_opening_with_another_embedder_is_a_clear_error(small_corpus, fresh_settings, embeddings, tmp_path):
    ingest([small_corpus], fresh_settings, embeddings=embeddings, progress=False)
    other = load_settings(db_dir=fresh_settings.db_dir, embedding_model=str(tmp_path))
    with pytest.raises(EmbedderMismatch, match="all-MiniLM-L6-v2.*--reset"):
        open_index(other, 384)
    with pytest.raises(EmbedderMismatch, match="dimension 768"):
        open_index(fresh_settings, 768)


def test_changing_chunker_settings_asks_for_reset(small_corpus, fresh_settings, embeddings):
    ingest([small_corpus], fresh_settings, embeddings=embeddings, progress=False)
    other = load_settings(db_dir=fresh_settings.db_dir, chunk_size=300)
    with pytest.raises(ChunkerMismatch, match="--reset"):
        ingest([small_corpus], other, embeddings=embeddings, progress=False)
    report = ingest([small_corpus], other, embeddings=embeddings, reset=True, progress=False)
    assert len(report.added) == 2 and report.chunks > 0


def test_cli_summary_and_exit_status(small_corpus, tmp_path):
    (small_corpus / "empty.txt").write_text("")
    db = tmp_path / "clidb"
    run = subprocess.run([sys.executable, "-m", "ingest", str(small_corpus), "--db", str(db), "--quiet"], capture_output=True, text=True, cwd=REPO_ROOT)
    assert run.returncode == 1, run.stderr
    assert "skipped docs/empty.txt: empty file" in run.stderr
    assert "2 added" in run.stdout and "1 failed" in run.stdout and "Traceback" not in run.stderr
    again = subprocess.run([sys.executable, "-m", "ingest", str(small_corpus), "--db", str(db), "--quiet"], capture_output=True, text=True, cwd=REPO_ROOT)
    assert "2 unchanged" in again.stdout and "(0 embedded)" in again.stdout


def test_a_first_ingest_of_a_missing_path_reports_it_and_leaves_an_empty_index(tmp_path, embeddings):
    """Nothing to embed into an index that does not exist yet: the path is reported, nothing raises,
    and asking then says to ingest first."""
    settings = load_settings(db_dir=tmp_path / "db")
    report = ingest([tmp_path / "missing"], settings, embeddings=embeddings, progress=False)
    assert [f.source for f in report.failures] == [str(tmp_path / "missing")] and report.chunks == 0
    with pytest.raises(IndexMissing, match="run `python -m ingest`"):
        open_index(settings, embeddings.dimension)


def test_an_index_cut_by_the_older_sentence_rule_is_cut_again_and_only_the_moved_chunks_are_embedded(fresh_settings, embeddings, monkeypatch):
    """Version 1 of the splitter cut chunks after "St." and initials; the next ingest of an index it
    built cuts every document again, embeds only the chunks whose text moved, and then finds it unchanged."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    import ingest.run as run
    from ingest.run import TextDocument, ingest_documents

    text = ("Washington University\n\nThe school was named for her husband, George Warren Brown, a St. Louis philanthropist. "
            "It opened in 1925. The business school was named after entrepreneur John M. Olin in 1988. It grew.")
    settings = fresh_settings.model_copy(update={"chunk_size": 80})
    old_rule = r"(?:(?<=[.!?])|(?<=[.!?][\"”’)\]]))\s+(?=[A-Z0-9\"“‘(])"  # before SPLITTER_VERSION 2
    with monkeypatch.context() as patch:
        patch.setattr(run, "SPLITTER_VERSION", 1)
        patch.setattr(run, "make_splitter", lambda size, overlap: RecursiveCharacterTextSplitter(
            separators=[r"\n\s*\n", r"\n", old_rule], is_separator_regex=True, keep_separator="end", chunk_size=size, chunk_overlap=overlap, strip_whitespace=True))
        first = ingest_documents([TextDocument("wu.txt", text)], settings, embeddings=embeddings, progress=False)
    old = [p.chunk for p in open_index(settings, 384).passages_of("wu.txt")]
    assert first.added == ["wu.txt"] and any(c.text.strip().endswith("a St.") for c in old)
    again = ingest_documents([TextDocument("wu.txt", text)], settings, embeddings=embeddings, progress=False)
    new = [p.chunk for p in open_index(settings, 384).passages_of("wu.txt")]
    assert again.updated == ["wu.txt"] and not any(c.text.strip().endswith(("St.", "M.")) for c in new)
    assert 0 < again.embedded < again.chunks == len(new)  # the chunks that did not move kept their ids and vectors
    assert {c.chunk_id for c in new} & {c.chunk_id for c in old}
    assert ingest_documents([TextDocument("wu.txt", text)], settings, embeddings=embeddings, progress=False).unchanged == ["wu.txt"]
