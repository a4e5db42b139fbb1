"""Access controls over real HTTP: loopback bind, no debug, read token, CORS, rate limits, page headers."""
from __future__ import annotations

import re
import subprocess
import sys
import time

import requests

from settings import Settings

from .conftest import ROOT, free_port

Q = "Which countries are the laborers sent to?"
TOKEN = "s3cret-token-for-tests"


def ask(server, headers=None, path="/api/ask"):
    return requests.post(server.url + path, json={"question": Q}, headers=headers or {}, timeout=30)


def test_defaults_are_safe():
    s = Settings()
    assert s.cors_origins is None and s.rate_limit is None and s.require_token_for_reads is False
    from server import main  # noqa: F401  (importable without starting anything)
    assert "127.0.0.1" in (ROOT / "gunicorn.conf.py").read_text()
    serve = (ROOT / "scripts" / "serve.sh").read_text()
    assert "gunicorn -c gunicorn.conf.py" in serve and "--reload" not in serve and "debug" not in serve.lower()
    source = (ROOT / "server.py").read_text()
    assert 'default="127.0.0.1"' in source and "use_debugger=False" in source
    assert not re.search(r"debug\s*=\s*True", source)


def test_server_binds_loopback_and_never_debug(store_copy):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "server.py", "--port", str(port), "--store", str(store_copy), "--no-warm-up"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                r = requests.get(f"http://127.0.0.1:{port}/api/nothing", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.3)
        else:
            raise AssertionError("server did not start")
        assert r.status_code == 404 and "Traceback" not in r.text and r.json()["error"]["code"] == "not_found"
        listening = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True).stdout
        assert f"127.0.0.1:{port}" in listening and f"0.0.0.0:{port}" not in listening, listening
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    assert "Debugger is active" not in out and "Debug mode: on" not in out


def test_reads_open_by_default(live_server):
    assert ask(live_server).status_code == 200
    assert requests.get(live_server.url + "/api/documents", timeout=10).status_code == 200


def test_reads_need_token_when_configured(make_live_server):
    server = make_live_server(api_token=TOKEN, require_token_for_reads=True)
    url = server.url
    for r in (ask(server), requests.get(url + "/api/documents", timeout=10),
              ask(server, {"Authorization": "Bearer wrong-token"}), ask(server, {"Authorization": f"Basic {TOKEN}"}),
              ask(server, {"Authorization": f"Bearer {TOKEN}x"})):
        assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized", r.text
    good = {"Authorization": f"Bearer {TOKEN}"}
    for path in ("/api/ask/stream", "/v1/chat/completions"):
        body = {"question": Q, "model": "report-qa", "messages": [{"role": "user", "content": Q}]}
        r = requests.post(url + path, json=body, timeout=10)
        assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized", (path, r.status_code)
        assert requests.post(url + path, json=body, headers=good, timeout=30).status_code == 200, path
    for path in ("/v1/models", "/api/documents/x"):
        assert requests.get(url + path, timeout=10).status_code == 401, path
    r = ask(server, good)
    assert r.status_code == 200 and r.json()["found"]
    assert requests.get(url + "/api/documents", headers=good, timeout=10).status_code == 200
    # The health check, the page and its assets stay open.
    assert requests.get(url + "/api/health", timeout=10).status_code == 200
    assert requests.get(url + "/", timeout=10).status_code == 200
    assert requests.get(url + "/static/app.js", timeout=10).status_code == 200


def test_read_token_fails_closed_without_a_configured_token(make_live_server):
    server = make_live_server(require_token_for_reads=True)
    r = ask(server, {"Authorization": "Bearer anything"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "reads_disabled"


def test_cors_off_by_default(live_server):
    origin = {"Origin": "https://evil.example"}
    r = ask(live_server, origin)
    assert r.status_code == 200 and "Access-Control-Allow-Origin" not in r.headers
    pre = requests.options(live_server.url + "/api/ask", timeout=10,
                           headers={**origin, "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in pre.headers and "Access-Control-Allow-Methods" not in pre.headers


def test_cors_allows_only_configured_origins(make_live_server):
    server = make_live_server(cors_origins="https://app.example, https://other.example")
    ok = ask(server, {"Origin": "https://app.example"})
    assert ok.headers["Access-Control-Allow-Origin"] == "https://app.example" and "Origin" in ok.headers["Vary"]
    assert "Access-Control-Allow-Origin" not in ask(server, {"Origin": "https://evil.example"}).headers
    pre = requests.options(server.url + "/api/ask", timeout=10, headers={
        "Origin": "https://other.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert pre.status_code == 204 and pre.headers["Access-Control-Allow-Origin"] == "https://other.example"
    assert "POST" in pre.headers["Access-Control-Allow-Methods"] and "Content-Type" in pre.headers["Access-Control-Allow-Headers"]
    bad = requests.options(server.url + "/api/ask", timeout=10,
                           headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in bad.headers
    assert "Access-Control-Allow-Origin" not in requests.get(server.url + "/", headers={"Origin": "https://app.example"},
                                                             timeout=10).headers


def test_rate_limit_gives_429_json(make_live_server):
    server = make_live_server(rate_limit="3/minute")
    statuses = [ask(server).status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200] and statuses[3:] == [429, 429], statuses
    r = ask(server)
    assert r.status_code == 429 and r.headers["Content-Type"].startswith("application/json")
    assert r.json()["error"]["code"] == "rate_limited" and r.headers.get("Retry-After")
    # Each asking endpoint is limited; the rest are not.
    body = {"question": Q, "model": "report-qa", "messages": [{"role": "user", "content": Q}]}
    for path in ("/api/ask/stream", "/v1/chat/completions"):
        statuses = [requests.post(server.url + path, json=body, timeout=30).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429], (path, statuses)
    for _ in range(5):
        assert requests.get(server.url + "/api/health", timeout=10).status_code == 200
        assert requests.get(server.url + "/api/documents", timeout=10).status_code == 200


def test_rate_limit_off_by_default(live_server):
    assert all(ask(live_server).status_code == 200 for _ in range(12))


def test_bad_rate_limit_setting_is_a_clear_error(tmp_path):
    from server import create_app

    try:
        create_app(Settings(store=tmp_path / "s", rate_limit="lots"))
    except ValueError as exc:
        assert "REPORTQA_RATE_LIMIT" in str(exc)
    else:
        raise AssertionError("a malformed rate limit was accepted")


def test_page_security_headers(live_server):
    r = requests.get(live_server.url + "/", timeout=10)
    assert r.status_code == 200
    csp = r.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if " " in d.strip())
    assert directives["script-src"] == "'self'" and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] in ("no-referrer", "same-origin", "strict-origin-when-cross-origin")
    # No inline scripts or handlers in the page itself (the CSP would block them anyway).
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", r.text)
    assert not re.search(r"\son[a-z]+\s*=", r.text)
    api = ask(live_server)
    assert api.headers["X-Content-Type-Options"] == "nosniff"
