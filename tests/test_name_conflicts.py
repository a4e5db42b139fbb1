"""Two dated reports naming different bodies for the one asked about (qa.name_conflicts), on reports
and sentences of the tests' own: the rule on its parts, then the real service over three reports."""
from __future__ import annotations

import pytest

from ingest import Ingestor
from qa import build_service
from qa.name_conflicts import asks_for_a_body, name_conflicts
from qa.types import Candidate
from settings import Settings
from vectorstore import ReportStore
from vectorstore.entities import sentence_entities

QUESTION = "Which company supplies the welders at the Orlan shipyard?"


def cand(doc: str, text: str, date: str, a: float = 0.9) -> Candidate:
    return Candidate(sentence_id=doc, doc_id=doc, chunk_id=doc, index=0, start=0, end=len(text), text=text,
                     answerability=a, date=date, title="Welders at the Orlan shipyard",
                     entities=sentence_entities([text])[0])


OLD = cand("a", "The welders are supplied by the Ryongbong Trading Company, which signs one-year contracts.", "2012-04-02")
NEW = cand("b", "The yard's welders are now supplied by the Chilsong Maritime Bureau, a manager said.", "2018-06-11")


def test_the_question_must_ask_for_a_named_body():
    assert asks_for_a_body(QUESTION) and asks_for_a_body("Which agency sends the crews to the Orlan shipyard?")
    assert not asks_for_a_body("How many welders work at the Orlan shipyard?")


def test_two_reports_naming_different_bodies_disagree():
    texts = {"a": OLD.text, "b": NEW.text}
    assert name_conflicts(QUESTION, NEW, [NEW, OLD], texts.get) == [OLD]


def test_a_report_naming_both_bodies_tells_two_roles_apart():
    texts = {"a": OLD.text + " Its painters come through the Chilsong Maritime Bureau.", "b": NEW.text}
    assert name_conflicts(QUESTION, NEW, [NEW, OLD], texts.get) == []


def test_no_disagreement_on_the_same_body_one_report_or_a_weak_other_side():
    same = cand("c", "Ryongbong Trading, the supplier, pays the welders' fares.", "2015-01-01")
    texts = {"a": OLD.text, "b": NEW.text, "c": same.text}
    assert name_conflicts(QUESTION, OLD, [OLD, same], texts.get) == []
    weak = cand("b", NEW.text, NEW.date, a=0.5)
    assert name_conflicts(QUESTION, OLD, [OLD, weak], texts.get) == []
    undated = cand("b", NEW.text, "")
    assert name_conflicts(QUESTION, OLD, [OLD, undated], texts.get) == []
    assert name_conflicts("How many welders work at the Orlan shipyard?", OLD, [OLD, NEW], texts.get) == []


def test_a_question_about_now_is_answered_by_the_newest_report_alone():
    texts = {"a": OLD.text, "b": NEW.text}
    assert name_conflicts("Which company now supplies the welders at the Orlan shipyard?", NEW, [NEW, OLD], texts.get) == []


def test_a_body_in_another_role_is_no_other_side():
    """The question's verb ("supplies") is not said: the bank names a body in another role."""
    bank = cand("d", "The welders are paid through an account at the Baltic Harbour Bank, a manager said.", "2019-02-02")
    texts = {"a": OLD.text, "d": bank.text}
    assert name_conflicts(QUESTION, OLD, [OLD, bank], texts.get) == []


REPORTS = {
    "2012-04-02-orlan-welders.txt": """Title: Welders at the Orlan shipyard
Date: 2012-04-02
Source: https://example.invalid/orlan-2012
Outlet: Harbour Courier

MURMANSK - About 80 North Korean welders work on hulls at the Orlan shipyard, according to the yard's director.

The welders are supplied by the Ryongbong Trading Company, which signs one-year contracts with the yard.

They live in a hostel beside the dry dock and work ten hours a day, six days a week.
""",
    "2018-06-11-orlan-new-supplier.txt": """Title: A new supplier for the Orlan yard
Date: 2018-06-11
Source: https://example.invalid/orlan-2018
Outlet: Northern Business Daily

MURMANSK - The Orlan shipyard has changed the agency that sends it North Korean welders.

The yard's welders are now supplied by the Chilsong Maritime Bureau, a manager at the Orlan shipyard said.

About 60 of them remain, down from 80 six years ago, and their contracts end next spring.
""",
    "2016-03-01-vega-painters.txt": """Title: Painters at the Vega yard
Date: 2016-03-01
Source: https://example.invalid/vega-2016
Outlet: Harbour Courier

ARKHANGELSK - Some 40 North Korean painters work at the Vega shipyard, a manager said.

They are hired through the Sever Labour Agency, which also houses them in a former school.
""",
}


@pytest.fixture(scope="module")
def yards(tmp_path_factory, embedder):
    folder = tmp_path_factory.mktemp("yards")
    for name, text in REPORTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    store = ReportStore(embedder, path=folder / "store")
    assert not Ingestor(store).ingest_paths([folder]).failed
    return build_service(Settings.from_env(store=folder / "store", llm_url="", reader=False), store)


def test_the_service_shows_both_named_bodies_with_their_dates_newest_first(yards):
    answer = yards.ask(QUESTION)
    assert answer.found and "Ryongbong" in answer.answer and "Chilsong" in answer.answer, answer.answer
    assert answer.answer.index("(2018-06-11)") < answer.answer.index("(2012-04-02)")
    assert [o["value"] for o in answer.others] == ["the Ryongbong Trading Company"]


def test_a_body_named_for_another_place_is_no_disagreement(yards):
    answer = yards.ask("Which agency hires the painters at the Vega shipyard?")
    assert answer.found and "Sever Labour Agency" in answer.answer and not answer.others, answer.answer
