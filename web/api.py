"""The JSON API blueprint: ask, health, documents."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from qa import Turn

from .errors import ApiError
from .schemas import AskRequest, DocumentOut
from .services import services

bp = Blueprint("api", __name__, url_prefix="/api")


def json_body(model):
    """Validate the request body against a pydantic model (415 if it is not JSON)."""
    if not request.mimetype or request.mimetype != "application/json":
        raise ApiError(415, "unsupported_media_type", "send the body as JSON with Content-Type: application/json")
    return model.model_validate_json(request.get_data(cache=True) or b"")


def parse_ask() -> tuple[str, list[Turn]]:
    body = json_body(AskRequest)
    return body.question, [Turn(t.role, t.content) for t in body.history]


@bp.post("/ask")
def ask():
    question, history = parse_ask()
    answer = services().qa.ask(question, history)
    return jsonify(answer.as_dict())


@bp.get("/health")
def health():
    store = services().qa.store
    documents, passages = store.counts()
    return jsonify({"status": "ok", "documents": documents, "passages": passages})


@bp.get("/documents")
def documents():
    docs = services().qa.store.list_documents()
    return jsonify({"documents": [DocumentOut.model_validate(d, from_attributes=True).model_dump() for d in docs]})


@bp.get("/documents/<doc_id>")
def document(doc_id: str):
    doc = services().qa.store.get_document(doc_id, with_text=True)
    if doc is None:
        raise ApiError(404, "not_found", f"no report with id {doc_id!r}")
    out = DocumentOut.model_validate(doc, from_attributes=True).model_dump()
    out["text"] = doc.text
    return jsonify(out)
