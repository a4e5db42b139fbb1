"""The sample corpus a first run serves (``data/reports/``), ingested by the CLI as
``./scripts/serve.sh`` does and asked over real HTTP: its shape, the page's starter questions,
every ask example of the README and docs/api.md (run as written, against this server), a figure
that changes over time and a dated disagreement.

Answers depend on the retrieval models, so the assertions are "found, with citations from the
expected reports", never the wording.
"""
from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import requests

from qa.filters import ReportFilter

from .conftest import SAMPLE_CORPUS, SAMPLE_ONE
from .sample_pdf import PATH as PDF_PATH
from .sample_pdf import build as build_pdf

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_DOCS = [ROOT / "README.md", ROOT / "docs" / "api.md"]
FIRST_REPORT = "North Korea is currently recruiting laborers"  # the user's first report (Daily NK, 2021-04)
RUSSIA_COUNTS = ("Russia's Far East leans on North Korean labor", "UN Security Council bans new work permits",
                 "The repatriation deadline", "North Korean workers return to Russia")
PAY = ("North Korean crews work long shifts on Qatar", "After the restaurant defection",
       "North Korean welders leave Baltic shipyards", "North Korean workers riot at Chinese factories",
       "North Korean workers return to Russia")
# The reports each example question must be answered from (title beginnings); every citation of
# the answer must come from one of them.
EXPECTED = {
    "Which countries are the laborers sent to?": (FIRST_REPORT,),
    "Who recruits them?": (FIRST_REPORT,),
    "Who recruits the laborers?": (FIRST_REPORT,),
    "How many North Korean workers are in Russia?": RUSSIA_COUNTS,
    "What share of their wages does the state take?": ("After the restaurant defection",
                                                       "North Korean workers riot at Chinese factories"),
    "How much are the workers paid?": PAY,
}


def titles_ok(question: str, titles: list[str]) -> bool:
    allowed = EXPECTED.get(question)
    return allowed is None or all(t.startswith(allowed) for t in titles)


def passes(flt: dict | None, citation: dict) -> bool:
    return ReportFilter.of(**(flt or {})).matches(citation["doc_id"], citation["date"], citation["outlet"])


# ---------------------------------------------------------------------------------- the corpus
def test_corpus_has_the_formats_years_and_outlets_users_bring(corpus_server):
    files = sorted(p for p in SAMPLE_CORPUS.iterdir() if not p.name.startswith("."))
    kinds = Counter(p.suffix for p in files)
    assert 10 <= len(files) <= 15 and {".txt", ".md", ".html", ".pdf"} <= set(kinds), kinds
    assert kinds[".html"] == 1 and kinds[".pdf"] == 1 and kinds[".md"] >= 2
    docs = requests.get(corpus_server.url + "/api/documents", timeout=30).json()["documents"]
    assert len(docs) == len(files), "every file is a report (nothing failed to ingest)"
    years = {d["date"][:4] for d in docs}
    assert min(years) == "2014" and max(years) == "2025" and len(years) >= 9, sorted(years)
    assert len({d["outlet"] for d in docs if d["outlet"]}) >= 6
    original = SAMPLE_ONE / "dailynk-2021-04-recruiting-laborers-abroad.txt"
    assert (SAMPLE_CORPUS / original.name).read_bytes() == original.read_bytes(), "the user's report stays as it was"


def test_the_pdf_is_what_its_source_builds():
    assert PDF_PATH.read_bytes() == build_pdf(), "rebuild it: .venv/bin/python -m tests.sample_pdf"


# ---------------------------------------------------------------------------------- the page's starters
def test_every_starter_question_answers_with_citations(corpus_server):
    html = requests.get(corpus_server.url + "/", timeout=60).text
    starters = re.findall(r'<button type="button" class="starter">([^<]+)</button>', html)
    assert len(starters) >= 3, starters
    disagreements, charts = 0, 0
    for question in starters:
        data = requests.post(corpus_server.url + "/api/ask", json={"question": question}, timeout=60).json()
        assert data["found"] and data["citations"], (question, data["answer"])
        assert titles_ok(question, [c["title"] for c in data["citations"]]), (question, data["citations"])
        disagreements += bool(data.get("others"))
        timeline = requests.post(corpus_server.url + "/api/timeline", json={"question": question}, timeout=60).json()
        charts += not timeline["insufficient"]
    assert disagreements >= 1, "a starter shows reports that disagree, each dated"
    assert charts >= 1, "a starter's figure can be charted over time"


# ---------------------------------------------------------------------------------- README and docs examples
def shell_blocks(path: Path) -> list[str]:
    """The commands of a document's ```sh blocks: continuation lines joined, and lines joined
    while a single-quoted argument (a JSON body) is still open."""
    text = path.read_text()
    out = []
    for block in re.findall(r"^```(?:sh|bash)\n(.*?)^```", text, flags=re.S | re.M):
        pending = ""
        for line in block.replace("\\\n", " ").splitlines():
            pending = f"{pending}\n{line}" if pending else line
            if pending.split("#", 1)[0].count("'") % 2 == 0 or pending.count("'") % 2 == 0:
                if pending.strip():
                    out.append(pending.strip())
                pending = ""
    return out


def curl_examples(path: Path) -> list[tuple[str, str, dict | None]]:
    """(method, path?query, JSON body) of every curl example against the local server that a
    reader can run as it is (no token, no upload, no placeholder)."""
    found = []
    for line in shell_blocks(path):
        if not line.startswith("curl "):
            continue
        args = shlex.split(line, comments=True)
        url = next((a for a in args if "localhost:8000" in a), None)
        if url is None or "-F" in args or any("Authorization" in a for a in args) or "DELETE" in args or "DOC_ID" in url:
            continue
        body = json.loads(args[args.index("-d") + 1]) if "-d" in args else None
        found.append(("POST" if body is not None else "GET", url.split("localhost:8000", 1)[1], body))
    return found


def events(text: str) -> list[tuple[str, dict]]:
    out = []
    for block in text.split("\n\n"):
        name = re.search(r"^event: (.+)$", block, re.M)
        data = re.search(r"^data: (.+)$", block, re.M)
        if name and data:
            out.append((name.group(1), json.loads(data.group(1))))
    return out


@pytest.mark.parametrize("doc", EXAMPLE_DOCS, ids=lambda p: p.name)
def test_every_ask_example_of_the_docs_answers_on_the_sample_corpus(corpus_server, doc):
    examples = curl_examples(doc)
    asked = [e for e in examples if e[0] == "POST"]
    assert len(asked) >= (3 if doc.name == "README.md" else 6), examples
    for method, path, body in examples:
        res = requests.request(method, corpus_server.url + path, json=body, timeout=60)
        assert res.status_code == 200, (path, body, res.text[:300])
        flt = (body or {}).get("filters")
        question = (body or {}).get("question") or next((m["content"] for m in reversed((body or {}).get("messages", []))
                                                          if m["role"] == "user"), "")
        if path.startswith("/api/ask/stream"):
            got = events(res.text)
            names = [n for n, _ in got]
            assert "error" not in names and names[-1] == "done" and got[-1][1]["found"], (body, got)
            citations = next(d["citations"] for n, d in got if n == "citations")
        elif path.startswith("/api/ask"):
            data = res.json()
            assert data["found"], (body, data["answer"])
            citations = data["citations"]
        elif path.startswith("/api/timeline"):
            data = res.json()
            assert not data["insufficient"] and len(data["points"]) >= 2, (body, data)
            citations = [p["citation"] for p in data["points"]]
        elif path.startswith("/v1/chat/completions") and body.get("stream"):
            chunks = [json.loads(line[6:]) for line in res.text.splitlines() if line.startswith("data: {")]
            assert res.text.rstrip().endswith("data: [DONE]") and chunks, res.text[-300:]
            citations = chunks[-1].get("citations") or []
        elif path.startswith("/v1/chat/completions"):
            citations = res.json()["choices"][0]["message"]["citations"]
        elif path.startswith("/api/documents?"):
            docs = res.json()["documents"]
            assert docs, path
            query = dict(re.findall(r"(since|until|outlet)=([^&]+)", path))
            flt = {k: v for k, v in (("since", query.get("since")), ("until", query.get("until"))) if v}
            if "outlet" in query:
                flt["outlets"] = [requests.utils.unquote(query["outlet"])]
            assert all(ReportFilter.of(**flt).matches(d["doc_id"], d["date"], d["outlet"]) for d in docs), docs
            continue
        else:
            continue  # health, models, openapi: answered 200
        assert citations, (path, body)
        assert all(passes(flt, c) for c in citations), (flt, [(c["date"], c["outlet"]) for c in citations])
        assert titles_ok(question, [c["title"] for c in citations]), (question, [c["title"] for c in citations])


def test_the_openai_client_example_of_the_api_docs_runs(corpus_server):
    """docs/api.md's Python example, run as written with the server's address."""
    code = re.search(r"```python\n(from openai import OpenAI.*?)```", (ROOT / "docs" / "api.md").read_text(), re.S).group(1)
    code = code.replace("http://127.0.0.1:8000", corpus_server.url)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    assert FIRST_REPORT in out.stdout and "External Construction Bureau" in out.stdout, out.stdout


# ---------------------------------------------------------------------------------- what a first run shows
def test_a_figure_that_changes_over_time_is_charted(corpus_server):
    data = requests.post(corpus_server.url + "/api/timeline",
                         json={"question": "How many North Korean workers are in Russia?"}, timeout=60).json()
    points = data["points"]
    assert data["kind"] == "count" and len(points) >= 4, data
    assert [p["date"] for p in points] == sorted(p["date"] for p in points)
    assert len({p["normalized"] for p in points}) == len(points), "the figure changes from report to report"
    assert all(p["citation"]["title"].startswith(RUSSIA_COUNTS) for p in points)


def test_a_dated_disagreement_quotes_both_sides(corpus_server):
    data = requests.post(corpus_server.url + "/api/ask",
                         json={"question": "What share of their wages does the state take?"}, timeout=60).json()
    assert data["found"] and data["others"], data
    dates = {c["date"] for c in data["citations"]}
    assert len({c["doc_id"] for c in data["citations"]}) >= 2 and len(dates) >= 2
    assert all(f"({d})" in data["answer"] for d in dates), "each side is dated in the answer"
    assert "70 percent" in data["answer"] and "90 percent" in data["answer"]


def test_a_filter_limits_the_answer_to_matching_reports(corpus_server):
    question = "How many North Korean workers are in Russia?"
    for flt in ({"since": "2023"}, {"until": "2016"}, {"outlets": ["Northeast Asia Wire"], "since": "2017", "until": "2018"}):
        data = requests.post(corpus_server.url + "/api/ask", json={"question": question, "filters": flt}, timeout=60).json()
        assert data["found"] and data["citations"], (flt, data["answer"])
        assert all(passes(flt, c) for c in data["citations"]), (flt, data["citations"])
