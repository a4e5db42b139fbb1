"""GET /openapi.json: a valid OpenAPI 3.1 document, covering every route, built from the pydantic models."""
from __future__ import annotations

import re

import pytest
import requests
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from web.openapi import REF
from web.schemas import AskRequest, AskResponse, ChatCompletionRequest, DocumentIn

Q = "Which countries are the laborers sent to?"


@pytest.fixture
def spec_and_server(live_server):
    r = requests.get(live_server.url + "/openapi.json", timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    return r.json(), live_server


def test_document_is_valid_and_lists_every_route(spec_and_server):
    spec, server = spec_and_server
    validate(spec)  # raises on an invalid OpenAPI document
    assert spec["openapi"].startswith("3.1")
    rules = list(server.app.url_map.iter_rules())
    assert len(rules) >= 10
    for rule in rules:
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        assert path in spec["paths"], f"{rule.rule} missing from /openapi.json"
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            assert method.lower() in spec["paths"][path], f"{method} {rule.rule} missing"
    for path in ("/api/ask", "/api/ask/stream", "/api/documents", "/api/documents/{doc_id}", "/api/health",
                 "/v1/chat/completions", "/v1/models", "/openapi.json"):
        assert path in spec["paths"]
    assert {"get", "post"} <= set(spec["paths"]["/api/documents"])
    assert {"get", "delete"} <= set(spec["paths"]["/api/documents/{doc_id}"])


def test_schemas_come_from_the_validating_models(spec_and_server):
    spec, _ = spec_and_server
    schemas = spec["components"]["schemas"]
    for model in (AskRequest, DocumentIn, ChatCompletionRequest):
        generated = model.model_json_schema(ref_template=REF)
        generated.pop("$defs", None)
        assert schemas[model.__name__] == generated
    paths = spec["paths"]
    assert paths["/api/ask"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/AskRequest")
    assert "text/event-stream" in paths["/api/ask/stream"]["post"]["responses"]["200"]["content"]
    post_docs = paths["/api/documents"]["post"]
    assert set(post_docs["requestBody"]["content"]) == {"application/json", "multipart/form-data"}
    assert post_docs["security"] == [{"bearerAuth": []}] and "403" in post_docs["responses"]
    for name in ("StreamDelta", "StreamCitations", "StreamDone", "ErrorResponse", "ChatCompletionChunk"):
        assert name in schemas


def _schema_validator(spec: dict, name: str) -> OAS31Validator:
    """A validator for one component schema; its $refs resolve inside the same document."""
    return OAS31Validator({**spec["components"]["schemas"][name], "components": spec["components"]})


def test_live_responses_match_their_documented_schemas(spec_and_server):
    spec, server = spec_and_server
    u = server.url
    samples = {
        "AskResponse": requests.post(u + "/api/ask", json={"question": Q}, timeout=60).json(),
        "HealthResponse": requests.get(u + "/api/health", timeout=10).json(),
        "DocumentsResponse": requests.get(u + "/api/documents", timeout=10).json(),
        "ModelList": requests.get(u + "/v1/models", timeout=10).json(),
        "ChatCompletion": requests.post(u + "/v1/chat/completions", timeout=60, json={
            "model": "report-qa", "messages": [{"role": "user", "content": Q}]}).json(),
        "ErrorResponse": requests.post(u + "/api/ask", json={}, timeout=10).json(),
    }
    doc_id = samples["DocumentsResponse"]["documents"][0]["doc_id"]
    samples["DocumentDetail"] = requests.get(f"{u}/api/documents/{doc_id}", timeout=10).json()
    for name, body in samples.items():
        errors = list(_schema_validator(spec, name).iter_errors(body))
        assert not errors, f"{name}: {errors[0].message}"
    assert AskResponse.model_validate(samples["AskResponse"]).found
    broken = {**samples["AskResponse"], "citations": [{"n": "one"}]}
    assert list(_schema_validator(spec, "AskResponse").iter_errors(broken))  # the check can fail
