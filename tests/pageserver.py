"""A real HTTP server on a loopback port, started by a test, serving pages from a dict that the
test may change while it runs; nothing leaves the machine."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from tests.background import BackgroundServer


@dataclass
class Page:
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    location: str = ""  # for redirects
    delay: float = 0.0  # seconds before answering (timeouts)
    headers: dict[str, str] = field(default_factory=dict)


class PageServer(BackgroundServer):
    """``server.pages["/a.html"] = Page(...)``; ``server.url("/a.html")``; a context manager."""

    def __init__(self) -> None:
        self.pages: dict[str, Page] = {}
        self.hits: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                outer.hits.append(self.path)
                page = outer.pages.get(self.path)
                if page is None:
                    self.send_error(404, "Not Found")
                    return
                if page.delay:
                    time.sleep(page.delay)
                self.send_response(page.status)
                if page.location:
                    self.send_header("Location", page.location)
                if page.content_type:
                    self.send_header("Content-Type", page.content_type)
                self.send_header("Content-Length", str(len(page.body)))
                for key, value in page.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                try:
                    self.wfile.write(page.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (size limit, timeout): that is the test's point

            def log_message(self, *args) -> None:
                pass

        super().__init__(Handler)

    def url(self, path: str) -> str:
        return self.base + path
