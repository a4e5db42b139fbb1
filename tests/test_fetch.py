"""Reports from URLs: the fetcher's limits against a real local HTTP server, then the real CLI
with a URL among files (source = final URL; unchanged is skipped, changed replaced)."""
from __future__ import annotations

import json

import pytest

from ingest.fetch import FetchError, fetch
from ingest.readers import ReportError, read_url

from .conftest import run_cli
from .pageserver import Page, PageServer
from .pdfwriter import make_pdf

BODY = ("North Korean welders were sent to a shipyard in Vladivostok in May, a source in the city "
        "told the reporter. About 250 of them live in a dormitory beside the dock.")
CHANGED = ("North Korean welders were sent to a shipyard in Nakhodka in June, a source in the city "
           "told the reporter. About 300 of them live in a dormitory beside the dock.")


def article(text: str, title: str = "Welders at the shipyard") -> bytes:
    return (f"<html><head><title>{title}</title></head><body><nav><a href='/'>Home</a></nav>"
            f"<article><h1>{title}</h1><p>{text}</p><p>{text}</p></article></body></html>").encode()


@pytest.fixture
def pages():
    with PageServer() as server:
        yield server


def test_redirects_are_followed_to_the_final_url_which_is_the_source(pages):
    pages.pages["/old"] = Page(status=301, location="/mid", content_type="")
    pages.pages["/mid"] = Page(status=302, location="/news/welders.html", content_type="")
    pages.pages["/news/welders.html"] = Page(article(BODY))
    parsed = read_url(pages.url("/old"))
    assert parsed.meta["source"] == pages.url("/news/welders.html")
    assert parsed.meta["title"] == "Welders at the shipyard" and "250 of them" in parsed.body


def test_http_charset_header_is_used(pages):
    text = BODY.replace("Vladivostok", "Vladivostok (Владивосток)")
    pages.pages["/ru.html"] = Page(article(text).replace(b"<head>", b"<head><meta charset='utf-8'>")
                                   .decode().encode("cp1251", errors="strict"), "text/html; charset=windows-1251")
    assert "Владивосток" in read_url(pages.url("/ru.html")).body


def test_pdf_url_and_pdf_served_as_octet_stream(pages):
    pdf = make_pdf([["Panel report", "", "About 250 welders work at the Vladivostok shipyard."]])
    pages.pages["/r.pdf"] = Page(pdf, "application/pdf")
    pages.pages["/download?id=7"] = Page(pdf, "application/octet-stream")
    for path in ("/r.pdf", "/download?id=7"):
        parsed = read_url(pages.url(path))
        assert "250 welders" in parsed.body and parsed.meta["source"] == pages.url(path)


def test_limits_each_give_a_one_line_reason(pages):
    pages.pages["/loop"] = Page(status=302, location="/loop", content_type="")
    pages.pages["/feed.json"] = Page(b'{"a": 1}', "application/json")
    pages.pages["/big.html"] = Page(b"<p>" + b"x" * 3_000_000 + b"</p>")
    pages.pages["/slow.html"] = Page(article(BODY), delay=3)
    pages.pages["/to-file"] = Page(status=302, location="file:///etc/passwd", content_type="")
    cases = [
        (lambda: fetch(pages.url("/loop")), FetchError, "redirect"),
        (lambda: fetch(pages.url("/feed.json")), ReportError, "application/json is neither HTML nor PDF"),
        (lambda: fetch(pages.url("/big.html"), max_bytes=1_000_000), ReportError, "too large"),
        (lambda: fetch(pages.url("/slow.html"), timeout=0.5), FetchError, "timed out"),
        (lambda: fetch(pages.url("/missing")), FetchError, "HTTP 404"),
        (lambda: fetch(pages.url("/to-file")), ReportError, "non-http(s)"),
        (lambda: fetch("http://127.0.0.1:1/nothing-listens"), FetchError, "cannot be fetched"),
        (lambda: fetch("http://[::1/"), ReportError, "not a valid"),
    ]
    for call, kind, phrase in cases:
        with pytest.raises(kind) as info:
            call()
        message = str(info.value)
        assert phrase in message and "\n" not in message, message


def test_public_only_refuses_loopback_and_redirects_to_it(pages):
    pages.pages["/a.html"] = Page(article(BODY))
    with pytest.raises(ReportError, match="local or private address"):
        fetch(pages.url("/a.html"), public_only=True)
    with pytest.raises(ReportError, match="local or private address"):
        fetch("http://10.1.2.3/x", public_only=True, timeout=1)


def test_cli_ingests_urls_among_files_then_skips_or_replaces(pages, tmp_path):
    pages.pages["/news/welders.html"] = Page(article(BODY))
    pages.pages["/go"] = Page(status=302, location="/news/welders.html", content_type="")
    report = tmp_path / "laos.txt"
    report.write_text("Title: Laborers in Laos\n\nNorth Korean laborers in Vientiane hold passports kept by their managers.\n")
    store = tmp_path / "store"
    first = run_cli("--store", str(store), "--json", "-q", pages.url("/go"), str(report), pages.url("/gone.html"))
    assert first.returncode == 1, first.stderr
    summary = json.loads(first.stdout)
    assert len(summary["added"]) == 2
    assert [f["file"] for f in summary["failed"]] == [pages.url("/gone.html")]
    assert "HTTP 404" in first.stderr and "Traceback" not in first.stderr
    url_id = next(i for i in summary["added"] if i.startswith("welders"))

    pages.pages["/news/welders.html"] = Page(article(CHANGED))
    again = run_cli("--store", str(store), "--json", "-q", pages.url("/go"), str(report))
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout)
    assert summary["updated"] == [url_id] and len(summary["unchanged"]) == 1

    from vectorstore import ReportStore

    class NoModel:  # reading stored records needs no embedding
        def __getattr__(self, name):
            raise AssertionError("the model is not needed to read records")

    stored = ReportStore(NoModel(), path=store).get_document(url_id)
    assert stored.source == pages.url("/news/welders.html") and "Nakhodka" in stored.text and not stored.path

    same = run_cli("--store", str(store), "--json", "-q", pages.url("/news/welders.html"))
    assert json.loads(same.stdout)["unchanged"] == [url_id]


def test_compressed_responses_are_inflated_within_the_limit(pages):
    import gzip
    import zlib

    from bench.hostile import gzip_bomb

    body = article(BODY)
    raw = zlib.compressobj(9, zlib.DEFLATED, -15)
    pages.pages["/gzip.html"] = Page(gzip.compress(body), headers={"Content-Encoding": "gzip"})
    pages.pages["/zlib.html"] = Page(zlib.compress(body), headers={"Content-Encoding": "deflate"})
    pages.pages["/raw.html"] = Page(raw.compress(body) + raw.flush(), headers={"Content-Encoding": "deflate"})
    for path in ("/gzip.html", "/zlib.html", "/raw.html"):
        assert "250 of them" in read_url(pages.url(path)).body, path
    # A gzip bomb: 50 MB of HTML in about 50 KB on the wire, refused while inflating.
    pages.pages["/bomb.html"] = Page(gzip_bomb(50_000_000)[1], headers={"Content-Encoding": "gzip"})
    with pytest.raises(ReportError, match="too large .*once decompressed"):
        fetch(pages.url("/bomb.html"))
    pages.pages["/br.html"] = Page(body, headers={"Content-Encoding": "br"})
    with pytest.raises(ReportError, match="unsupported content encoding 'br'"):
        fetch(pages.url("/br.html"))
