"""Floors on the blind set (bench/blind/), from its figures as first reported, below them.

The set is never tuned on: these floors only catch a change that makes answers on unseen reports
worse, through the same code path and scoring as ``python -m bench.blind``. A new round that
adds the set to validation writes a new blind set and moves these floors to it.
"""
from __future__ import annotations

import pytest

from bench import blind
from bench.blind import summarize


@pytest.fixture(scope="module")
def figures(tmp_path_factory, embedder) -> dict:
    ours, baseline, failed = blind.evaluate(embedder, str(tmp_path_factory.mktemp("blind")))
    return {"ours": summarize(ours[False]), "baseline": summarize(baseline), "failed": failed}


def test_every_blind_report_is_read(figures):
    assert figures["failed"] == []  # the HTML page and the PDF included


def test_blind_floors(figures):
    m = figures["ours"]  # a margin below the figures reported in docs/evaluation.md
    assert m["evidence"] >= 0.55
    assert m["report@1"] >= 0.78
    assert m["refusal acc"] >= 0.30
    assert m["false ref"] <= 0.15
    assert m["med chars"] <= 450
    assert m["[n] valid"] == 1.0


def test_ahead_of_the_tutorial_baseline_on_evidence_and_refusals(figures):
    ours, base = figures["ours"], figures["baseline"]
    assert ours["evidence"] > base["evidence"]
    assert ours["refusal acc"] > base["refusal acc"]
