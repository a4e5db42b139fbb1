"""Access controls around the API: optional read token, CORS and per-client rate limits.

All three are off by default and switched on by settings, so a local install stays simple
while a shared one can be locked down without code changes:

* ``REPORTQA_REQUIRE_TOKEN_FOR_READS`` — the read endpoints (``/api/*`` except ``/api/health``,
  and ``/v1/*``) need ``Authorization: Bearer <REPORTQA_API_TOKEN>``. The page, its static files
  and the health check stay open (they carry no report data). Fails closed: with the switch on
  and no token configured, reads are refused.
* ``REPORTQA_CORS_ORIGINS`` — comma-separated origins (or ``*``) allowed to call the API from a
  browser; without it no CORS header is ever sent, so other sites cannot read responses.
* ``REPORTQA_RATE_LIMIT`` — e.g. ``60/minute``, per client address, on the asking endpoints
  (Flask-Limiter, in-memory: per process). Exceeding it gives a 429 in the API's error shape.
"""
from __future__ import annotations

import logging

from flask import Flask, Response, request

from settings import Settings

from .auth import require_read_token
from .errors import ApiError

log = logging.getLogger("reportqa")

RATE_LIMITED_PATHS = frozenset({"/api/ask", "/api/ask/stream", "/v1/chat/completions"})
OPEN_API_PATHS = frozenset({"/api/health"})
CORS_METHODS = "GET, POST, DELETE, OPTIONS"
CORS_HEADERS = "Authorization, Content-Type"


def is_read_path(path: str) -> bool:
    """Paths that return report data and so fall under ``REPORTQA_REQUIRE_TOKEN_FOR_READS``."""
    if path in OPEN_API_PATHS:
        return False
    return path == "/api" or path.startswith(("/api/", "/v1/")) or path == "/v1"


def parse_origins(raw: str | None) -> frozenset[str]:
    """``"https://a.example, https://b.example"`` -> the set of origins (``*`` allows any)."""
    return frozenset(o.strip().rstrip("/") for o in (raw or "").split(",") if o.strip())


def cors_origin_for(origin: str | None, allowed: frozenset[str]) -> str | None:
    """The value for ``Access-Control-Allow-Origin``, or None when this origin is not allowed."""
    if not origin or not allowed:
        return None
    if "*" in allowed:
        return "*"
    return origin if origin.rstrip("/") in allowed else None


def register_security(app: Flask, settings: Settings) -> None:
    """Install the read-token hook, CORS and the rate limiter as configured by ``settings``."""
    _register_read_token(app, settings)
    _register_cors(app, settings)
    _register_rate_limit(app, settings)


def _register_read_token(app: Flask, settings: Settings) -> None:
    if not settings.require_token_for_reads:
        return
    if not settings.api_token:
        log.warning("REPORTQA_REQUIRE_TOKEN_FOR_READS is on but REPORTQA_API_TOKEN is not set: reads are refused")

    @app.before_request
    def _read_token():
        if request.method == "OPTIONS" or not is_read_path(request.path):
            return None
        if not settings.api_token:
            raise ApiError(403, "reads_disabled",
                           "reads require a token but the server has none: set REPORTQA_API_TOKEN")
        require_read_token()
        return None


def _register_cors(app: Flask, settings: Settings) -> None:
    allowed = parse_origins(settings.cors_origins)
    if not allowed:
        return

    def _api(path: str) -> bool:
        return path.startswith(("/api/", "/v1/"))

    @app.before_request
    def _preflight():
        if request.method == "OPTIONS" and _api(request.path) and request.headers.get("Access-Control-Request-Method"):
            response = Response(status=204)
            if cors_origin_for(request.headers.get("Origin"), allowed):
                response.headers["Access-Control-Allow-Methods"] = CORS_METHODS
                response.headers["Access-Control-Allow-Headers"] = CORS_HEADERS
                response.headers["Access-Control-Max-Age"] = "600"
            return response
        return None

    @app.after_request
    def _cors(response):
        if not _api(request.path):
            return response
        value = cors_origin_for(request.headers.get("Origin"), allowed)
        if value:
            response.headers["Access-Control-Allow-Origin"] = value
        if value != "*":
            response.vary.add("Origin")
        return response


def _register_rate_limit(app: Flask, settings: Settings) -> None:
    if not settings.rate_limit:
        return
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address
    from limits import parse_many

    try:
        parse_many(settings.rate_limit)
    except ValueError:
        raise ValueError(f"REPORTQA_RATE_LIMIT: not a rate limit like '60/minute': {settings.rate_limit!r}") from None
    limiter = Limiter(
        key_func=get_remote_address,  # behind a reverse proxy, run it with ProxyFix to see client addresses
        app=app,
        default_limits=[settings.rate_limit],
        default_limits_exempt_when=lambda: request.path not in RATE_LIMITED_PATHS or request.method == "OPTIONS",
        storage_uri="memory://",
        headers_enabled=True,
    )
    app.extensions["reportqa_limiter"] = limiter
