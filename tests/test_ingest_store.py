"""Ingest into a real Chroma on disk with the real model: offsets, metadata, bad files, HTML.

Re-ingest, replacement and pruning are tested in both storage modes in test_chroma_server.py."""
from ingest import Ingestor

from .conftest import SAMPLE_ONE as SAMPLE_REPORTS

REPORT = """Title: Workers sent to Vladivostok shipyards
Date: 2023-05-02
Outlet: Synthetic test fixture

About 250 North Korean welders arrived at shipyards in Vladivostok in May, a source said.

They must hand over their passports to a minder on arrival.
"""


def test_sample_ingest_offsets_and_metadata(make_store):
    store = make_store()
    summary = Ingestor(store).ingest_paths([SAMPLE_REPORTS])
    assert len(summary.added) == 1 and not summary.failed
    [doc] = store.list_documents()
    assert doc.outlet == "Daily NK" and doc.date == "2021-04" and doc.source.startswith("https://www.dailynk.com/")
    full = store.get_document(doc.doc_id).text
    got = store.passages_col.get(include=["metadatas", "documents"])
    assert len(got["ids"]) == doc.passages > 3
    for meta, text in zip(got["metadatas"], got["documents"]):
        assert full[meta["start"] : meta["end"]] == text
        assert meta["doc_id"] == doc.doc_id and meta["title"] == doc.title and meta["outlet"] == "Daily NK"
        assert 150 <= len(text) <= 900


def test_bad_files_fail_alone(tmp_path, make_store):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.txt").write_text(REPORT)
    (folder / "empty.txt").write_text("")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02garbage")
    # Not UTF-8 and no declared charset: read anyway (detected), with a warning.
    (folder / "latin1.txt").write_bytes("Caf\xe9 workers\n\nNorth Korean cooks at a caf\xe9 in Vientiane.\n".encode("latin-1"))
    store = make_store()
    summary = Ingestor(store).ingest_paths([folder, tmp_path / "missing.txt"])
    assert len(summary.added) == 2
    messages = " ".join(m for _, m in summary.failed)
    assert len(summary.failed) == 3
    assert "empty" in messages and "binary" in messages and "no such file" in messages
    assert any("latin1.txt: not UTF-8" in w for w in summary.warnings)
    assert "Café workers" in {d.title for d in store.list_documents()}


def test_html_report(tmp_path, make_store):
    page = tmp_path / "page.html"
    page.write_text("""<html><head><title>Site | Loggers in Siberia</title>
    <meta property="og:title" content="Loggers in Siberia">
    <meta property="article:published_time" content="2019-11-03T08:00:00Z">
    <meta property="og:site_name" content="Example News">
    <link rel="canonical" href="https://example.com/loggers"></head>
    <body><nav>Home | World</nav><article><h1>Loggers in Siberia</h1>
    <p>North Korean loggers in Tynda work twelve-hour shifts, a defector said.</p>
    <p>They return home after a three-year contract.</p></article>
    <footer>Copyright Example</footer><script>alert(1)</script></body></html>""")
    store = make_store()
    Ingestor(store).ingest_paths([page])
    [doc] = store.list_documents()
    assert (doc.title, doc.date, doc.outlet, doc.source) == ("Loggers in Siberia", "2019-11-03", "Example News", "https://example.com/loggers")
    text = store.get_document(doc.doc_id).text
    assert "Tynda" in text and "alert" not in text and "Home | World" not in text and "Copyright" not in text


def test_store_as_langchain_vectorstore(make_store):
    """The stored passages are usable from langchain-chroma's ``Chroma`` (same client, our embedder)."""
    store = make_store()
    Ingestor(store).ingest_paths([SAMPLE_REPORTS])
    docs = store.as_langchain("passages").similarity_search("passports and visas for Qatar", k=2)
    assert len(docs) == 2
    assert any("passports and visas" in d.page_content for d in docs)
    assert all(d.metadata["outlet"] == "Daily NK" and d.metadata["end"] > d.metadata["start"] for d in docs)


def test_a_report_that_cannot_be_embedded_fails_alone(make_store):
    from ingest import prepare_report
    from ingest.readers import parse_text

    good = prepare_report(parse_text(REPORT, "good.txt"), "good.txt")
    bad = prepare_report(parse_text(REPORT.replace("Vladivostok", "Nakhodka"), "bad.txt"), "bad.txt")
    bad.sentences[0].text = None  # what a reader bug would hand on: not text
    store = make_store()
    summary = Ingestor(store).ingest_reports([good, bad])
    assert summary.added == [good.record.doc_id]
    [(name, message)] = summary.failed
    assert name == bad.record.doc_id and message.startswith(f"{name}: could not be embedded (TypeError")
    assert [d.doc_id for d in store.list_documents()] == [good.record.doc_id]
