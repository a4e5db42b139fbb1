"""The JSON API blueprint: ask (plain and streamed), health, documents (reads; writes are in documents.py)."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from qa import Turn
from qa.filters import NO_FILTER, ReportFilter

from .errors import ApiError
from .openapi import Resp, documented
from .schemas import (AskFilters, AskRequest, AskResponse, DocumentDetail, DocumentOut, DocumentsResponse, HealthResponse,
                      StreamCitations, StreamDelta, StreamDone, ask_limits)
from .services import services
from .stream import answer_events, sse_response

bp = Blueprint("api", __name__, url_prefix="/api")


def json_body(model):
    """Validate the request body against a pydantic model (415 if it is not JSON)."""
    if not request.mimetype or request.mimetype != "application/json":
        raise ApiError(415, "unsupported_media_type", "send the body as JSON with Content-Type: application/json")
    data = request.get_data(cache=True) or b""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit and len(data) >= limit:
        # A chunked body (no Content-Length) is cut at the limit by werkzeug, not refused.
        raise ApiError(413, "too_large", "request body too large")
    return model.model_validate_json(data, context=ask_limits(services().settings))


def parse_ask() -> tuple[str, list[Turn], ReportFilter]:
    """The question, history and report filter of an ask request (validated: a 4xx JSON error if bad)."""
    body = json_body(AskRequest)
    return body.question, [Turn(t.role, t.content) for t in body.history], to_filter(body.filters)


def to_filter(filters: AskFilters | None) -> ReportFilter:
    return filters.report_filter() if filters is not None else NO_FILTER


@bp.post("/ask")
@documented("Ask a question; get a cited answer", tags=("ask",), body=AskRequest,
            responses={200: AskResponse, 400: "invalid request", 413: "body too large", 415: "not JSON"})
def ask():
    question, history, flt = parse_ask()
    answer = services().qa.ask(question, history, flt)
    return jsonify(answer.as_dict())


_STREAM_DOC = (
    "Server-Sent Events, each `event: <name>` + `data: <json>`: `delta` (StreamDelta, a piece of answer "
    "text; zero or more, in order), then `citations` (StreamCitations, once), then `done` (StreamDone). "
    "On a failure after the stream started: `error` with the JSON error shape (ErrorResponse). "
    "An invalid request is refused before streaming with a normal 4xx JSON error."
)


@bp.post("/ask/stream")
@documented("Ask a question; the answer streams as Server-Sent Events", tags=("ask",), body=AskRequest,
            description=_STREAM_DOC,
            responses={200: Resp(_STREAM_DOC, media="text/event-stream", models=(StreamDelta, StreamCitations, StreamDone)),
                       400: "invalid request", 413: "body too large", 415: "not JSON"})
def ask_stream():
    question, history, flt = parse_ask()  # validation errors leave as plain 4xx JSON, before any event
    qa = services().qa
    return sse_response(answer_events(qa.stream(question, history, flt)))


@bp.get("/health")
@documented("Service status and corpus size", tags=("meta",), responses={200: HealthResponse})
def health():
    qa = services().qa
    documents, passages = qa.store.counts()
    return jsonify({"status": "ok", "documents": documents, "passages": passages,
                    "encoder": qa.store.embedder.encoder_id, "reader": qa.settings.reader and not qa.settings.reranker,
                    "warning": qa.encoder_warning()})


@bp.get("/documents")
@documented("The ingested reports, optionally filtered (?since=YYYY[-MM[-DD]]&until=...&outlet=NAME, outlet repeatable; "
            "dates match by overlap as in the ask filters)", tags=("documents",),
            responses={200: DocumentsResponse, 400: "a bad filter value"})
def documents():
    flt = documents_filter()
    docs = [d for d in services().qa.store.list_documents() if flt.matches(d.doc_id, d.date, d.outlet)]
    return jsonify({"documents": [DocumentOut.model_validate(d, from_attributes=True).model_dump() for d in docs]})


def documents_filter() -> ReportFilter:
    """The ``since``/``until``/``outlet`` query parameters, checked by the same rules as ask filters."""
    unknown = set(request.args) - {"since", "until", "outlet"}
    if unknown:
        raise ApiError(400, "invalid_request", f"unknown query parameter(s): {', '.join(sorted(unknown))}")
    raw = {"since": request.args.get("since") or None, "until": request.args.get("until") or None,
           "outlets": [o for o in request.args.getlist("outlet") if o] or None}
    return AskFilters.model_validate(raw).report_filter()


@bp.get("/documents/<doc_id>")
@documented("One report with its stored text (citation offsets point into it)", tags=("documents",),
            responses={200: DocumentDetail, 404: "no such report"})
def document(doc_id: str):
    doc = services().qa.store.get_document(doc_id, with_text=True)
    if doc is None:
        raise ApiError(404, "not_found", f"no report with id {doc_id!r}")
    return jsonify(DocumentDetail.model_validate(doc, from_attributes=True).model_dump())
