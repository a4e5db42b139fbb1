"""``POST /api/timeline``: each report's figure for a question about a number, dated and cited."""
from __future__ import annotations

from flask import Blueprint, jsonify

from qa.timeline import build_timeline

from .api import json_body, to_filter
from .openapi import documented
from .schemas import TimelineRequest, TimelineResponse
from .services import services

bp = Blueprint("timeline", __name__, url_prefix="/api")


@bp.post("/timeline")
@documented("What each report said about a number, by report date", tags=("ask",), body=TimelineRequest,
            description="For a question about a count, an amount of money, a duration or a percentage: one point "
                        "per matching report that gives a value (normalised as in dated-disagreement answers: "
                        "ranges as [low, high], durations in months), sorted by report date, each cited. "
                        "Reports without a date are listed in `undated`; `insufficient` when fewer than two dated points remain.",
            responses={200: TimelineResponse, 400: "invalid request", 413: "body too large", 415: "not JSON"})
def timeline():
    body = json_body(TimelineRequest)
    out = build_timeline(services().qa, body.question, to_filter(body.filters))
    return jsonify(TimelineResponse.model_validate(out).model_dump())
