"""A name the question asks about may be said once, in the report's opening, and never again:
"BELOGORSK - ... the Sunhwa garment plant" and, paragraphs later, "Each seamstress must hand over
a monthly plan of $300". The answerability scorer counts a name in the report's setting (the names
of its opening, ``qa.subject.setting``) as said, as it does one in the title. Real store, real
model, invented report."""
from __future__ import annotations

import pytest

from ingest import Ingestor
from qa import build_service
from settings import Settings
from vectorstore import ReportStore

REPORT = """Title: Sewing for the state
Date: 2021-03-04
Source: https://example.invalid/sewing
Outlet: Synthetic test fixture

BELOGORSK - About 300 North Korean women work on the lines of the Sunhwa garment plant, on the edge of the town.

They arrived in two groups in 2019, on three-year contracts signed by a Pyongyang trading company.

The women live in a dormitory behind the plant and leave it only in groups, escorted by a minder.

Their working day starts at seven and ends after ten at night, with Sundays off twice a month.

Each seamstress must hand over a monthly plan of $300 to the minder, a former supervisor said.

Local residents say the women are rarely seen in the town's shops.
"""


@pytest.fixture(scope="module")
def sewing(tmp_path_factory, embedder):
    folder = tmp_path_factory.mktemp("sewing")
    (folder / "sewing.txt").write_text(REPORT, encoding="utf-8")
    store = ReportStore(embedder, path=folder / "store")
    Ingestor(store).ingest_paths([folder / "sewing.txt"])
    service = build_service(Settings.from_env(store=folder / "store", reader=False), store)
    service.warm_up()
    return service


def test_a_name_said_only_in_the_opening_still_names_a_later_sentence(sewing):
    answer = sewing.ask("What does each seamstress at the Sunhwa plant have to hand over every month?")
    assert answer.found and "monthly plan of $300" in answer.answer, answer.answer


def test_the_later_sentence_would_be_answered_on_its_own(sewing):
    candidates = sewing.retriever.candidates("What does each seamstress at the Sunhwa plant have to hand over every month?")
    plan = next(c for c in candidates if "monthly plan of $300" in c.text)
    assert "sunhwa" not in plan.text.lower() and "Sunhwa" in plan.setting
    assert plan.answerability >= sewing.extractive.threshold
