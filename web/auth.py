"""Bearer-token checks for the API (constant-time comparison)."""
from __future__ import annotations

import hmac

from flask import request

from .errors import ApiError
from .services import services


def _presented_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def require_write_token() -> None:
    """Writes need ``Authorization: Bearer <REPORTQA_API_TOKEN>``; without a configured token they are off."""
    expected = services().settings.api_token
    if not expected:
        raise ApiError(403, "writes_disabled",
                       "ingest over HTTP is disabled: set REPORTQA_API_TOKEN on the server and send "
                       "'Authorization: Bearer <token>'")
    _check(expected)


def require_read_token() -> None:
    """Reads need the token only when REPORTQA_REQUIRE_TOKEN_FOR_READS is on."""
    settings = services().settings
    if settings.require_token_for_reads and settings.api_token:
        _check(settings.api_token)


def _check(expected: str) -> None:
    presented = _presented_token()
    if presented is None:
        raise ApiError(401, "unauthorized", "missing 'Authorization: Bearer <token>' header")
    if not hmac.compare_digest(presented.encode("utf-8"), expected.encode("utf-8")):
        raise ApiError(401, "unauthorized", "invalid token")
