"""Report filters (date range, outlets, report ids) on every ask route, the documents list and
in the store, against the real app over HTTP on a CLI-ingested store (see ``analyst_store_dir``).

Corpus: the fixture reports ("Synthetic test fixture", 2020-2024, day precision), the timeline
fixtures ("Synthetic wire fixture", dated 2022 and 2025-03) and the sample report (Daily NK, 2021-04).
"""
from __future__ import annotations

import json

import openai
import pytest
import requests
from openai import OpenAI

from qa.filters import ReportFilter
from qa.keyword import KeywordIndex
from vectorstore import ReportStore
from vectorstore.dates import day_range

MONGOLIA = "How many North Koreans work in Mongolia?"
COUNTRIES = "Which countries are the laborers sent to?"


def ask(server, question, filters=None, path="/api/ask"):
    body = {"question": question}
    if filters is not None:
        body["filters"] = filters
    return requests.post(server.url + path, json=body, timeout=60)


def stream(server, question, filters):
    r = ask(server, question, filters, path="/api/ask/stream")
    assert r.status_code == 200, r.text
    events = {}
    text = ""
    for block in r.text.strip().split("\n\n"):
        name = block.split("\n")[0].removeprefix("event: ")
        data = json.loads(block.split("data: ", 1)[1])
        if name == "delta":
            text += data["text"]
        events[name] = data
    return text, events


def documents(server, **params):
    return requests.get(server.url + "/api/documents", params=params, timeout=30)


def doc_id_of(server, title_part):
    docs = documents(server).json()["documents"]
    return next(d["doc_id"] for d in docs if title_part in d["title"])


# ---- the date rule, pure -----------------------------------------------------------------------

def test_a_date_is_the_range_of_its_precision():
    assert day_range("2021") == (20210101, 20211231)
    assert day_range("2021-04") == (20210401, 20210430)
    assert day_range("2024-02") == (20240201, 20240229)
    assert day_range("2021-04-15") == (20210415, 20210415)
    for bad in ("2021-13", "2021-02-30", "21-04", "April 2021", "", "2021-4"):
        assert day_range(bad) is None, bad


def test_month_and_year_dates_match_a_bound_they_overlap():
    april = ("d", "2021-04", "X")
    assert ReportFilter.of(since="2021-04-15").matches(*april)  # part of April is on or after the 15th
    assert ReportFilter.of(until="2021-04-01").matches(*april)
    assert not ReportFilter.of(since="2021-05").matches(*april)
    assert not ReportFilter.of(until="2021-03-31").matches(*april)
    assert ReportFilter.of(since="2021-12-31").matches("d", "2021", "X")
    assert ReportFilter.of(since="2021-06", until="2021-06").matches("d", "2021", "X")
    assert not ReportFilter.of(since="2022").matches("d", "2021", "X")
    assert not ReportFilter.of(since="2000").matches("d", "", "X"), "an undated report never matches a date bound"
    assert ReportFilter.of(outlets=["X"]).matches("d", "", "X")


def test_filter_values_are_checked():
    with pytest.raises(ValueError, match="not a date"):
        ReportFilter.of(since="2021-13")
    with pytest.raises(ValueError, match="after until"):
        ReportFilter.of(since="2024", until="2023-12")
    ReportFilter.of(since="2023-05", until="2023")  # overlapping bounds are fine


def test_keyword_index_scores_only_the_allowed_groups():
    index = KeywordIndex()
    index.add("a", [("a1", "workers in Mongolia sew uniforms"), ("a2", "nothing here")])
    index.add("b", [("b1", "Mongolia Mongolia workers")])
    assert [k for k, _ in index.search("Mongolia workers", 5)][0] == "b1"
    assert [k for k, _ in index.search("Mongolia workers", 5, groups={"a"})] == ["a1"]
    assert index.search("Mongolia workers", 5, groups=set()) == []
    # term statistics stay corpus-wide: a1 scores the same filtered or not
    assert dict(index.search("Mongolia", 5))["a1"] == dict(index.search("Mongolia", 5, groups={"a"}))["a1"]


# ---- /api/ask --------------------------------------------------------------------------------

def test_unfiltered_question_sees_every_report(analyst_server):
    data = ask(analyst_server, MONGOLIA).json()
    assert data["found"]
    assert {c["date"] for c in data["citations"]} & {"2023-01-10", "2024-06-20"}


def test_since_and_until_limit_the_cited_reports(analyst_server):
    late = ask(analyst_server, MONGOLIA, {"since": "2024"}).json()
    assert late["found"] and late["citations"]
    assert all(day_range(c["date"])[1] >= 20240101 for c in late["citations"]), late["citations"]
    early = ask(analyst_server, MONGOLIA, {"until": "2023-06"}).json()
    assert early["found"] and early["citations"]
    assert all(day_range(c["date"])[0] <= 20230630 for c in early["citations"])
    assert "1,500" in early["answer"] and "900" not in early["answer"]


def test_a_month_dated_report_matches_a_day_inside_its_month(analyst_server):
    q = "How many North Koreans are still working in Mongolia according to the trader?"
    inside = ask(analyst_server, q, {"since": "2025-03-15"}).json()
    assert inside["found"] and {c["date"] for c in inside["citations"]} == {"2025-03"}
    after = ask(analyst_server, q, {"since": "2025-04-01"}).json()
    assert after["found"] is False and after["citations"] == []


def test_outlets_limit_the_cited_reports(analyst_server):
    data = ask(analyst_server, COUNTRIES, {"outlets": ["Daily NK"]}).json()
    assert data["found"] and data["citations"]
    assert {c["outlet"] for c in data["citations"]} == {"Daily NK"}
    wire = ask(analyst_server, MONGOLIA, {"outlets": ["Synthetic wire fixture"]}).json()
    assert wire["found"] and {c["outlet"] for c in wire["citations"]} == {"Synthetic wire fixture"}
    assert "600 and 800" in wire["answer"]


def test_doc_ids_limit_the_cited_reports(analyst_server):
    doc_id = doc_id_of(analyst_server, "rotated home every two years")
    data = ask(analyst_server, MONGOLIA, {"doc_ids": [doc_id]}).json()
    assert data["found"] and {c["doc_id"] for c in data["citations"]} == {doc_id}
    assert "1,500" in data["answer"]


def test_all_fields_together(analyst_server):
    doc_id = doc_id_of(analyst_server, "extended to five years")
    data = ask(analyst_server, MONGOLIA, {"since": "2024-01", "until": "2024-12-31",
                                          "outlets": ["Synthetic test fixture"], "doc_ids": [doc_id]}).json()
    assert data["found"] and {c["doc_id"] for c in data["citations"]} == {doc_id}


def test_refusal_says_the_filter_left_nothing(analyst_server):
    data = ask(analyst_server, MONGOLIA, {"outlets": ["Daily NK"], "since": "2023"}).json()
    assert data["found"] is False and data["citations"] == []
    assert data["answer"].startswith("No ingested report matches the filter (reports from Daily NK dated 2023 or later)")
    covered = ask(analyst_server, "How much are workers in Kuwait paid?", {"outlets": ["Synthetic wire fixture"]}).json()
    assert covered["found"] is False
    assert covered["answer"] == "No report from Synthetic wire fixture covers this."


@pytest.mark.parametrize("filters", [
    {"since": "2021-13"}, {"since": "yesterday"}, {"until": "2021-02-30"}, {"since": 2021},
    {"since": "2024", "until": "2023"}, {"outlet": ["Daily NK"]}, {"outlets": "Daily NK"},
    {"outlets": [""]}, {"doc_ids": [3]}, "2021", [],
])
def test_bad_filters_are_a_400_json_error_on_both_api_routes(analyst_server, filters):
    for path in ("/api/ask", "/api/ask/stream"):
        r = ask(analyst_server, MONGOLIA, filters, path=path)
        assert r.status_code == 400, (path, filters, r.text)
        assert r.headers["Content-Type"].startswith("application/json")
        assert r.json()["error"]["code"] == "invalid_request" and r.json()["error"]["message"]


def test_stream_applies_the_same_filter(analyst_server):
    filters = {"until": "2023-06"}
    plain = ask(analyst_server, MONGOLIA, filters).json()
    text, events = stream(analyst_server, MONGOLIA, filters)
    assert text == plain["answer"]
    assert events["citations"]["citations"] == plain["citations"]
    refused_text, refused = stream(analyst_server, MONGOLIA, {"outlets": ["Daily NK"], "since": "2023"})
    assert refused["done"]["found"] is False and refused_text.startswith("No ingested report matches the filter")


# ---- /v1/chat/completions through the official client -----------------------------------------

@pytest.fixture(scope="module")
def client(analyst_server) -> OpenAI:
    return OpenAI(base_url=f"{analyst_server.url}/v1", api_key="x", max_retries=0, timeout=60)


@pytest.mark.parametrize("filters", [{"since": "2024"}, {"until": "2023-06"}, {"outlets": ["Daily NK"]},
                                     {"outlets": ["Synthetic wire fixture"], "since": "2025-03-15"}])
def test_openai_client_filters_with_extra_body(client, analyst_server, filters):
    q = COUNTRIES if filters.get("outlets") == ["Daily NK"] else MONGOLIA
    plain = ask(analyst_server, q, filters).json()
    completion = client.chat.completions.create(model="report-qa", messages=[{"role": "user", "content": q}],
                                                extra_body={"filters": filters})
    assert completion.choices[0].message.content == plain["answer"]
    citations = completion.choices[0].message.model_extra["citations"]
    assert citations == plain["citations"] and citations
    chunks = list(client.chat.completions.create(model="report-qa", messages=[{"role": "user", "content": q}],
                                                 stream=True, extra_body={"filters": filters}))
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == plain["answer"]
    assert chunks[-1].model_extra["citations"] == plain["citations"]


def test_openai_client_doc_ids_filter(client, analyst_server):
    doc_id = doc_id_of(analyst_server, "extended to five years")
    completion = client.chat.completions.create(model="report-qa", messages=[{"role": "user", "content": MONGOLIA}],
                                                extra_body={"filters": {"doc_ids": [doc_id]}})
    assert {c["doc_id"] for c in completion.choices[0].message.model_extra["citations"]} == {doc_id}


@pytest.mark.parametrize("filters", [{"since": "2021-13"}, {"since": "2024", "until": "2023"}, {"outlet": ["x"]},
                                     {"doc_ids": "abc"}])
def test_openai_client_bad_filters_are_400(client, filters):
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="report-qa", messages=[{"role": "user", "content": MONGOLIA}],
                                       extra_body={"filters": filters})


# ---- GET /api/documents ------------------------------------------------------------------------

def test_documents_list_filters(analyst_server):
    every = documents(analyst_server).json()["documents"]
    assert len(every) == 11
    dnk = documents(analyst_server, outlet="Daily NK").json()["documents"]
    assert [d["outlet"] for d in dnk] == ["Daily NK"]
    late = documents(analyst_server, since="2024").json()["documents"]
    assert sorted(d["date"] for d in late) == ["2024-02-15", "2024-06-20", "2025-03"] or \
        all(day_range(d["date"])[1] >= 20240101 for d in late)
    assert {d["date"] for d in documents(analyst_server, since="2025-03-15").json()["documents"]} == {"2025-03"}
    year = documents(analyst_server, since="2022-06", until="2022-06").json()["documents"]
    assert "2022" in {d["date"] for d in year}, "a year-dated report overlaps any month of its year"
    two = requests.get(analyst_server.url + "/api/documents",
                       params=[("outlet", "Daily NK"), ("outlet", "Synthetic wire fixture")], timeout=30).json()
    assert {d["outlet"] for d in two["documents"]} == {"Daily NK", "Synthetic wire fixture"}


@pytest.mark.parametrize("params", [{"since": "2021-00"}, {"until": "soon"}, {"since": "2024", "until": "2023"},
                                    {"outlets": "Daily NK"}])
def test_documents_bad_filters_are_400(analyst_server, params):
    r = documents(analyst_server, **params)
    assert r.status_code == 400 and r.json()["error"]["message"]


# ---- in the store ------------------------------------------------------------------------------

def test_the_store_filters_in_chroma(analyst_store_dir, embedder):
    store = ReportStore(embedder, path=analyst_store_dir)
    qvec = embedder.encode_query(MONGOLIA)
    where = ReportFilter.of(since="2022-06", outlets=["Synthetic test fixture"]).where()
    matching = len(store.sentences_col.get(where=where, include=[])["ids"])
    assert matching > 10
    hits = store.query_sentences(qvec, 10, where=where)
    assert len(hits) == 10, "a filtered search still returns k sentences"
    assert all(h.metadata["date_hi"] >= 20220601 and h.metadata["outlet"] == "Synthetic test fixture" for h in hits)


def test_reports_stored_without_the_filter_keys_stay_searchable(store_copy, tmp_path):
    """The sample store as an older version wrote it (no date_lo/date_hi/outlet on sentences):
    answered unfiltered, and filtered through its report id."""
    from qa import build_service
    from settings import Settings
    from vectorstore import SentenceEmbedder

    store = ReportStore(SentenceEmbedder(), path=store_copy)
    for col in (store.sentences_col, store.passages_col):
        ids = col.get(include=[])["ids"]
        col.update(ids=ids, metadatas=[{"date_lo": None, "date_hi": None, "outlet": None}] * len(ids))
    docs = store.documents_col.get(include=[])["ids"]
    store.documents_col.update(ids=docs, metadatas=[{"filter_keys": None}] * len(docs))
    store.bump_generation()
    assert store.without_filter_keys() == set(docs)
    service = build_service(Settings.from_env(store=store_copy), store)
    assert service.ask(COUNTRIES).found
    filtered = service.ask(COUNTRIES, flt=ReportFilter.of(outlets=["Daily NK"], since="2021-04-30"))
    assert filtered.found and {c.outlet for c in filtered.citations} == {"Daily NK"}
    assert not service.ask(COUNTRIES, flt=ReportFilter.of(since="2022")).found


def test_filters_against_a_chroma_server(server_store):
    """The same where clauses through chromadb's HTTP client (``chroma run``)."""
    from ingest import Ingestor
    from qa import build_service
    from settings import Settings

    from .conftest import ANALYST_CORPORA

    store = server_store()
    summary = Ingestor(store).ingest_paths([ANALYST_CORPORA[0], ANALYST_CORPORA[1]])
    assert not summary.failed
    service = build_service(Settings.from_env(), store)
    late = service.ask(MONGOLIA, flt=ReportFilter.of(since="2025-03-31", outlets=["Synthetic wire fixture"]))
    assert late.found and {c.date for c in late.citations} == {"2025-03"}
    assert not service.ask(MONGOLIA, flt=ReportFilter.of(until="2019")).found


def test_the_llm_answerer_only_sees_matching_reports(analyst_store_dir, embedder):
    """With an LLM configured (the scripted stand-in server), the prompt holds only passages of
    the matching reports, and so do the citations, plain and streamed."""
    from qa import QAService
    from settings import Settings

    from .llm_stub import LLMStub
    from .test_llm import prompt_passages

    store = ReportStore(embedder, path=analyst_store_dir)
    wire = {p.text for d in ("2025-03", "2022") for p in _passages_of(store, d)}
    flt = ReportFilter.of(outlets=["Synthetic wire fixture"])
    with LLMStub() as stub:
        service = QAService(Settings.from_env(store=analyst_store_dir, llm_url=stub.url, llm_model="stub", llm_timeout=10), store)
        stub.script("good")
        answer = service.ask(MONGOLIA, flt=flt)
        assert answer.answerer == "llm" and {c.outlet for c in answer.citations} == {"Synthetic wire fixture"}
        passages = prompt_passages(stub.requests[-1])
        assert passages and all(any(text in w or w in text for w in wire) for text in passages.values())
        events = list(service.stream(MONGOLIA, flt=flt))
        cites = next(e.data for e in events if e.kind == "citations")
        assert cites and {c.outlet for c in cites} == {"Synthetic wire fixture"}


def _passages_of(store, date):
    docs = [d.doc_id for d in store.list_documents() if d.date == date]
    got = store.passages_col.get(where={"doc_id": {"$in": docs}}, include=["documents", "metadatas"])
    from vectorstore import PassageRecord

    return [PassageRecord(chunk_id=i, doc_id=m["doc_id"], index=0, start=0, end=0, text=t)
            for i, m, t in zip(got["ids"], got["metadatas"], got["documents"])]
