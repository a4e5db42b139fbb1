"""Structure end to end (issue 10.5): a structured report through the real store, model and HTTP API.

Headings are never quoted alone, a fact that only a caption holds is found and cited as a
caption, items are quoted with their lead-in, and citations carry heading and page."""
import re

import pytest
import requests

from ingest import Ingestor, ParsedReport, prepare_report
from qa.extractive import CAPTION_MARK

from .test_stream import stream

REPORT = """Title: Logging camps in the Russian Far East
Date: 2022-05-01
Outlet: Structure test fixture

North Korean loggers in the Amur region work in remote camps run by a state company,
according to two former workers who spoke to researchers in Seoul.

## Living conditions

The workers sleep in wooden barracks that hold about
forty men each, and they share a single stove.

Former workers listed the main hardships:
- Passports are collected by the camp manager on arrival.
- Wages are paid only when the three-year contract ends.

Caption: The camp's sawmill near Tynda was built by a Chinese firm in 2009.

## Getting there

The camp lies about 80 kilometres from the nearest town and
can be reached at the end of a dirt road.

Supplies arrive by truck once a month, the workers said.
"""

PDF_BODY = ("Panel report on overseas workers\n\nThe panel visited three ports in 2023.\n1\n\f"
            "## Findings\n\nInspectors counted 140 North Korean welders at the Nakhodka shipyard in March.\n"
            "Page 2\n\f")
HEADINGS = {"Living conditions", "Getting there", "Findings"}


@pytest.fixture(scope="module")
def structured_store(tmp_path_factory, embedder):
    from vectorstore import ReportStore

    folder = tmp_path_factory.mktemp("structure")
    (folder / "reports").mkdir()
    (folder / "reports" / "camps.md").write_text(REPORT)
    store = ReportStore(embedder, path=folder / "store")
    ingestor = Ingestor(store)
    summary = ingestor.ingest_paths([folder / "reports"])
    assert not summary.failed and len(summary.added) == 1
    # A PDF as the PDF reader hands it over (pages split by form feeds), before that reader exists.
    pdf = prepare_report(ParsedReport(body=PDF_BODY, meta={"title": "Panel report", "date": "2023-06-01",
                                                           "outlet": "Structure test fixture"}), "panel.pdf")
    ingestor.ingest_reports([pdf])
    return folder / "store"


@pytest.fixture
def server(make_live_server, structured_store):
    return make_live_server(store=structured_store)


def ask(server, question: str) -> dict:
    r = requests.post(server.url + "/api/ask", json={"question": question}, timeout=60)
    assert r.status_code == 200
    return r.json()


def quoted_pieces(answer: str) -> list[str]:
    return [p.strip() for p in re.split(r"\s*\[\d+\]\s*", answer) if p.strip()]


def test_store_keeps_heading_page_and_kind(structured_store, embedder):
    from vectorstore import ReportStore

    store = ReportStore(embedder, path=structured_store)
    docs = {d.title: d for d in store.list_documents()}
    camps, panel = docs["Logging camps in the Russian Far East"], docs["Panel report"]
    sentences = {s.text: s for s in store.sentences_of([camps.doc_id, panel.doc_id])}
    assert sentences["Living conditions"].kind == "heading"
    barracks = sentences["The workers sleep in wooden barracks that hold about forty men each, and they share a single stove."]
    assert barracks.heading == "Living conditions" and barracks.page is None and barracks.kind == "body"
    item = sentences["Passports are collected by the camp manager on arrival."]
    assert item.kind == "item" and item.context == "Former workers listed the main hardships:"
    assert sentences["The camp's sawmill near Tynda was built by a Chinese firm in 2009."].kind == "caption"
    welders = sentences["Inspectors counted 140 North Korean welders at the Nakhodka shipyard in March."]
    assert (welders.heading, welders.page) == ("Findings", 2)
    passages = store.get_passages([welders.chunk_id, barracks.chunk_id])
    assert passages[welders.chunk_id].page in (1, 2) and passages[barracks.chunk_id].page is None
    hits = store.query_passages(embedder.encode_query("welders at the Nakhodka shipyard"), 3)
    assert hits[0].metadata["page"] in (1, 2) and hits[0].metadata["doc_id"] == panel.doc_id
    assert all("heading" in h.metadata and "page" in h.metadata for h in hits)
    text = store.get_document(camps.doc_id).text
    assert "##" not in text and "\nLiving conditions\n" in text
    assert "dirt road" in text and "Supplies arrive by truck" in text, "a body sentence does not cut the report"


@pytest.mark.parametrize("question", [
    "What are the living conditions like in the camps?", "Living conditions", "Getting there",
    "How do you get to the camp?", "What did the panel find?", "Findings"])
def test_a_heading_is_never_quoted_alone(server, question):
    data = ask(server, question)
    for piece in quoted_pieces(data["answer"]):
        assert piece.rstrip(".") not in HEADINGS, data["answer"]
    for c in data["citations"]:
        for h in c["highlights"]:
            assert c["text"][h["start"] : h["end"]] not in HEADINGS


def test_a_caption_only_fact_is_found_and_cited_as_a_caption(server):
    data = ask(server, "Who built the sawmill near Tynda?")
    assert data["found"] is True
    assert "Chinese firm" in data["answer"] and data["answer"].startswith(CAPTION_MARK)
    [cit] = data["citations"]
    assert cit["kind"] == "caption" and cit["heading"] == "Living conditions" and cit["page"] is None
    [h] = cit["highlights"]
    assert h["kind"] == "caption" and "Chinese firm" in cit["text"][h["start"] : h["end"]]


def test_an_item_is_quoted_with_its_lead_in(server):
    data = ask(server, "What happens to the workers' passports?")
    assert data["found"] is True
    assert "Former workers listed the main hardships: Passports are collected" in data["answer"]
    cit = data["citations"][0]
    kinds = {h["kind"] for h in cit["highlights"]}
    assert kinds == {"lead_in", "item"}
    for h in cit["highlights"]:
        assert cit["text"][h["start"] : h["end"]] in data["answer"]


def test_pdf_citation_has_its_page_in_ask_and_stream(server):
    question = "How many North Korean welders were counted at the Nakhodka shipyard?"
    data = ask(server, question)
    assert data["found"] is True and "140" in data["answer"]
    cit = data["citations"][0]
    assert cit["page"] == 2 and cit["heading"] == "Findings" and cit["kind"] == "passage"
    _, events = stream(server, {"question": question})
    [cits] = [d["citations"] for name, d in events if name == "citations"]
    assert cits[0]["page"] == 2 and cits[0]["heading"] == "Findings"


def test_a_question_about_a_lead_in_is_answered_with_its_items(server):
    data = ask(server, "What hardships did former workers list?")
    assert data["found"] is True
    answer = data["answer"]
    assert answer.startswith("Former workers listed the main hardships: Passports are collected")
    assert "Wages are paid only when the three-year contract ends." in answer
    assert answer.count("Former workers listed") == 1, "the lead-in is quoted once for the list"
    assert not any(p.rstrip(":") == "Former workers listed the main hardships" for p in quoted_pieces(answer))


def test_openai_compatible_citations_carry_heading_and_page(server):
    body = {"model": "report-qa", "messages": [
        {"role": "user", "content": "How many North Korean welders were counted at the Nakhodka shipyard?"}]}
    r = requests.post(server.url + "/v1/chat/completions", json=body, timeout=60)
    assert r.status_code == 200
    [cit] = r.json()["choices"][0]["message"]["citations"][:1]
    assert cit["page"] == 2 and cit["heading"] == "Findings" and cit["kind"] == "passage"
