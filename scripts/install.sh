#!/usr/bin/env bash
# Create .venv and install the runtime (and with --dev, the test) dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then PY="$candidate"; break; fi
  done
fi
"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || { echo "Python 3.11+ is required (found $("$PY" --version))" >&2; exit 1; }
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv || { echo "could not create .venv: on Debian, apt-get install python3-venv" >&2; exit 1; }
fi
stamp=".venv/.installed-$(cat requirements.txt requirements-dev.txt constraints.txt | sha1sum | cut -c1-12)${1:+-dev}"
if [ -f "$stamp" ]; then exit 0; fi
.venv/bin/python -m pip install -q --upgrade pip
# torch==2.13.0 is pinned in requirements.txt: an unpinned torch would pull a multi-GB CUDA build.
if [ "${1:-}" = "--dev" ]; then
  .venv/bin/python -m pip install -q -c constraints.txt -r requirements.txt -r requirements-dev.txt
else
  .venv/bin/python -m pip install -q -c constraints.txt -r requirements.txt
fi
touch "$stamp"
