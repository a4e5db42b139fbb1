"""The OpenAI-compatible API, driven by the official ``openai`` client against a live server."""
from __future__ import annotations

import openai
import pytest
import requests
from openai import OpenAI

Q = "Which countries are the laborers sent to?"


@pytest.fixture
def client(live_server) -> OpenAI:
    return OpenAI(base_url=f"{live_server.url}/v1", api_key="x", max_retries=0, timeout=60)


def ask(server, question, history=()):
    r = requests.post(server.url + "/api/ask", json={"question": question, "history": list(history)}, timeout=60)
    return r.json()


def test_models(client):
    models = client.models.list()
    assert [m.id for m in models.data] == ["report-qa"]
    assert models.data[0].object == "model"
    assert client.models.retrieve("report-qa").id == "report-qa"
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("gpt-4o")


def test_completion_with_citations(client, live_server):
    completion = client.chat.completions.create(
        model="report-qa",
        messages=[{"role": "system", "content": "You are terse."}, {"role": "user", "content": Q}],
    )
    assert completion.object == "chat.completion" and completion.model == "report-qa"
    choice = completion.choices[0]
    assert choice.finish_reason == "stop" and choice.message.role == "assistant"
    plain = ask(live_server, Q)
    assert choice.message.content == plain["answer"] and "Qatar" in plain["answer"]
    citations = choice.message.model_extra["citations"]  # the extension; unknown to the client's types
    assert citations == plain["citations"] and citations
    for c in citations:
        assert f"[{c['n']}]" in choice.message.content


def test_streamed_completion_matches_and_ends_with_citations(client):
    full = client.chat.completions.create(model="report-qa", messages=[{"role": "user", "content": Q}])
    chunks = list(client.chat.completions.create(model="report-qa", messages=[{"role": "user", "content": Q}],
                                                 stream=True))
    assert len(chunks) >= 3
    assert chunks[0].choices[0].delta.role == "assistant"
    assert all(c.object == "chat.completion.chunk" and c.id == chunks[0].id for c in chunks)
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert text == full.choices[0].message.content
    assert [c.choices[0].finish_reason for c in chunks] == [None] * (len(chunks) - 1) + ["stop"]
    assert chunks[-1].model_extra["citations"] == full.choices[0].message.model_extra["citations"]
    assert all("citations" not in (c.model_extra or {}) for c in chunks[:-1])


def test_history_is_the_earlier_messages(client, live_server):
    first = ask(live_server, Q)
    history = [{"role": "user", "content": Q}, {"role": "assistant", "content": first["answer"]}]
    expected = ask(live_server, "Who recruits them?", history)
    completion = client.chat.completions.create(
        model="report-qa",
        messages=[{"role": "system", "content": "ignored"}, *history, {"role": "user", "content": "Who recruits them?"}],
    )
    assert completion.choices[0].message.content == expected["answer"]
    assert expected["query"] != "Who recruits them?"  # the follow-up was resolved with the history


def test_refusal_has_no_citations(client):
    completion = client.chat.completions.create(
        model="report-qa", messages=[{"role": "user", "content": "What is the capital of Peru?"}])
    assert completion.choices[0].message.content
    assert completion.choices[0].message.model_extra["citations"] == []


def test_errors(client):
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": Q}])
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="report-qa", messages=[{"role": "assistant", "content": "hi"}])
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="report-qa", messages=[])
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="report-qa", messages=[{"role": "user", "content": "x" * 2001}])


def test_content_parts_are_read_as_text(client):
    plain = client.chat.completions.create(model="report-qa", messages=[{"role": "user", "content": Q}])
    parts = client.chat.completions.create(
        model="report-qa", messages=[{"role": "user", "content": [{"type": "text", "text": Q}]}])
    assert parts.choices[0].message.content == plain.choices[0].message.content
