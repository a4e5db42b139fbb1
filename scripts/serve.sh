#!/usr/bin/env bash
# Install, ingest the sample reports, and serve the chat at http://127.0.0.1:8000
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
# --reembed: a store embedded by an older encoder is brought up to date first (nothing otherwise)
.venv/bin/python -m ingest --reembed data/reports
exec .venv/bin/gunicorn -c gunicorn.conf.py server:app "$@"
