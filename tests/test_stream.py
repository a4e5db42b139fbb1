"""POST /api/ask/stream: Server-Sent Events read by a real HTTP client (requests, streaming)."""
from __future__ import annotations

import json

import pytest
import requests

from qa.chain import split_answer
from qa.types import Citation, StreamEvent
from web.errors import ApiError
from web.stream import answer_events, sse

Q = "Which countries are the laborers sent to?"


def parse_sse(lines) -> list[tuple[str, dict]]:
    """A minimal SSE client: (event, JSON data) per blank-line-terminated message, in arrival order."""
    events, name, data = [], None, []
    for line in lines:
        if line == "":
            if data:
                events.append((name or "message", json.loads("\n".join(data))))
            name, data = None, []
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip(" "))
    return events


def stream(server, body, **kw) -> tuple[requests.Response, list[tuple[str, dict]]]:
    with requests.post(server.url + "/api/ask/stream", json=body, stream=True, timeout=60, **kw) as r:
        events = parse_sse(r.iter_lines(decode_unicode=True)) if r.status_code == 200 else []
        r.close()
    return r, events


def test_stream_events_in_order_and_match_ask(live_server):
    r, events = stream(live_server, {"question": Q})
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/event-stream")
    assert r.headers["Cache-Control"] == "no-cache" and r.headers["X-Accel-Buffering"] == "no"
    names = [name for name, _ in events]
    n_delta = names.count("delta")
    assert n_delta >= 1 and names == ["delta"] * n_delta + ["citations", "done"], names

    plain = requests.post(live_server.url + "/api/ask", json={"question": Q}, timeout=60).json()
    text = "".join(data["text"] for name, data in events if name == "delta")
    assert text == plain["answer"] and "Qatar" in text
    # the extractive answerer streams one piece per cited sentence
    assert n_delta == len(split_answer(plain["answer"]))
    citations = events[-2][1]["citations"]
    assert citations == plain["citations"] and citations
    for c in citations:
        assert f"[{c['n']}]" in text
    done = events[-1][1]
    assert done["found"] is True and done["answerer"] == "extractive" and done["took_ms"] > 0
    assert done["confidence"] == plain["confidence"] and done["confidence"] >= 0.69  # the same as /api/ask


def test_stream_refusal_and_followup(live_server):
    _, events = stream(live_server, {"question": "What is the capital of Peru?"})
    assert [n for n, _ in events][-2:] == ["citations", "done"]
    assert events[-2][1] == {"citations": []} and events[-1][1]["found"] is False
    assert "".join(d["text"] for n, d in events if n == "delta").strip()

    history = [{"role": "user", "content": Q}, {"role": "assistant", "content": "China, Russia and Qatar [1]"}]
    body = {"question": "Who recruits them?", "history": history}
    _, events = stream(live_server, body)
    plain = requests.post(live_server.url + "/api/ask", json=body, timeout=60).json()
    assert "".join(d["text"] for n, d in events if n == "delta") == plain["answer"]
    assert events[-1][1]["query"] == plain["query"]


@pytest.mark.parametrize("kwargs,status", [
    ({"json": {"question": ""}}, 400),
    ({"json": {"question": 3}}, 400),
    ({"json": {}}, 400),
    ({"data": "question=hi"}, 415),
    ({"data": "{oops", "headers": {"Content-Type": "application/json"}}, 400),
])
def test_invalid_requests_are_plain_json_errors_before_streaming(live_server, kwargs, status):
    r = requests.post(live_server.url + "/api/ask/stream", timeout=30, **kwargs)
    assert r.status_code == status
    assert r.headers["Content-Type"].startswith("application/json")
    assert set(r.json()["error"]) == {"code", "message"}


def _events(messages) -> list[tuple[str, dict]]:
    return parse_sse("".join(messages).split("\n"))


def test_failure_mid_stream_becomes_an_error_event():
    citation = Citation(1, "d", "d.p0", "T", "2021", "", "O", "text", 0, 4, 1.0)

    def failing(exc):
        yield StreamEvent("delta", "First sentence. [1]")
        yield StreamEvent("citations", [citation])
        raise exc

    events = _events(answer_events(failing(RuntimeError("secret detail"))))
    assert [n for n, _ in events] == ["delta", "citations", "error"]
    assert events[-1][1] == {"error": {"code": "internal_error",
                                       "message": "internal error; the server log has the details"}}
    events = _events(answer_events(failing(ApiError(503, "unavailable", "store is locked"))))
    assert events[-1] == ("error", {"error": {"code": "unavailable", "message": "store is locked"}})


def test_sse_format_is_one_data_line_per_event():
    msg = sse("delta", {"text": "two\nlines"})
    assert msg == 'event: delta\ndata: {"text":"two\\nlines"}\n\n'
