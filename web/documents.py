"""Ingest over HTTP: ``POST /api/documents`` (file upload or JSON) and ``DELETE /api/documents/<doc_id>``.

Uploads go through the CLI's own code (readers -> prepare_report -> Ingestor), so they are read,
cleaned, identified and validated exactly like files given to ``python -m ingest``. Both routes
need the bearer token, and are off (403) when the server has none configured.
"""
from __future__ import annotations

import re
from pathlib import Path

from flask import Blueprint, jsonify, request

from ingest import ParsedReport, ReportError, prepare_report
from ingest.fetch import FetchError
from ingest.readers import parse_bytes, parse_text, read_url, url_filename

from .api import json_body
from .auth import require_write_token
from .errors import ApiError
from .openapi import Resp, documented
from .schemas import DeleteResponse, DocumentIn, DocumentJsonIn, DocumentOut, DocumentUpload, DocumentUrlIn, IngestResponse, ReportMeta
from .services import services

bp = Blueprint("documents", __name__, url_prefix="/api")

_AUTH_ERRORS = {401: "missing or wrong bearer token",
                403: "ingest over HTTP is disabled: the server has no REPORTQA_API_TOKEN"}


def _json_filename(body: DocumentIn) -> str:
    """A stable file name for a JSON report (its id comes from it when no source URL is given)."""
    stem = re.sub(r"[^A-Za-z0-9]+", "-", body.title or "").strip("-")[:80]
    return f"{stem or 'report'}.txt"


def _with_meta(parsed: ParsedReport, meta: ReportMeta) -> ParsedReport:
    parsed.meta.update(meta.given())
    return parsed


def _from_request() -> tuple[ParsedReport, str]:
    """The parsed report and its file name, from a multipart upload or a JSON body."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise ApiError(400, "invalid_request", "multipart upload needs a 'file' field holding the report")
        fields = {k: v for k, v in request.form.items() if v != ""}
        form = DocumentUpload.model_validate({"file": upload.read(), **fields})  # bad fields: 400 JSON
        filename = Path(upload.filename or "").name or "upload.txt"
        return _with_meta(parse_bytes(form.file, filename), form), filename
    data = request.get_json(silent=True)
    if isinstance(data, dict) and "url" in data:
        fetch = json_body(DocumentUrlIn)
        parsed = read_url(fetch.url, public_only=not services().settings.fetch_private_urls)
        parsed = _with_meta(parsed, fetch)
        return parsed, url_filename(parsed.meta.get("source") or fetch.url)
    body = json_body(DocumentIn)
    filename = _json_filename(body)
    return _with_meta(parse_text(body.text, filename), body), filename


@bp.post("/documents")
@documented(
    "Add or replace a report (file upload, JSON text or a URL to fetch)", tags=("documents",), auth=True,
    description="Send the report either as `multipart/form-data` with a `file` field (.txt, .md, .html or .pdf; "
                "optional title/date/source/outlet/author fields override its header), as JSON with `text`, "
                "or as JSON with `url` (an HTML page or a PDF the server fetches; the stored source is the final "
                "URL; loopback and private addresses are refused unless REPORTQA_FETCH_PRIVATE_URLS is on). "
                "The report is ingested like a file given to `python -m ingest`: same reader, cleaning, "
                "identity (from the source URL, else the file name or title) and messages. "
                "Needs `Authorization: Bearer <REPORTQA_API_TOKEN>`; refused with 403 when no token is configured.",
    body={"application/json": DocumentJsonIn, "multipart/form-data": DocumentUpload},
    responses={201: Resp("the report was added", IngestResponse), 200: Resp("the report was updated or unchanged", IngestResponse),
               400: "the report cannot be ingested (the message says why, as the CLI would)", **_AUTH_ERRORS,
               502: "the URL could not be fetched (network error, timeout or the remote server's HTTP error)",
               413: "body larger than REPORTQA_MAX_CONTENT_LENGTH", 415: "neither JSON nor multipart",
               500: "the report was read but could not be embedded or stored (the message says why)"},
)
def add_document():
    require_write_token()
    if request.mimetype not in ("multipart/form-data", "application/json"):
        raise ApiError(415, "unsupported_media_type",
                       "send a report as multipart/form-data (field 'file') or as JSON with Content-Type: application/json")
    try:
        parsed, filename = _from_request()
        prepared = prepare_report(parsed, filename)
    except FetchError as exc:
        raise ApiError(502, "fetch_failed", str(exc)) from None
    except ReportError as exc:
        raise ApiError(400, "invalid_report", str(exc)) from None
    summary = services().ingestor.ingest_reports([prepared])
    if summary.failed:  # read fine, but could not be embedded or written: not the caller's fault
        raise ApiError(500, "ingest_failed", summary.failed[0][1])
    doc_id = prepared.record.doc_id
    status = "added" if doc_id in summary.added else "updated" if doc_id in summary.updated else "unchanged"
    stored = services().qa.store.get_document(doc_id, with_text=False) or prepared.record
    out = IngestResponse(status=status, document=DocumentOut.model_validate(stored, from_attributes=True),
                         warnings=[*parsed.warnings, *summary.warnings])  # question-index failures among them
    return jsonify(out.model_dump()), 201 if status == "added" else 200


@bp.delete("/documents/<doc_id>")
@documented("Remove a report and its passages", tags=("documents",), auth=True,
            responses={200: DeleteResponse, 404: "no such report", **_AUTH_ERRORS})
def delete_document(doc_id: str):
    require_write_token()
    if not services().ingestor.delete(doc_id):
        raise ApiError(404, "not_found", f"no report with id {doc_id!r}")
    return jsonify(DeleteResponse(deleted=doc_id).model_dump())
