#!/usr/bin/env bash
# Install, ingest the sample reports, and serve the chat at http://127.0.0.1:8000
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
.venv/bin/python -m ingest data/reports
exec .venv/bin/gunicorn -c gunicorn.conf.py server:app "$@"
