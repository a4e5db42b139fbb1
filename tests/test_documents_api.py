"""Ingest over HTTP: upload (multipart and JSON), delete, and the 401/403 cases, on a live server."""
from __future__ import annotations

import requests

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

SHIPYARD = (
    "Title: Welders dispatched to a Vladivostok shipyard\nDate: 2023-05-02\n"
    "Source: https://example.org/reports/vladivostok-welders\nOutlet: Synthetic test fixture\n\n"
    "About 250 North Korean welders were sent to a shipyard in Vladivostok in May, a source said.\n\n"
    "The welders live in a dormitory beside the dock and are paid once every three months.\n"
)
SHIPYARD_Q = "How many welders were sent to the shipyard in Vladivostok?"

FISHERY = (
    "North Korean workers at a fish processing plant in Hunchun were told to stay for two more years, "
    "according to a source in the city.\n\nThe plant employs around 300 of them on twelve-hour shifts.\n"
)
FISHERY_Q = "Where is the fish processing plant where North Korean workers must stay two more years?"


def ask(server, question):
    return requests.post(server.url + "/api/ask", json={"question": question}, timeout=60).json()


def error(r, status, code=None) -> str:
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    err = r.json()["error"]
    if code:
        assert err["code"] == code
    return err["message"]


def test_multipart_upload_is_answered_then_delete_removes_it(make_live_server):
    server = make_live_server(api_token=TOKEN)
    assert not ask(server, SHIPYARD_Q)["found"] or "250" not in ask(server, SHIPYARD_Q)["answer"]

    files = {"file": ("vladivostok.txt", SHIPYARD.encode(), "text/plain")}
    r = requests.post(server.url + "/api/documents", files=files, headers=AUTH, timeout=120)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "added"
    doc = body["document"]
    assert doc["title"] == "Welders dispatched to a Vladivostok shipyard" and doc["date"] == "2023-05-02"
    assert doc["outlet"] == "Synthetic test fixture" and doc["passages"] >= 1
    listed = requests.get(server.url + "/api/documents", timeout=10).json()["documents"]
    assert doc["doc_id"] in {d["doc_id"] for d in listed} and len(listed) == 2

    answer = ask(server, SHIPYARD_Q)
    assert answer["found"] and "250" in answer["answer"]
    assert answer["citations"][0]["doc_id"] == doc["doc_id"]

    again = requests.post(server.url + "/api/documents", files=files, headers=AUTH, timeout=60)
    assert again.status_code == 200 and again.json()["status"] == "unchanged"

    r = requests.delete(f"{server.url}/api/documents/{doc['doc_id']}", headers=AUTH, timeout=60)
    assert r.status_code == 200 and r.json() == {"deleted": doc["doc_id"]}
    error(requests.get(f"{server.url}/api/documents/{doc['doc_id']}", timeout=10), 404)
    assert all(c["doc_id"] != doc["doc_id"] for c in ask(server, SHIPYARD_Q)["citations"])
    error(requests.delete(f"{server.url}/api/documents/{doc['doc_id']}", headers=AUTH, timeout=10), 404, "not_found")


def test_json_upload_with_metadata(make_live_server):
    server = make_live_server(api_token=TOKEN)
    report = {"text": FISHERY, "title": "Hunchun plant keeps its workers", "date": "March 2024",
              "source": "https://example.org/hunchun", "outlet": "Synthetic outlet"}
    r = requests.post(server.url + "/api/documents", json=report, headers=AUTH, timeout=120)
    assert r.status_code == 201, r.text
    doc = r.json()["document"]
    assert (doc["title"], doc["date"], doc["source"], doc["outlet"]) == (
        "Hunchun plant keeps its workers", "2024-03", "https://example.org/hunchun", "Synthetic outlet")
    answer = ask(server, FISHERY_Q)
    assert answer["found"] and "Hunchun" in answer["answer"]
    cited = answer["citations"][0]
    assert cited["doc_id"] == doc["doc_id"] and cited["outlet"] == "Synthetic outlet" and cited["date"] == "2024-03"

    changed = {**report, "outlet": "Renamed outlet"}
    r = requests.post(server.url + "/api/documents", json=changed, headers=AUTH, timeout=120)
    assert r.status_code == 200 and r.json()["status"] == "updated" and r.json()["document"]["doc_id"] == doc["doc_id"]


def test_bad_uploads_get_the_cli_messages(make_live_server):
    server = make_live_server(api_token=TOKEN, max_content_length=20_000)
    url = server.url + "/api/documents"

    def upload(name, data):
        return requests.post(url, files={"file": (name, data)}, headers=AUTH, timeout=30)

    from .pdfwriter import make_pdf

    assert "unsupported file type .docx" in error(upload("r.docx", b"PK\x03\x04"), 400, "invalid_report")
    assert "r.pdf: the PDF is damaged" in error(upload("r.pdf", b"%PDF-1.4"), 400, "invalid_report")
    assert "no text layer" in error(upload("scan.pdf", make_pdf([["a", "b"]], text_layer=False)), 400, "invalid_report")
    assert "r.txt: file is empty" in error(upload("r.txt", b"  \n"), 400, "invalid_report")
    assert "binary" in error(upload("r.txt", b"ab\x00cd"), 400, "invalid_report")
    assert "date" in error(requests.post(url, files={"file": ("r.txt", b"Some text.")}, data={"date": "someday"},
                                         headers=AUTH, timeout=30), 400)
    error(requests.post(url, data={"title": "no file"}, files={"other": ("x.txt", b"x")}, headers=AUTH, timeout=30), 400)
    error(upload("big.txt", b"word " * 10_000), 413, "too_large")
    error(requests.post(url, json={"title": "no text"}, headers=AUTH, timeout=30), 400, "invalid_request")
    error(requests.post(url, json={"text": "x", "body": "typo"}, headers=AUTH, timeout=30), 400)
    error(requests.post(url, data="just text", headers={**AUTH, "Content-Type": "text/plain"}, timeout=30), 415)
    assert requests.get(server.url + "/api/health", timeout=10).json()["documents"] == 1  # nothing was written


def test_wrong_or_missing_token_is_401(make_live_server):
    server = make_live_server(api_token=TOKEN)
    url = server.url + "/api/documents"
    doc_id = requests.get(url, timeout=10).json()["documents"][0]["doc_id"]
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"},
                    {"Authorization": f"Bearer {TOKEN}x"}):
        error(requests.post(url, json={"text": FISHERY}, headers=headers, timeout=10), 401, "unauthorized")
        error(requests.delete(f"{url}/{doc_id}", headers=headers, timeout=10), 401, "unauthorized")
    assert requests.get(server.url + "/api/health", timeout=10).json()["documents"] == 1


def test_writes_are_off_without_a_configured_token(live_server):
    url = live_server.url + "/api/documents"
    doc_id = requests.get(url, timeout=10).json()["documents"][0]["doc_id"]
    for r in (requests.post(url, json={"text": FISHERY}, headers=AUTH, timeout=10),
              requests.post(url, files={"file": ("a.txt", FISHERY.encode())}, timeout=10),
              requests.delete(f"{url}/{doc_id}", headers=AUTH, timeout=10)):
        assert "REPORTQA_API_TOKEN" in error(r, 403, "writes_disabled")
    assert requests.get(live_server.url + "/api/health", timeout=10).json()["documents"] == 1


def test_url_is_fetched_then_skipped_or_replaced(make_live_server):
    from .pageserver import Page, PageServer
    from .test_fetch import BODY, CHANGED, article

    server = make_live_server(api_token=TOKEN, fetch_private_urls=True)
    with PageServer() as pages:
        pages.pages["/news/welders.html"] = Page(article(BODY))
        pages.pages["/short"] = Page(status=302, location="/news/welders.html", content_type="")
        post = lambda body: requests.post(server.url + "/api/documents", json=body, headers=AUTH, timeout=120)  # noqa: E731

        r = post({"url": pages.url("/short"), "outlet": "Synthetic outlet"})
        assert r.status_code == 201, r.text
        doc = r.json()["document"]
        assert doc["source"] == pages.url("/news/welders.html") and doc["outlet"] == "Synthetic outlet"
        assert doc["title"] == "Welders at the shipyard"
        answer = ask(server, "How many welders live in the dormitory beside the dock?")
        assert answer["found"] and answer["citations"][0]["doc_id"] == doc["doc_id"]

        again = post({"url": pages.url("/news/welders.html"), "outlet": "Synthetic outlet"})
        assert again.status_code == 200 and again.json()["status"] == "unchanged"
        pages.pages["/news/welders.html"] = Page(article(CHANGED))
        changed = post({"url": pages.url("/short"), "outlet": "Synthetic outlet"})
        assert changed.status_code == 200 and changed.json()["status"] == "updated"
        assert changed.json()["document"]["doc_id"] == doc["doc_id"]

        assert "HTTP 404" in error(post({"url": pages.url("/missing.html")}), 502, "fetch_failed")
        pages.pages["/data.json"] = Page(b"{}", "application/json")
        assert "neither HTML nor PDF" in error(post({"url": pages.url("/data.json")}), 400, "invalid_report")
        error(post({"url": "ftp://example.org/report.pdf"}), 400)
        error(post({"url": pages.url("/short"), "text": "both at once"}), 400)
        error(requests.post(server.url + "/api/documents", json={"url": pages.url("/short")}, timeout=10), 401)


def test_url_to_a_private_address_is_refused_by_default(make_live_server):
    from .pageserver import Page, PageServer
    from .test_fetch import BODY, article

    server = make_live_server(api_token=TOKEN)
    with PageServer() as pages:
        pages.pages["/a.html"] = Page(article(BODY))
        r = requests.post(server.url + "/api/documents", json={"url": pages.url("/a.html")}, headers=AUTH, timeout=60)
        assert "local or private address" in error(r, 400, "invalid_report")
        assert pages.hits == []  # refused before any request was made
