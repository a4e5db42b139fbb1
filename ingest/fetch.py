"""Fetch a report from an http(s) URL with the limits a batch job needs: a timeout, a size cap,
a bounded number of redirects and a content-type check (HTML or PDF only).

stdlib urllib: one GET per report needs no session pooling, and it keeps the CLI's imports light.
"""
from __future__ import annotations

import http.client
import ipaddress
import re
import socket
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from email.message import Message
from urllib.parse import urlsplit

from .parsed import ReportError

TIMEOUT_S = 20.0  # per connect and per read: a stalled server fails the URL, not the batch
MAX_BYTES = 20 * 1024 * 1024
MAX_PDF_BYTES = 100 * 1024 * 1024
MAX_REDIRECTS = 5
USER_AGENT = "ReportQA-ingest/1.0"
_HTML_TYPES = {"text/html", "application/xhtml+xml"}
_PDF_TYPES = {"application/pdf", "application/x-pdf"}


class FetchError(ReportError):
    """The URL could not be fetched (network, timeout, the server's HTTP error): not the report's fault."""


def is_url(value: str) -> bool:
    return bool(re.match(r"^https?://", str(value), re.I))


@dataclass
class Fetched:
    url: str  # the final URL, after redirects
    kind: str  # "html" or "pdf"
    data: bytes
    charset: str | None  # from the Content-Type header


def check_public(url: str) -> None:
    """Refuse a URL whose host resolves to a loopback, private, link-local or reserved address.

    The HTTP API fetches URLs on behalf of its callers; without this a token holder could make
    the server read internal services (cloud metadata, admin consoles). The CLI runs as the user
    and may read anything the user can. (A host that re-resolves between this check and the
    connection is not covered.)
    """
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"{url}: cannot be fetched (host {host!r} not found: {exc})") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global or address.is_multicast:
            raise ReportError(f"{url}: refused: {host} is a local or private address ({address})")


class _LimitedRedirects(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS

    def __init__(self, public_only: bool):
        super().__init__()
        self.public_only = public_only

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if not is_url(newurl):  # ftp:, file:, javascript: ...
            raise ReportError(f"{req.full_url}: redirected to a non-http(s) URL ({newurl[:80]})")
        if self.public_only:
            check_public(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _kind(content_type: str, head: bytes) -> str | None:
    if content_type in _HTML_TYPES:
        return "html"
    if content_type in _PDF_TYPES or (content_type in ("application/octet-stream", "binary/octet-stream", "")
                                      and head.startswith(b"%PDF-")):
        return "pdf"  # many servers label PDFs as a generic download
    return None


class _Inflater:
    """Undoes a response's Content-Encoding (gzip, deflate) without ever holding more than the
    size limit plus one byte: a 1 MB gzip response can inflate to gigabytes (a "gzip bomb"), so
    the limit is on what comes out, not on what came in."""

    def __init__(self, url: str, encoding: str):
        self.url = url
        self.encoding = encoding
        wbits = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}.get(encoding)
        if wbits is None and encoding not in ("", "identity"):
            raise ReportError(f"{url}: unsupported content encoding {encoding!r} (gzip and deflate are read)")
        self.decoder = zlib.decompressobj(wbits) if wbits is not None else None
        self.first = True

    def feed(self, data: bytes, room: int) -> bytes:
        """The decoded bytes of ``data``: at most ``room + 1`` of them (one more means too large)."""
        if self.decoder is None:
            return data
        try:
            out = self.decoder.decompress(data, room + 1)
        except zlib.error:
            if self.encoding == "deflate" and self.first:  # some servers send raw deflate, no zlib header
                self.decoder = zlib.decompressobj(-zlib.MAX_WBITS)
                self.first = False
                return self.feed(data, room)
            raise ReportError(f"{self.url}: the response's {self.encoding} encoding is damaged") from None
        self.first = False
        return out

    def flush(self) -> bytes:
        """What the decoder still holds at the end of the body (little: all input was consumed)."""
        try:
            return self.decoder.flush() if self.decoder is not None else b""
        except zlib.error:
            return b""  # a truncated stream: what was decoded is kept, like a truncated page


def fetch(url: str, timeout: float = TIMEOUT_S, max_bytes: int = MAX_BYTES, max_pdf_bytes: int = MAX_PDF_BYTES,
          public_only: bool = False) -> Fetched:
    """GET ``url``; raises :class:`ReportError` (:class:`FetchError` for network and server
    failures) with a one-line reason naming the URL. ``public_only`` refuses local and private
    addresses, redirects included."""
    try:
        parts = urlsplit(url)
        valid = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        valid = False
    if not valid:
        raise ReportError(f"{url}: not a valid http(s) URL")
    if public_only:
        check_public(url)
    opener = urllib.request.build_opener(_LimitedRedirects(public_only))
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "text/html, application/xhtml+xml, application/pdf;q=0.9"})
    try:
        with opener.open(request, timeout=timeout) as response:
            headers: Message = response.headers
            content_type = headers.get_content_type() if headers.get("Content-Type") else ""
            final = response.geturl()
            limit = max_pdf_bytes if content_type in _PDF_TYPES else max_bytes
            length = headers.get("Content-Length")
            if length and length.isdigit() and int(length) > limit:
                raise ReportError(f"{url}: too large ({int(length) / 1e6:.0f} MB; the limit is {limit / 1e6:.0f} MB)")
            inflater = _Inflater(url, (headers.get("Content-Encoding") or "").strip().lower())
            head = inflater.feed(response.read(1024), max_pdf_bytes)
            kind = _kind(content_type, head)
            if kind is None:
                raise ReportError(f"{url}: content type {content_type or '(none)'} is neither HTML nor PDF")
            limit = max_pdf_bytes if kind == "pdf" else max_bytes
            chunks, size, received = [head], len(head), 0
            while True:
                chunk = response.read(65536)
                received += len(chunk)
                if received > limit:
                    raise ReportError(f"{url}: too large (over {limit / 1e6:.0f} MB)")
                data = inflater.feed(chunk, limit - size) if chunk else inflater.flush()
                size += len(data)
                if size > limit:
                    inflated = " once decompressed" if inflater.decoder is not None else ""
                    raise ReportError(f"{url}: too large (over {limit / 1e6:.0f} MB{inflated})")
                chunks.append(data)
                if not chunk:
                    break
            charset = headers.get_content_charset()
    except ReportError:
        raise
    except urllib.error.HTTPError as exc:
        if exc.code in (301, 302, 303, 307, 308) and "not allowed" in str(exc.msg):
            # urllib refuses file:, data: ... redirects itself, before our handler sees them.
            raise ReportError(f"{url}: redirected to a non-http(s) URL") from None
        if exc.code in (301, 302, 303, 307, 308):
            raise FetchError(f"{url}: too many redirects (more than {MAX_REDIRECTS})") from None
        raise FetchError(f"{url}: the server answered HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        text = "timed out" if isinstance(reason, TimeoutError) or "timed out" in str(reason) else str(reason)
        raise FetchError(f"{url}: cannot be fetched ({text})") from None
    except TimeoutError:
        raise FetchError(f"{url}: cannot be fetched (timed out after {timeout:g} s)") from None
    except (OSError, ValueError, http.client.HTTPException) as exc:  # connection reset, truncated body, bad chunked encoding, invalid URL...
        raise FetchError(f"{url}: cannot be fetched ({type(exc).__name__}: {str(exc)[:120]})") from None
    return Fetched(url=final, kind=kind, data=b"".join(chunks), charset=charset)
