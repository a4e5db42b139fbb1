"""The chat page blueprint. Everything it needs is served by the app: no CDN, no build step."""
from __future__ import annotations

from flask import Blueprint, render_template

from .services import services

bp = Blueprint("ui", __name__)


@bp.get("/")
def index():
    settings = services().settings
    starters = [q.strip() for q in (settings.starter_questions or "").split("|") if q.strip()]
    return render_template("index.html", starters=starters)
