"""Report QA web server: JSON API + chat page.

    python server.py [--host 127.0.0.1] [--port 8000] [--store DIR]

``app`` at module level is for gunicorn (``gunicorn -c gunicorn.conf.py server:app``).
"""
from __future__ import annotations

import argparse
import logging
import sys

from flask import Flask

from settings import PROJECT_DIR, Settings
from web.errors import register_error_handlers
from web.security import register_security
from web.services import init_services


def create_app(settings: Settings | None = None) -> Flask:
    """App factory: one app per settings; backends are created lazily per process."""
    settings = settings or Settings.from_env()
    app = Flask(__name__, static_folder=str(PROJECT_DIR / "static"), template_folder=str(PROJECT_DIR / "templates"))
    app.config["MAX_CONTENT_LENGTH"] = settings.max_content_length
    app.json.sort_keys = False
    app.config["REPORTQA_SETTINGS"] = settings
    init_services(app, settings)
    register_error_handlers(app)
    register_security(app, settings)  # read token, CORS, rate limit (web/security.py)

    from web.api import bp as api_bp
    from web.ui import bp as ui_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(ui_bp)
    from web.documents import bp as documents_bp
    from web.openai_api import bp as openai_bp
    from web.openapi import bp as openapi_bp
    from web.timeline import bp as timeline_bp

    for extra_bp in (documents_bp, openai_bp, openapi_bp, timeline_bp):
        app.register_blueprint(extra_bp)

    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if response.mimetype == "text/html":
            response.headers.setdefault(
                "Content-Security-Policy",
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
            )
        return response

    @app.cli.command("warm-up")
    def warm_up_command() -> None:
        """Load the model and sync the index (checks the store opens)."""
        app.extensions["reportqa"].warm_up()
        print("ok")

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python server.py", description="Serve the Report QA API and chat page.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument("--store", metavar="DIR", help="embedded store folder (default: $REPORTQA_STORE or data/store)")
    parser.add_argument("--no-warm-up", action="store_true", help="load the model on the first request instead of at start")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env(store=args.store)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    app = create_app(settings)
    if not args.no_warm_up:
        try:
            app.extensions["reportqa"].warm_up()
        except Exception as exc:  # a readable reason, not a trace
            print(f"error: cannot start: {exc}", file=sys.stderr)
            return 1
    print(f"Report QA serving {settings.chroma_url or settings.store} at http://{args.host}:{args.port}", flush=True)
    from werkzeug.serving import run_simple

    run_simple(args.host, args.port, app, threaded=True, use_reloader=False, use_debugger=False)
    return 0


app = create_app() if __name__ != "__main__" else None

if __name__ == "__main__":
    raise SystemExit(main())
