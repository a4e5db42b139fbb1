"""``GET /openapi.json``: the API description, generated from the app's routes and the pydantic
models the views validate and answer with — never hand-copied, so it cannot drift from the code.

Views declare what they take and give with :func:`documented`; :func:`build_spec` walks the app's
``url_map`` so every route appears, documented or not.
"""
from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field

from flask import Blueprint, Flask, current_app, jsonify
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from .schemas import ErrorResponse

bp = Blueprint("openapi", __name__)

REF = "#/components/schemas/{model}"
JSON = "application/json"


@dataclass(frozen=True)
class Resp:
    """One documented response: a description, and the model of its body under a media type."""

    description: str
    model: type[BaseModel] | None = None
    media: str = JSON
    models: tuple[type[BaseModel], ...] = ()  # further models the description refers to (e.g. SSE event data)


@dataclass(frozen=True)
class Operation:
    summary: str
    description: str = ""
    tags: tuple[str, ...] = ()
    body: dict[str, type[BaseModel]] = field(default_factory=dict)  # media type -> request model
    responses: dict[int, Resp] = field(default_factory=dict)
    auth: bool = False  # needs the bearer token


def documented(summary: str, *, description: str = "", tags: tuple[str, ...] = (),
               body: dict[str, type[BaseModel]] | type[BaseModel] | None = None,
               responses: dict[int, Resp | type[BaseModel] | str] | None = None, auth: bool = False):
    """Attach an :class:`Operation` to a view function (used by :func:`build_spec`)."""
    if isinstance(body, type):
        body = {JSON: body}
    resp = {status: r if isinstance(r, Resp) else Resp("OK", r) if isinstance(r, type) else Resp(r)
            for status, r in (responses or {}).items()}

    def mark(view):
        view.__openapi__ = Operation(summary, description, tags, dict(body or {}), resp, auth)
        return view

    return mark


def _path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def _fallback(view) -> Operation:
    doc = inspect.getdoc(view) or ""
    summary = doc.split("\n", 1)[0].strip() or view.__name__.replace("_", " ")
    return Operation(summary, responses={200: Resp("OK", media="text/html")})


def _operations(app: Flask):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        view = app.view_functions[rule.endpoint]
        op = getattr(view, "__openapi__", None) or _fallback(view)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method.lower(), op


def build_spec(app: Flask) -> dict:
    """The OpenAPI 3.1 document of ``app``."""
    ops = list(_operations(app))
    inputs = {m for _, _, op in ops for m in op.body.values()}
    outputs = {ErrorResponse} | {m for _, _, op in ops for r in op.responses.values()
                                 for m in ((r.model,) if r.model else ()) + r.models}
    keyed = [(m, "validation") for m in sorted(inputs, key=lambda m: m.__name__)]
    keyed += [(m, "serialization") for m in sorted(outputs, key=lambda m: m.__name__)]
    refs, defs = models_json_schema(keyed, ref_template=REF)
    schemas = defs.get("$defs", {})

    paths: dict[str, dict] = {}
    for rule, method, op in ops:
        entry: dict = {"summary": op.summary, "operationId": f"{method}_{rule.endpoint.replace('.', '_')}"}
        if op.description:
            entry["description"] = op.description
        if op.tags:
            entry["tags"] = list(op.tags)
        params = [{"name": arg, "in": "path", "required": True, "schema": {"type": "string"}}
                  for arg in sorted(rule.arguments)]
        if params:
            entry["parameters"] = params
        if op.body:
            entry["requestBody"] = {"required": True, "content": {
                media: {"schema": refs[(model, "validation")]} for media, model in op.body.items()}}
        responses: dict[str, dict] = {}
        for status, r in sorted(op.responses.items()):
            out: dict = {"description": r.description}
            model = r.model or (ErrorResponse if status >= 400 else None)
            if model is not None:
                out["content"] = {r.media: {"schema": refs[(model, "serialization")]}}
            elif r.media != JSON:
                out["content"] = {r.media: {"schema": {"type": "string"}}}
            responses[str(status)] = out
        if op.body or op.auth or rule.arguments or rule.rule.startswith(("/api", "/v1")):
            responses.setdefault("default", {"description": "an error: {\"error\": {\"code\", \"message\"}}",
                                             "content": {JSON: {"schema": refs[(ErrorResponse, "serialization")]}}})
        entry["responses"] = responses or {"200": {"description": "OK"}}
        if op.auth:
            entry["security"] = [{"bearerAuth": []}]
        paths.setdefault(_path(rule.rule), {})[method] = entry

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Report QA",
            "version": "1.0.0",
            "description": "Cited answers about news reports on North Korean laborers abroad. "
                           "Errors are always JSON: {\"error\": {\"code\", \"message\"}}.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "the server's REPORTQA_API_TOKEN"}},
        },
    }


@bp.get("/openapi.json")
@documented("This document: the OpenAPI 3.1 description of every endpoint", tags=("meta",),
            responses={200: Resp("the OpenAPI document")})
def openapi_json():
    cache = current_app.extensions.setdefault("reportqa_openapi", {})
    if "spec" not in cache:
        cache["spec"] = build_spec(current_app)
    return jsonify(cache["spec"])
