"""gunicorn settings for the serve command: threads in one worker by default (each worker loads
its own query encoder and keyword mirror: docs/operations.md). Override any of these with
GUNICORN_* or CLI flags."""
import os

bind = os.environ.get("REPORTQA_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("REPORTQA_WORKERS", "1"))
threads = int(os.environ.get("REPORTQA_THREADS", "8"))
worker_class = "gthread"
timeout = 120
graceful_timeout = 20
preload_app = False  # a Chroma client or torch model made before fork deadlocks the workers
accesslog = "-"
errorlog = "-"
loglevel = "info"


def post_worker_init(worker):
    """Load the model and sync the index in each worker before it takes requests."""
    try:
        worker.wsgi.extensions["reportqa"].warm_up()
    except Exception as exc:  # the store may be empty or unreachable: serve and report per request
        worker.log.warning("warm-up failed: %s", exc)
