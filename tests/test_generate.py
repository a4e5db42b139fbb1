"""The data engine (bench/generate.py) against a stand-in model server: prompts built from real
sentence windows, the round-trip filters, the JSONL output, resuming, and the CLI."""
from __future__ import annotations

import json
import re
import subprocess
import sys

from bench import generate as gen
from tests.llm_stub import LLMStub

REPORT_A = """Title: Loggers in the taiga
Date: 2020-03
Outlet: Invented Test Weekly

Crews of about forty men are sent to logging camps near Tynda for three-year contracts.

Each man keeps roughly a fifth of what the camp pays, the rest goes to the state company.
"""
REPORT_B = """Title: Seamstresses abroad
Date: 2021-06

The garment workers in Dandong sleep in a dormitory above the factory floor.
"""


def scripted(body: dict) -> str:
    """Replies that exercise every filter: a good question, a copy, a span not in the sentence,
    a good unanswerable question and one whose words one sentence of the report holds."""
    prompt = body["messages"][0]["content"]
    sentence = re.search(r"^SENTENCE: (.*)$", prompt, re.M).group(1)
    first = " ".join(sentence.split()[:4])
    return "Here you are:\n```json\n" + json.dumps({
        "answerable": [
            {"question": "What does the report say happens first?", "answer": first},
            {"question": sentence.rstrip(".") + "?", "answer": first},
            {"question": "How many zebras are there?", "answer": "seventeen zebras"},
        ],
        "unanswerable": [
            {"question": "What is the name of the camp director?", "asks_for": "person"},
            {"question": "Where do garment workers sleep in Dandong?", "asks_for": "place"},
        ],
    }) + "\n```"


def test_shared_run_counts_consecutive_words():
    assert gen.shared_run("how long are the contracts for loggers", "loggers sign contracts for three years") == 2
    assert gen.shared_run("a b c d", "x a b c d y") == 4
    assert gen.shared_run("nothing here", "other words") == 0


def test_parse_reply_tolerates_fences_and_garbage():
    assert gen.parse_reply('```json\n{"answerable": []}\n```') == {"answerable": []}
    assert gen.parse_reply("no json at all") == {}
    assert gen.parse_reply("{not: json}") == {}


def test_generate_filters_writes_and_resumes(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(REPORT_A)
    (corpus / "b.txt").write_text(REPORT_B)
    out = tmp_path / "gen" / "questions.jsonl"
    with LLMStub() as stub:
        stub.state.reply_fn = scripted
        counts = gen.generate(gen.ChatClient(stub.url, "stub"), [corpus], out, n_answerable=3, n_unanswerable=2)
        asked = len(stub.requests)
        assert asked == 3  # one window per sentence of 40+ characters
        assert "Tynda" in stub.requests[0]["messages"][0]["content"]
        rows = [json.loads(line) for line in out.read_text().splitlines()]
        kinds = [r["kind"] for r in rows]
        # Per window: one answerable kept (the copy and the foreign span dropped) and the
        # director question kept; the dormitory question is dropped only in report b, which answers it.
        assert kinds.count("answerable") == 3
        assert counts["answerable dropped: copies the sentence"] == 3
        assert counts["answerable dropped: span not in sentence"] == 3
        assert counts["unanswerable dropped: answered verbatim in the report"] == 1
        assert all(r["span"].lower() in r["sentence"].lower() for r in rows if r["kind"] == "answerable")
        assert all(r["prompt_version"] == gen.PROMPT_VERSION and r["model"] == "stub" for r in rows)
        assert {r["report"] for r in rows} == {"a.txt", "b.txt"}

        # A second run resumes: nothing is asked again and nothing is written twice.
        gen.generate(gen.ChatClient(stub.url, "stub"), [corpus], out, n_answerable=3, n_unanswerable=2)
        assert len(stub.requests) == asked
        assert len(out.read_text().splitlines()) == len(rows)


def test_cli_summary_and_missing_endpoint(tmp_path):
    out = tmp_path / "q.jsonl"
    out.write_text(json.dumps({"question": "Q?", "kind": "unanswerable", "report": "a.txt"}) + "\n")
    res = subprocess.run([sys.executable, "-m", "bench.generate", "--summary", "--out", str(out)],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0 and "1 questions kept" in res.stdout and "unanswerable 1 (100%)" in res.stdout
    env_free = {k: v for k, v in __import__("os").environ.items() if not k.startswith("REPORTQA_LLM")}
    res = subprocess.run([sys.executable, "-m", "bench.generate", "--out", str(out)],
                         capture_output=True, text=True, timeout=120, env=env_free)
    assert res.returncode == 2 and "--llm-url" in res.stderr and "Traceback" not in res.stderr
