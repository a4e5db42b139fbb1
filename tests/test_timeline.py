"""POST /api/timeline over HTTP on the CLI-ingested analyst corpus: the fixture reports that
disagree about Mongolia (1,500 in 2023-01-10, 900 in 2024-06-20), the timeline fixtures (a range,
600-800, dated 2025-03; a 2022 report that gives no figure) and the sample report."""
from __future__ import annotations

import shutil

import pytest
import requests

from qa.values import main_value

from .conftest import run_cli

MONGOLIA = "How many North Koreans work in Mongolia?"


def timeline(server, body):
    return requests.post(server.url + "/api/timeline", json=body, timeout=60)


def test_each_report_gives_its_own_dated_cited_value(analyst_server):
    r = timeline(analyst_server, {"question": MONGOLIA})
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["question"] == MONGOLIA and data["kind"] == "count" and data["unit"] == "" and not data["insufficient"]
    points = data["points"]
    assert [p["date"] for p in points] == ["2023-01-10", "2024-06-20", "2025-03"], "sorted by report date"
    assert [p["normalized"] for p in points] == [1500, 900, [600, 800]], "a range stays a range"
    assert [p["value"] for p in points] == ["About 1,500", "about 900", "Between 600 and 800"]
    for p in points:
        c = p["citation"]
        assert c["date"] == p["date"] and p["text"] in c["text"]
        h = c["highlights"][0]
        assert c["text"][h["start"]:h["end"]] == p["text"], "the highlight is the sentence that gives the value"
        assert p["value"] in p["text"]
        assert main_value("count", p["text"]).normalized == p["normalized"], "the answerer's normalisation"
    assert sorted(p["citation"]["n"] for p in points) == [1, 2, 3]
    assert "Mongolian sewing factories keep North Korean staff" not in {p["citation"]["title"] for p in points}, \
        "the 2022 report gives no figure and is left out"
    assert all("published" not in p["text"] for p in points), "the dateline is no value"


def test_durations_are_in_months(analyst_server):
    data = timeline(analyst_server, {"question": "How long are workers posted in Mongolia?"}).json()
    assert data["kind"] == "duration" and data["unit"] == "months"
    by_date = {p["date"]: p["normalized"] for p in data["points"]}
    assert by_date["2023-01-10"] == 24 and by_date["2024-06-20"] == 60


def test_filters_apply_to_the_timeline(analyst_server):
    late = timeline(analyst_server, {"question": MONGOLIA, "filters": {"since": "2024"}}).json()
    assert [p["date"] for p in late["points"]] == ["2024-06-20", "2025-03"] and not late["insufficient"]
    wire = timeline(analyst_server, {"question": MONGOLIA, "filters": {"outlets": ["Synthetic wire fixture"]}}).json()
    assert [p["date"] for p in wire["points"]] == ["2025-03"], "the wire's 2022 report gives no figure"
    assert wire["insufficient"] is True
    none = timeline(analyst_server, {"question": MONGOLIA, "filters": {"outlets": ["Daily NK"], "since": "2030"}}).json()
    assert none["points"] == [] and none["insufficient"] is True


def test_fewer_than_two_points_is_insufficient(analyst_server):
    data = timeline(analyst_server, {"question": "How much are workers in Kuwait paid?"}).json()
    assert data["kind"] == "amount" and data["unit"] == "USD"
    # One report gives Kuwait's pay: 800 dollars a month on paper, of which a worker is left with
    # about 150 (the trained retriever ranks the latter first, what issue 20 wants a pay chart to show).
    assert len(data["points"]) == 1 and data["points"][0]["normalized"] in (800, 150)
    assert data["insufficient"] is True


def test_a_question_about_no_number_has_no_points(analyst_server):
    data = timeline(analyst_server, {"question": "Why do the workers stay abroad?"}).json()
    assert data == {"question": "Why do the workers stay abroad?", "kind": "", "unit": "", "points": [],
                    "undated": [], "insufficient": True}


@pytest.mark.parametrize("body", [
    {}, {"question": ""}, {"question": 3}, {"question": MONGOLIA, "history": []},
    {"question": MONGOLIA, "filters": {"since": "2024-02-30"}}, {"question": MONGOLIA, "filters": {"until": "later"}},
    {"question": MONGOLIA, "filters": {"since": "2025", "until": "2024"}},
    {"question": MONGOLIA, "filters": {"outlets": "Daily NK"}}, {"question": MONGOLIA, "filters": {"x": 1}},
])
def test_bad_requests_are_400_json(analyst_server, body):
    r = timeline(analyst_server, body)
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_request", r.text


def test_a_report_ingested_by_the_cli_joins_the_timeline(make_live_server, analyst_store_dir, tmp_path):
    store = tmp_path / "analyst-copy"
    shutil.copytree(analyst_store_dir, store)
    server = make_live_server(store=store)
    before = timeline(server, {"question": MONGOLIA}).json()
    assert "2026-01-05" not in {p["date"] for p in before["points"]}
    folder = tmp_path / "new"
    folder.mkdir()
    (folder / "mongolia-2026.txt").write_text(
        "Title: Mongolia count rises again\nDate: 2026-01-05\nOutlet: Synthetic wire fixture\n\n"
        "About 1,100 North Koreans are now working in Mongolia, a trader in Ulaanbaatar said.\n\n"
        "Most arrived by train in the autumn.\n")
    out = run_cli("--store", str(store), "-q", str(folder))
    assert out.returncode == 0, out.stderr
    after = timeline(server, {"question": MONGOLIA}).json()
    assert after["points"][-1]["date"] == "2026-01-05" and after["points"][-1]["normalized"] == 1100
