"""The key integration paths (ingest, re-ingest, edit, prune, ask, cross-process freshness) in
both storage modes: an embedded Chroma folder and a real ``chroma run`` server (session fixture
``chroma_server``; each test uses its own collection prefix on it)."""
import shutil
import time

import pytest
import requests

from ingest import Ingestor
from qa import build_service
from settings import Settings
from vectorstore import ReportStore, StoreError

from .conftest import SAMPLE_ONE as SAMPLE_REPORTS
from .conftest import run_cli

REPORT = """Title: Welders sent to Vladivostok shipyards
Date: 2023-05-02
Outlet: Synthetic test fixture

About 250 North Korean welders arrived at shipyards in Vladivostok in May, a source said.

They must hand over their passports to a minder on arrival.
"""
WELDERS_Q = "How many welders arrived at the shipyards in Vladivostok?"


@pytest.fixture(params=["embedded", "server"])
def new_store(request, tmp_path, embedder):
    """``new_store()``: a fresh ReportStore in the mode of the test's parameter; calling it again
    gives a second, independent handle on the same data (as another process would open it)."""
    if request.param == "server":
        url = request.getfixturevalue("chroma_server")
        prefix = f"t{int(time.time() * 1000) % 10**9}{id(request) % 1000}"
        return lambda: ReportStore(embedder, url=url, prefix=prefix)
    return lambda: ReportStore(embedder, path=tmp_path / "store")


def ids(store):
    return set(store.passages_col.get(include=[])["ids"]), set(store.sentences_col.get(include=[])["ids"])


def test_ingest_reingest_edit_prune(tmp_path, new_store):
    folder = tmp_path / "reports"
    folder.mkdir()
    path = folder / "vlad.txt"
    path.write_text(REPORT)
    shutil.copy(next(SAMPLE_REPORTS.glob("*.txt")), folder / "sample.txt")
    store = new_store()
    ing = Ingestor(store)
    first = ing.ingest_paths([folder])
    assert len(first.added) == 2 and not first.failed
    for doc in store.list_documents():
        full = store.get_document(doc.doc_id).text
        got = store.passages_col.get(where={"doc_id": doc.doc_id}, include=["metadatas", "documents"])
        assert len(got["ids"]) == doc.passages >= 1
        assert all(full[m["start"] : m["end"]] == t for m, t in zip(got["metadatas"], got["documents"]))

    before = ids(store)
    again = ing.ingest_paths([folder])
    assert again.added == again.updated == [] and len(again.unchanged) == 2 and again.passages == 0
    assert ids(store) == before

    doc_id = next(d.doc_id for d in store.list_documents() if "Vladivostok" in d.title)
    path.write_text(REPORT.replace("About 250", "About 320"))
    edited = ing.ingest_paths([folder])
    assert edited.updated == [doc_id] and len(edited.unchanged) == 1
    after = ids(store)
    old_passages = {p for p in before[0] if p.startswith(doc_id)}
    new_passages = {p for p in after[0] if p.startswith(doc_id)}
    assert old_passages and new_passages and not (old_passages & new_passages), "old passages are gone"
    texts = store.passages_col.get(where={"doc_id": doc_id}, include=["documents"])["documents"]
    assert any("320" in t for t in texts) and not any("About 250" in t for t in texts)

    path.unlink()
    assert ing.ingest_paths([folder]).removed == []  # without --prune nothing is removed
    assert store.get_document(doc_id) is not None
    assert ing.ingest_paths([folder], prune=True).removed == [doc_id]
    assert store.get_document(doc_id) is None
    assert not store.passages_col.get(where={"doc_id": doc_id}, include=[])["ids"]
    assert not store.sentences_col.get(where={"doc_id": doc_id}, include=[])["ids"]


def test_service_sees_another_writer_without_reopening(tmp_path, new_store):
    """The reader's keyword mirror re-syncs on the generation token, in both modes."""
    Ingestor(new_store()).ingest_paths([SAMPLE_REPORTS])
    service = build_service(Settings.from_env(store=tmp_path / "unused"), new_store())
    answer = service.ask("Which countries are the laborers sent to?")
    assert answer.found and "Qatar" in answer.answer and answer.citations
    assert not any("Vladivostok" in c.text for c in service.ask(WELDERS_Q).citations)

    (tmp_path / "vlad.txt").write_text(REPORT)
    Ingestor(new_store()).ingest_paths([tmp_path / "vlad.txt"])  # another handle, as the CLI would
    after = service.ask(WELDERS_Q)
    assert after.found and "250" in after.answer
    assert any("Vladivostok" in c.text for c in after.citations)


def test_cli_ingest_to_server_is_answered_by_running_api(chroma_server, server_store, make_live_server, tmp_path):
    prefix = server_store().prefix
    first = run_cli("--chroma-url", chroma_server, "--collection", prefix, "-q", str(SAMPLE_REPORTS))
    assert first.returncode == 0, first.stderr
    live = make_live_server(chroma_url=chroma_server, collection=prefix)
    health = requests.get(live.url + "/api/health", timeout=10).json()
    assert health["documents"] == 1 and health["passages"] > 3
    before = requests.post(live.url + "/api/ask", json={"question": WELDERS_Q}, timeout=30).json()
    assert not any("Vladivostok" in c["text"] for c in before["citations"])

    (tmp_path / "vlad.txt").write_text(REPORT)
    out = run_cli("--chroma-url", chroma_server, "--collection", prefix, "-q", str(tmp_path / "vlad.txt"))
    assert out.returncode == 0, out.stderr
    after = requests.post(live.url + "/api/ask", json={"question": WELDERS_Q}, timeout=30).json()
    assert after["found"] and "250" in after["answer"]
    assert any("Vladivostok" in c["text"] for c in after["citations"])
    assert requests.get(live.url + "/api/health", timeout=10).json()["documents"] == 2


def test_server_purge_spares_a_write_in_progress(server_store, tmp_path):
    """On a shared server another machine may be mid-write: recent non-active records survive
    the purge; old ones (an interrupted write) are removed."""
    store = server_store()
    Ingestor(store).ingest_paths([SAMPLE_REPORTS])
    [doc] = store.list_documents()
    got = store.passages_col.get(where={"doc_id": doc.doc_id}, include=["metadatas", "documents", "embeddings"])
    # Another writer's new version, written but not switched yet.
    store.passages_col.add(
        ids=[f"{i}.pending" for i in got["ids"]], embeddings=got["embeddings"], documents=got["documents"],
        metadatas=[{**m, "version": "pending", "written_at": time.time()} for m in got["metadatas"]],
    )
    assert store.purge_orphans() == 0
    assert store.purge_orphans(grace_s=0) == len(got["ids"])
    assert ids(store)[0] == set(got["ids"])


def test_unreachable_server_is_a_clear_error(tmp_path, embedder):
    with pytest.raises(StoreError, match="Chroma server"):
        ReportStore(embedder, url="http://127.0.0.1:9").list_documents()
    (tmp_path / "vlad.txt").write_text(REPORT)
    out = run_cli("--chroma-url", "http://127.0.0.1:9", "-q", str(tmp_path / "vlad.txt"), timeout=120)
    assert out.returncode == 3 and "Chroma server" in out.stderr and "Traceback" not in out.stderr
