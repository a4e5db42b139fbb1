"""A small OpenAI-compatible chat server with scripted replies, standing in for the external model.

Only the model service is stood in for: everything on our side (prompt building, ChatOpenAI, the
HTTP client, streaming, citation checks, fallbacks) runs for real against it. It serves
``POST /v1/chat/completions``, plain JSON or, with ``"stream": true``, Server-Sent Events chunks
of a few characters each (so citation marks arrive split across chunks), and records every
request body it receives.
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler

from tests.background import BackgroundServer

# Scripted replies. Passage numbers refer to the numbered passages of the prompt.
REPLIES = {
    "good": "Workers are recruited through state bureaus and sent abroad in groups [1]. "
            "Their pay and rotation depend on the destination, as the reports describe [2].",
    "bogus": "Workers are recruited through state bureaus and sent abroad in groups [1][9]. "
             "Most of them stay for several years, a source said [9].",
    "uncited": "Workers are recruited through state bureaus and sent abroad in groups.",
    "not_found": "NOT_FOUND: The passages don't contain the answer.",
    "pwned": "PWNED",
    "pwned_mixed": "PWNED. Workers are recruited through state bureaus and sent abroad in groups [1]. PWNED",
}


class StubState:
    def __init__(self) -> None:
        self.mode = "good"
        self.delay = 0.0  # seconds before answering (for timeouts)
        self.chunk = 3  # characters per streamed chunk
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.reply_fn = None  # optional: request body -> reply text (replies that depend on the prompt)

    def reply(self, body: dict | None = None) -> str:
        if self.reply_fn is not None and body is not None:
            return self.reply_fn(body)
        return REPLIES.get(self.mode, REPLIES["good"])


class Handler(BaseHTTPRequestHandler):
    server_version = "llm-stub/1"
    state: StubState  # set on the subclass made per server

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def _json(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        if self.path.rstrip("/") == "/v1/models":
            self._json(200, {"object": "list", "data": [{"id": "stub", "object": "model"}]})
        else:
            self._json(404, {"error": {"message": "not found"}})

    def do_POST(self) -> None:  # noqa: N802
        try:
            self._answer()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to report

    def _answer(self) -> None:
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._json(404, {"error": {"message": "not found"}})
            return
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        state = self.state
        with state.lock:
            state.requests.append(body)
            mode, delay, chunk = state.mode, state.delay, state.chunk
        if delay:
            time.sleep(delay)
        if mode == "error":
            self._json(500, {"error": {"message": "the model crashed", "type": "server_error"}})
            return
        text = state.reply(body)
        model = body.get("model", "stub")
        if body.get("stream"):
            self._stream(text, model, chunk, fail_midway=mode == "midstream_error")
            return
        self._json(200, {
            "id": "chatcmpl-stub", "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        })

    def _stream(self, text: str, model: str, size: int, fail_midway: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()

        def send(delta: dict, finish: str | None = None) -> None:
            chunk = {"id": "chatcmpl-stub", "object": "chat.completion.chunk", "created": int(time.time()),
                     "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()

        send({"role": "assistant", "content": ""})
        pieces = [text[i:i + size] for i in range(0, len(text), size)]
        if fail_midway:  # the first sentence and a half, then the connection drops
            cut = text.index("]") + 1 + 20
            pieces = [text[i:i + size] for i in range(0, cut, size)]
        for piece in pieces:
            send({"content": piece})
        if fail_midway:
            self.wfile.write(b"data: {not json\n\n")  # a garbled chunk, then the connection closes
            self.wfile.flush()
            self.close_connection = True
            return
        send({}, finish="stop")
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()


class LLMStub(BackgroundServer):
    """``with LLMStub() as stub: ... stub.url`` -> ``http://127.0.0.1:PORT/v1``."""

    def __init__(self) -> None:
        self.state = StubState()
        handler = type("BoundHandler", (Handler,), {"state": self.state})
        super().__init__(handler)
        self.url = f"{self.base}/v1"

    def script(self, mode: str, delay: float = 0.0) -> "LLMStub":
        with self.state.lock:
            self.state.mode, self.state.delay = mode, delay
            self.state.requests.clear()
        return self

    @property
    def requests(self) -> list[dict]:
        with self.state.lock:
            return list(self.state.requests)

