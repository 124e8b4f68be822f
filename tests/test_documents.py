"""Documents added and removed one at a time (`ingest.manage`) and the Documents tab's pure parts.

Real Chroma and the packaged embedder in `tmp_path`; the corpus folder is a temporary copy too.
"""

from __future__ import annotations

import threading

import pytest
from pydantic import SecretStr

from assistant.app.documents import deployment_problem, line_html, report_html, table_html, when, write_problem
from assistant.core.errors import AssistantError
from assistant.core.settings import load_settings
from assistant.index.manifest import ManifestEntry, read_manifest
from ingest.load import Failure
from ingest.manage import add_files, remove_document, source_name
from ingest.run import IngestReport, ingest, ingest_lock
from tests.support import GOOD_NOTE, write_file


@pytest.fixture
def settings(tmp_path, small_corpus):
    return load_settings(db_dir=tmp_path / "db", corpus_dir=small_corpus)


@pytest.fixture
def built(settings, embeddings):
    assert not ingest([settings.corpus_dir], settings, embeddings=embeddings, progress=False).failures
    return settings


def test_an_added_file_is_stored_in_the_corpus_folder_and_a_re_ingest_finds_it_unchanged(built, embeddings, tmp_path):
    upload = write_file(tmp_path / "uploads", "harbour-note.txt", GOOD_NOTE)
    report = add_files([upload], built, embeddings=embeddings)
    source = source_name(built, "harbour-note.txt")
    assert report.added == [source] and not report.failures
    assert (built.corpus_dir / "harbour-note.txt").read_text(encoding="utf-8") == GOOD_NOTE
    entry = read_manifest(built).documents[source]
    assert entry.title == "The Harbour Note" and entry.sections == 1 and entry.indexed_at.endswith("+00:00")
    again = ingest([built.corpus_dir], built, embeddings=embeddings, progress=False)
    assert source in again.unchanged and not again.added and again.embedded == 0


def test_a_bad_file_is_reported_by_name_and_the_good_one_still_ingested(built, embeddings, tmp_path):
    good = write_file(tmp_path / "uploads", "harbour-note.txt", GOOD_NOTE)
    bad = tmp_path / "uploads" / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4 this is not a pdf")
    report = add_files([bad, good], built, embeddings=embeddings)
    assert [f.source for f in report.failures] == ["broken.pdf"] and "broken PDF" in report.failures[0].reason
    assert report.added == [source_name(built, "harbour-note.txt")]
    assert not (built.corpus_dir / "broken.pdf").exists()


def test_a_name_already_there_is_refused_unless_replacing_and_the_old_file_is_kept(built, embeddings, tmp_path):
    name = "nato-role-in-global-security.txt"
    old = (built.corpus_dir / name).read_text(encoding="utf-8")
    upload = write_file(tmp_path / "uploads", name, GOOD_NOTE)
    refused = add_files([upload], built, embeddings=embeddings)
    assert refused.failures[0].source == name and "Replace documents with the same name" in refused.failures[0].reason
    assert (built.corpus_dir / name).read_text(encoding="utf-8") == old
    replaced = add_files([upload], built, replace=True, embeddings=embeddings)
    assert replaced.updated == [source_name(built, name)]
    assert (built.corpus_dir / name).read_text(encoding="utf-8") == GOOD_NOTE
    assert [p.read_text(encoding="utf-8") for p in (built.db_dir / "removed").iterdir()] == [old]


def test_removing_a_document_takes_its_chunks_keyword_entries_and_text_and_sets_its_file_aside(built, embeddings):
    from assistant.answer.pipeline import Pipeline

    source = source_name(built, "nato-role-in-global-security.txt")
    entry = read_manifest(built).documents[source]
    removal = remove_document(source, built)
    pipeline = Pipeline.load(built, embeddings=embeddings)
    assert source not in pipeline.index.documents() and not pipeline.index.get_chunks(entry.chunk_ids)
    assert not set(entry.chunk_ids) & set(pipeline.index.keyword.ids)
    assert not (built.db_dir / "docs" / f"{entry.sha256}.txt").exists()
    assert removal.kept_at is not None and removal.kept_at.parent == built.db_dir / "removed" and removal.kept_at.exists()
    assert not (built.corpus_dir / "nato-role-in-global-security.txt").exists()
    assert source not in ingest([built.corpus_dir], built, embeddings=embeddings, progress=False).added  # it stays removed


def test_removing_an_unknown_document_says_so(built):
    with pytest.raises(AssistantError, match="no document named"):
        remove_document("corpus/nothing.txt", built)


def test_a_write_while_another_holds_the_ingest_lock_is_refused_and_changes_nothing(built, embeddings, tmp_path):
    upload = write_file(tmp_path / "uploads", "harbour-note.txt", GOOD_NOTE)
    before = built.manifest_path.read_bytes()
    held, release = threading.Event(), threading.Event()

    def hold():
        with ingest_lock(built):
            held.set()
            release.wait()

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait()
    try:
        with pytest.raises(AssistantError, match="another ingest is writing"):
            add_files([upload], built, embeddings=embeddings)
        with pytest.raises(AssistantError, match="another ingest is writing"):
            remove_document(source_name(built, "nato-role-in-global-security.txt"), built)
    finally:
        release.set()
        holder.join()
    assert built.manifest_path.read_bytes() == before and not (built.corpus_dir / "harbour-note.txt").exists()


def test_two_uploads_at_once_leave_a_consistent_index(built, embeddings, tmp_path):
    """Each either lands whole or is refused with the lock's message; the index then matches the manifest."""
    from assistant.answer.pipeline import Pipeline

    uploads = [write_file(tmp_path / f"u{i}", f"note-{i}.txt", GOOD_NOTE.replace("Harbour", f"Harbour {i}")) for i in range(2)]
    outcomes: list[object] = []

    def add(upload):
        try:
            outcomes.append(add_files([upload], built, embeddings=embeddings))
        except AssistantError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=add, args=(u,)) for u in uploads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    reports = [o for o in outcomes if isinstance(o, IngestReport)]
    assert reports and all(isinstance(o, IngestReport) or "another ingest" in str(o) for o in outcomes)
    manifest = read_manifest(built)
    index = Pipeline.load(built, embeddings=embeddings).index
    assert set(index.keyword.ids) == manifest.chunk_ids() and index.count() == len(manifest.chunk_ids())
    assert {s for r in reports for s in r.added} <= set(manifest.documents)


def test_an_old_manifest_without_the_new_fields_still_reads(tmp_path):
    settings = load_settings(db_dir=tmp_path)
    settings.manifest_path.write_text('{"version": 1, "documents": {"corpus/a.txt": {"sha256": "x", "title": "A", "chunk_ids": ["1"]}}}')
    entry = read_manifest(settings).documents["corpus/a.txt"]
    assert (entry.sections, entry.indexed_at, entry.title) == (None, "", "A")


READ_ONLY = load_settings(read_only=True)
READER = load_settings(chroma_host="chroma.example", db_dir="/nonexistent-index")
LOGIN = load_settings(auth_username="ann", auth_password=SecretStr("pw"), db_dir="/nonexistent-index")


@pytest.mark.parametrize(("settings", "username", "expected"), [
    (READ_ONLY, "ann", "read-only"),
    (READER, None, "Chroma server at chroma.example:8000"),
    (LOGIN, None, "log in to add or remove documents"),
    (LOGIN, "ann", ""),
    (load_settings(db_dir="/nonexistent-index"), None, ""),
    (load_settings(db_dir="/nonexistent-index", host="0.0.0.0"), None, "served on 0.0.0.0 without a login"),
    (load_settings(db_dir="/nonexistent-index", host="0.0.0.0", auth_username="ann", auth_password="pw"), "ann", ""),
])
def test_who_may_write(settings, username, expected):
    problem = write_problem(settings, username)
    assert (expected in problem) if expected else problem == ""


def test_a_login_alone_does_not_make_the_deployment_read_only():
    assert deployment_problem(LOGIN) == ""


DOCUMENTS = {
    "corpus/b.txt": ManifestEntry(title="Beta <b>", notice="🧠 AI notice: drafted with AI.", chunk_ids=["1", "2"], sections=3, indexed_at="2026-12-01T16:40:12+00:00"),
    "corpus/a.txt": ManifestEntry(title="", chunk_ids=["3"]),
}


@pytest.mark.parametrize(("html", "expected"), [
    (table_html(DOCUMENTS), "2 documents in the index"),
    (table_html(DOCUMENTS), "Beta &lt;b&gt;"),
    (table_html(DOCUMENTS), '<td class="num">3</td><td class="num">2</td>'),
    (table_html(DOCUMENTS), "2026-12-01 16:40 UTC"),
    (table_html(DOCUMENTS), '<td class="num">—</td><td class="num">1</td>'),
    (table_html({}), "No documents in the index yet"),
    (line_html(DOCUMENTS), "<b>2 documents:</b> Beta &lt;b&gt; · corpus/a.txt"),
    (line_html({"corpus/a.txt": ManifestEntry(title="A")}), "<b>1 document:</b> A"),
    (report_html(IngestReport(added=["corpus/n.txt"], failures=[Failure("bad.pdf", "broken PDF")])), "<b>bad.pdf</b> was not added: broken PDF"),
    (report_html(IngestReport(added=["corpus/n.txt"])), "Added: corpus/n.txt"),
    (report_html(IngestReport()), "choose one or more files first"),
])
def test_documents_html(html, expected):
    assert expected in html


def test_an_unknown_time_shows_a_dash():
    assert when("not a time") == "—"



@pytest.mark.parametrize("update", [{"read_only": True}, {"auth_username": "ann", "auth_password": SecretStr("pw")}])
def test_the_tab_refuses_a_write_it_may_not_make_and_stores_nothing(built, tmp_path, update):
    """The handlers themselves refuse (read-only, or a login configured and none given), whatever the page shows."""
    from types import SimpleNamespace

    from assistant.app.conversation import PipelineHolder
    from assistant.app.documents import _remove, _upload

    settings = built.model_copy(update=update)
    holder, anonymous = PipelineHolder(settings), SimpleNamespace(username=None)
    before = built.manifest_path.read_bytes()
    upload = write_file(tmp_path / "uploads", "harbour-note.txt", GOOD_NOTE)
    shown, _ = _upload(holder, [str(upload)], False, anonymous, lambda *args, **kwargs: None)
    removed = _remove(holder, source_name(built, "nato-role-in-global-security.txt"), anonymous)
    expected = "read-only" if update.get("read_only") else "log in to add or remove documents"
    assert expected in shown and expected in removed
    assert built.manifest_path.read_bytes() == before and not (built.corpus_dir / "harbour-note.txt").exists()


def test_the_app_pipeline_sees_an_added_document_once_refreshed(built, embeddings, tmp_path):
    """Its keyword index is the one loaded at start until `refresh` reopens the index."""
    from assistant.answer.pipeline import Pipeline
    from assistant.app.conversation import PipelineHolder

    holder = PipelineHolder(built, Pipeline.load(built, embeddings=embeddings))
    add_files([write_file(tmp_path / "uploads", "harbour-note.txt", GOOD_NOTE)], built, embeddings=embeddings)
    assert source_name(built, "harbour-note.txt") not in keyword_hits(holder, "Zephyr lighthouse Vellmar")
    holder.refresh()
    assert source_name(built, "harbour-note.txt") in keyword_hits(holder, "Zephyr lighthouse Vellmar")


def keyword_hits(holder, query: str) -> set[str]:
    """The documents the app pipeline's keyword search finds for `query`."""
    return {p.chunk.source for p in holder.get().retriever.search(query, mode="bm25")}


def test_removing_every_document_then_adding_one_gives_a_working_index(built, embeddings, tmp_path):
    from assistant.answer.pipeline import Pipeline
    from assistant.app.conversation import PipelineHolder

    holder = PipelineHolder(built, Pipeline.load(built, embeddings=embeddings))
    for source in list(read_manifest(built).documents):
        remove_document(source, built)
    holder.refresh()
    with pytest.raises(AssistantError, match="python -m ingest"):
        holder.get()
    add_files([write_file(tmp_path / "uploads", "harbour-note.txt", GOOD_NOTE)], built, embeddings=embeddings)
    holder.refresh()
    assert list(holder.get().index.documents()) == [source_name(built, "harbour-note.txt")]
    assert holder.get().answer("When was the Zephyr lighthouse built?", backend="extractive").citations[0].source == source_name(built, "harbour-note.txt")


def test_an_html_upload_is_kept_as_html_and_indexed_as_its_text(built, embeddings, tmp_path):
    page = "<html><head><style>p {}</style></head><body><h1>The Harbour Page</h1><p>The Zephyr lighthouse was built in 1873.</p></body></html>"
    report = add_files([write_file(tmp_path / "uploads", "harbour.html", page)], built, embeddings=embeddings)
    entry = read_manifest(built).documents[source_name(built, "harbour.html")]
    assert report.added and (built.corpus_dir / "harbour.html").read_text(encoding="utf-8") == page
    assert entry.title == "The Harbour Page" and "<p>" not in (built.db_dir / "docs" / f"{entry.sha256}.txt").read_text(encoding="utf-8")
