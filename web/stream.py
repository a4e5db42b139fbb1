"""Server-Sent Events: formatting, and turning the QA service's events into a streamed response.

Format of ``POST /api/ask/stream`` (one event per answer piece, flushed as it is produced)::

    event: delta       data: {"text": "..."}            zero or more, in order
    event: citations   data: {"citations": [...]}       once
    event: done        data: {"found", "answerer", "took_ms", "query", "confidence"}
    event: error       data: {"error": {"code", "message"}}   instead of the rest, on failure
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator

from flask import Response, stream_with_context

from qa.types import StreamEvent

from .errors import ApiError
from .schemas import CitationOut, StreamCitations, StreamDelta, StreamDone

log = logging.getLogger("reportqa")

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def sse(event: str | None, data: object) -> str:
    """One SSE message. ``data`` is JSON on one line (json.dumps escapes newlines), so one ``data:`` field."""
    payload = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {payload}\n\n"


def citation_dicts(citations: Iterable) -> list[dict]:
    """Citations (dataclasses or dicts) as the API's citation objects, checked against ``CitationOut``."""
    return [CitationOut.model_validate(c if isinstance(c, dict) else c.as_dict()).model_dump() for c in citations]


def error_data(exc: BaseException) -> dict:
    """The JSON error shape for an exception raised while streaming (details go to the log, not the client)."""
    if isinstance(exc, ApiError):
        return {"error": {"code": exc.code, "message": exc.message}}
    log.exception("error while streaming an answer", exc_info=exc)
    return {"error": {"code": "internal_error", "message": "internal error; the server log has the details"}}


def answer_events(events: Iterator[StreamEvent]) -> Iterator[str]:
    """QA stream events -> SSE messages; an exception becomes a final ``error`` event."""
    try:
        for ev in events:
            if ev.kind == "delta":
                if ev.data:
                    yield sse("delta", StreamDelta(text=str(ev.data)).model_dump())
            elif ev.kind == "citations":
                yield sse("citations", StreamCitations(citations=citation_dicts(ev.data)).model_dump())
            elif ev.kind == "done":
                yield sse("done", StreamDone.model_validate(ev.data).model_dump())
            # other kinds (none today) are internal and not part of the public stream
    except GeneratorExit:  # the client went away
        raise
    except Exception as exc:  # noqa: BLE001 - reported to the client as an event
        yield sse("error", error_data(exc))


def sse_response(messages: Iterator[str], on_close: Callable[[], object] | None = None) -> Response:
    """A streamed ``text/event-stream`` response that proxies must not buffer or cache."""
    response = Response(stream_with_context(messages), mimetype="text/event-stream", headers=SSE_HEADERS)
    if on_close is not None:
        response.call_on_close(on_close)
    return response
