"""OpenAI-compatible API: ``POST /v1/chat/completions`` (stream and not) and ``GET /v1/models``.

Shaped as OpenAI's so existing chat clients work unchanged: the last user message is the question,
earlier user/assistant messages are the history, system messages are ignored. The answer's
sources ride along as an extra ``citations`` field (on the message; in a stream, on the final
chunk), which clients that know nothing of it simply ignore.
"""
from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

from flask import Blueprint, jsonify

from qa import Turn
from qa.types import StreamEvent

from .api import json_body, to_filter
from .errors import ApiError
from .openapi import Resp, documented
from .schemas import (MAX_HISTORY_TURNS, AskRequest, ChatCompletion, ChatCompletionChunk, ChatCompletionRequest,
                      ModelCard, ModelList, ask_limits)
from .services import services
from .stream import citation_dicts, error_data, sse, sse_response

bp = Blueprint("openai", __name__, url_prefix="/v1")

MODEL_ID = "report-qa"
MODEL_CREATED = 1767225600  # 2026-01-01: a fixed date, so /v1/models is stable


def to_question(messages, limits: dict[str, int] | None = None) -> tuple[str, list[Turn]]:
    """OpenAI messages -> (question, history), validated by the same rules as ``POST /api/ask``.

    Pure. The last message must be the user's question; the history keeps the latest user/assistant
    turns (``limits["max_history"]`` of them: a client resends the whole conversation, so it is cut,
    not refused). ``limits`` is :func:`web.schemas.ask_limits` of the app's settings.
    """
    limits = limits or {}
    keep = limits.get("max_history", MAX_HISTORY_TURNS)
    if messages[-1].role != "user":
        raise ApiError(400, "invalid_request", "the last message must be the user's question (role 'user')")
    turns = [{"role": m.role, "content": m.text()} for m in messages[:-1] if m.role in ("user", "assistant")]
    turns = [t for t in turns if t["content"].strip()]
    body = AskRequest.model_validate({"question": messages[-1].text(), "history": turns[-keep:] if keep > 0 else []},
                                     context=limits)
    return body.question, [Turn(t.role, t.content) for t in body.history]


def _parse() -> ChatCompletionRequest:
    body = json_body(ChatCompletionRequest)
    if body.model != MODEL_ID:
        raise ApiError(404, "model_not_found", f"unknown model {body.model!r}; this service's model is {MODEL_ID!r}")
    return body


def completion_chunks(events: Iterator[StreamEvent], model: str) -> Iterator[str]:
    """QA stream events -> OpenAI ``chat.completion.chunk`` SSE lines, ending with ``data: [DONE]``."""
    base = {"id": f"chatcmpl-{uuid.uuid4().hex}", "created": int(time.time()), "model": model}

    def chunk(delta: dict, finish: str | None = None, citations: list | None = None) -> str:
        data = {**base, "object": "chat.completion.chunk",
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
        if citations is not None:
            data["citations"] = citations
        ChatCompletionChunk.model_validate(data)  # the documented shape is the one sent
        return sse(None, data)

    try:
        yield chunk({"role": "assistant", "content": ""})
        citations: list = []
        for ev in events:
            if ev.kind == "delta" and ev.data:
                yield chunk({"content": str(ev.data)})
            elif ev.kind == "citations":
                citations = citation_dicts(ev.data)
        yield chunk({}, finish="stop", citations=citations)
    except GeneratorExit:
        raise
    except Exception as exc:  # noqa: BLE001 - the OpenAI way: a data line holding an error object
        yield sse(None, error_data(exc))
    yield sse(None, "[DONE]")


@bp.post("/chat/completions")
@documented(
    "OpenAI-compatible chat completion, with the answer's citations", tags=("openai",),
    description="Shaped as OpenAI's `POST /v1/chat/completions`. With `stream: true` the answer arrives as "
                "`data: <ChatCompletionChunk>` lines ending with `data: [DONE]`; the final chunk carries "
                "`citations`. Without, a ChatCompletion whose message carries `citations`.",
    body=ChatCompletionRequest,
    responses={200: Resp("a chat.completion (or, with stream: true, an event stream of chat.completion.chunk)",
                         ChatCompletion, models=(ChatCompletionChunk,)),
               400: "invalid request", 404: "unknown model"},
)
def chat_completions():
    body = _parse()
    question, history = to_question(body.messages, ask_limits(services().settings))
    flt = to_filter(body.filters)
    qa = services().qa
    if body.stream:
        return sse_response(completion_chunks(qa.stream(question, history, flt), body.model))
    answer = qa.ask(question, history, flt)
    out = ChatCompletion(id=f"chatcmpl-{uuid.uuid4().hex}", created=int(time.time()), model=body.model,
                         choices=[{"message": {"content": answer.answer, "citations": citation_dicts(answer.citations)}}])
    return jsonify(out.model_dump())


@bp.get("/models")
@documented("OpenAI-compatible model list: this service's one model", tags=("openai",), responses={200: ModelList})
def models():
    return jsonify(ModelList(data=[ModelCard(id=MODEL_ID, created=MODEL_CREATED, owned_by="report-qa")]).model_dump())


@bp.get("/models/<model_id>")
@documented("OpenAI-compatible model lookup", tags=("openai",), responses={200: ModelCard, 404: "unknown model"})
def model(model_id: str):
    if model_id != MODEL_ID:
        raise ApiError(404, "model_not_found", f"unknown model {model_id!r}; this service's model is {MODEL_ID!r}")
    return jsonify(ModelCard(id=MODEL_ID, created=MODEL_CREATED, owned_by="report-qa").model_dump())
