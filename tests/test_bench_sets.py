"""The invented evaluation sets pass their own checkers (bench/setcheck.py): every gold sentence
and key term is in its report, ids and kinds are as the set says, timelines point at real text."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", ["blind4", "blind5", "blind6", "blind7", "blind8", "blind9", "blind10", "blind11", "blind12", "blind13", "blind14", "blind15", "blind16", "blind17", "val5"])
def test_a_set_passes_its_checker(name):
    done = subprocess.run([sys.executable, str(ROOT / "bench" / name / "check.py")], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.rstrip().endswith("OK"), done.stdout[-2000:]


def test_the_checker_reports_a_broken_set(tmp_path):
    import shutil

    broken = tmp_path / "val5"
    shutil.copytree(ROOT / "bench" / "val5", broken)
    rows = (broken / "questions.jsonl").read_text().splitlines()
    (broken / "questions.jsonl").write_text("\n".join(rows[:-1]) + "\n")  # one question short
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "val5" / "check.py"), str(broken)],
                          capture_output=True, text=True)
    assert done.returncode == 1 and "119 questions (expected 120)" in done.stdout, done.stdout[-2000:]


def test_the_why_set_quotes_its_reports():
    """bench/why (bench.reasons): 60 answerable and 60 unanswerable why-questions over the corpora of
    blind12-14, 40 of them follow-ups after one exchange, each answerable one's gold evidence in its report."""
    import json

    from bench.setcheck import norm, report_text

    rows = [json.loads(line) for line in (ROOT / "bench" / "why" / "questions.jsonl").read_text().splitlines() if line]
    assert sum(r["answerable"] for r in rows) == 60 and len(rows) == 120 and len({r["id"] for r in rows}) == 120
    follow = [r for r in rows if r.get("history")]
    assert len(follow) == 40 and all([t["role"] for t in r["history"]] == ["user", "assistant"] for r in follow)
    for r in rows:
        text = norm(report_text(ROOT / "bench" / r["corpus"] / "corpus", r["report"]))
        assert r["corpus"] in ("blind12", "blind13", "blind14") and bool(r["gold_evidence"]) == r["answerable"]
        assert all(norm(g) in text for g in r["gold_evidence"]), r["id"]
