"""The Flask app over real HTTP on a free port."""

import requests

from .conftest import run_cli

Q = "Which countries are the laborers sent to?"


def post(server, body=None, path="/api/ask", **kw):
    return requests.post(server.url + path, json=body, timeout=30, **kw)


def test_ask_returns_cited_answer(live_server):
    r = post(live_server, {"question": Q})
    assert r.status_code == 200
    data = r.json()
    assert data["found"] is True and data["answerer"] == "extractive" and data["took_ms"] > 0
    assert "Qatar" in data["answer"]
    keys = {"n", "doc_id", "chunk_id", "title", "date", "source", "outlet", "text", "start", "end", "score"}
    for c in data["citations"]:
        assert keys <= set(c)
        assert f"[{c['n']}]" in data["answer"]


def test_refusal_over_http(live_server):
    data = post(live_server, {"question": "What is the capital of Peru?"}).json()
    assert data["found"] is False and data["citations"] == []


def test_confidence_is_the_answerability_the_refusal_was_decided_on(live_server):
    from qa.scoring import REFUSAL_THRESHOLD

    answered = post(live_server, {"question": Q}).json()
    refused = post(live_server, {"question": "What is the capital of Peru?"}).json()
    assert REFUSAL_THRESHOLD <= answered["confidence"] <= 1.0
    assert 0.0 <= refused["confidence"] < REFUSAL_THRESHOLD


def test_health_and_documents(live_server):
    health = requests.get(live_server.url + "/api/health", timeout=10).json()
    assert health["status"] == "ok" and health["documents"] == 1 and health["passages"] > 3
    docs = requests.get(live_server.url + "/api/documents", timeout=10).json()["documents"]
    assert docs[0]["outlet"] == "Daily NK" and docs[0]["passages"] == health["passages"]


def assert_error(r, status, code=None):
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    err = r.json()["error"]
    assert isinstance(err["message"], str) and err["message"]
    if code:
        assert err["code"] == code


def test_error_statuses_are_json(live_server):
    url = live_server.url
    assert_error(requests.post(url + "/api/ask", data="{not json", headers={"Content-Type": "application/json"}), 400)
    assert_error(post(live_server, {}), 400)
    assert_error(post(live_server, {"question": ""}), 400)
    assert_error(post(live_server, {"question": "   "}), 400)
    assert_error(post(live_server, {"question": 42}), 400)
    assert_error(post(live_server, {"question": "x" * 2001}), 400)
    assert_error(post(live_server, {"question": "ok?", "history": "nope"}), 400)
    assert_error(post(live_server, {"question": "ok?", "history": [{"role": "system", "content": "x"}]}), 400)
    assert_error(post(live_server, [1, 2]), 400)
    assert_error(requests.post(url + "/api/ask", data="question=hi", timeout=10), 415, "unsupported_media_type")
    assert_error(requests.post(url + "/api/ask", data=b"x" * (3 * 1024 * 1024),
                               headers={"Content-Type": "application/json"}, timeout=30), 413, "too_large")
    assert_error(requests.get(url + "/api/nothing", timeout=10), 404, "not_found")
    assert_error(requests.get(url + "/api/ask", timeout=10), 405, "method_not_allowed")


def test_report_ingested_by_cli_is_answered_without_restart(live_server, tmp_path):
    before = post(live_server, {"question": "How many laborers were sent to the copper mines in Mongolia?"}).json()
    assert not any("Erdenet" in c["text"] for c in before["citations"])
    folder = tmp_path / "new"
    folder.mkdir()
    (folder / "mongolia.txt").write_text(
        "Title: Laborers dispatched to Mongolian mines\nDate: 2022-03-15\nOutlet: Synthetic test fixture\n\n"
        "North Korea sent about 400 laborers to copper mines near Erdenet in Mongolia this spring, a source said.\n\n"
        "The miners work underground in shifts of ten hours.\n"
    )
    out = run_cli("--store", str(live_server.store_dir), "-q", str(folder))
    assert out.returncode == 0, out.stderr
    after = post(live_server, {"question": "How many laborers were sent to the copper mines in Mongolia?"}).json()
    assert after["found"] and "400" in after["answer"]
    assert any("Erdenet" in c["text"] for c in after["citations"])
    assert requests.get(live_server.url + "/api/health", timeout=10).json()["documents"] == 2


def test_page_is_served_with_security_headers(live_server):
    r = requests.get(live_server.url + "/", timeout=10)
    assert r.status_code == 200 and "<textarea" in r.text
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert requests.get(live_server.url + "/static/app.js", timeout=10).status_code == 200
