"""Typed answers from named entities (real spaCy, real store, real model), on an invented report.

What is checked: entities are stored with each sentence at ingest and read back; a store written
before entities were stored still answers typed questions; a question asking for a name, a figure
or a date is refused when no sentence holds one about what it names; two facts asked at once are
both answered, each cited.
"""
from __future__ import annotations

import numpy as np
import pytest

from ingest import Ingestor
from vectorstore.entities import sentence_entities
from ingest.pipeline import prepare_report
from ingest.readers import ParsedReport
from qa import build_service
from qa.compound import part_queries, split_question
from qa.typed import acronyms, entity_answers, parse_question
from settings import Settings
from vectorstore import ReportStore

REPORT = """Title: Welders sent to Vladivostok shipyards
Date: 2023-05-02
Source: https://example.invalid/welders
Outlet: Synthetic test fixture

About 250 North Korean welders arrived at shipyards in Vladivostok in May, a local source said.

The welders are paid about $400 a month, most of which is handed to the state.

Their contracts run for three years, after which they must go home for a year.

A minder, who declined to be named, keeps their passports in a safe at the dormitory.

The welders were hired by the Sorae Shipbuilding Company, which won a contract to repair fishing boats.
"""


@pytest.fixture(scope="module")
def welders(tmp_path_factory, embedder):
    folder = tmp_path_factory.mktemp("welders")
    (folder / "welders.txt").write_text(REPORT, encoding="utf-8")
    path = folder / "store"
    store = ReportStore(embedder, path=path)
    assert not Ingestor(store).ingest_paths([folder / "welders.txt"]).failed
    return store, build_service(Settings.from_env(store=path, llm_url=""), store)


def _ents(sentence: str):
    return sentence_entities([sentence])[0]


def test_entities_are_stored_with_each_sentence_at_ingest(welders):
    store, _ = welders
    got = store.sentences_col.get(include=["metadatas"])
    assert got["ids"] and all("entities" in m for m in got["metadatas"])
    [doc] = store.list_documents()
    by_text = {s.text: s for s in store.sentences_of([doc.doc_id])}
    pay = next(s for t, s in by_text.items() if "$400" in t)
    assert ("MONEY", pay.text.index("about $400"), pay.text.index(" a month")) in pay.entities or \
        any(label == "MONEY" and "$400" in pay.text[a:b] for label, a, b in pay.entities)


def test_a_store_written_before_entities_still_answers_typed_questions(tmp_path, embedder):
    """Sentences written with no 'entities' key (as before this change) are tagged when loaded."""
    store = ReportStore(embedder, path=tmp_path / "old")
    report = prepare_report(ParsedReport(meta={"title": "Welders sent to Vladivostok shipyards", "date": "2023-05-02",
                                               "source": "https://example.invalid/old", "outlet": "Old store"},
                                         body=REPORT.split("\n\n", 1)[1]), "old.txt")
    vectors = embedder.encode([s.text for s in report.sentences])
    for s, v in zip(report.sentences, vectors):
        s.vector = v
    for p, members in zip(report.passages, report.members):
        mean = np.mean([report.sentences[i].vector for i in members], axis=0)
        p.vector = (mean / np.linalg.norm(mean)).astype(np.float32)
    store.write_document(report.record, report.passages, report.sentences)
    assert all("entities" not in m for m in store.sentences_col.get(include=["metadatas"])["metadatas"])
    service = build_service(Settings.from_env(store=tmp_path / "old", llm_url=""), store)
    answer = service.ask("How much are the welders in Vladivostok paid a month?")
    assert answer.found and "$400" in answer.answer
    assert all(s.entities is not None for s in service.retriever.table.sentences.values())


def test_a_name_no_sentence_gives_is_refused(welders):
    _, service = welders
    answer = service.ask("What is the name of the minder who keeps the passports?")
    assert answer.found is False and answer.citations == []


def test_a_wage_for_a_place_no_sentence_covers_is_refused(welders):
    _, service = welders
    answer = service.ask("How much are the welders in Gdansk paid a month?")
    assert answer.found is False


MEMORIAL = """Title: North Korean sculptors finish a memorial
Date: 2019-08-14
Source: https://example.invalid/memorial
Outlet: Synthetic test fixture

KAPIRI, Zambia - North Korean sculptors have finished the Kalunga Heroes Memorial on a hill above the town.

The contract is worth 18 million dollars, the district commissioner said.

About 70 North Koreans worked on the site for two years.
"""


def _one_report_service(tmp_path_factory, embedder, name: str, text: str):
    """The extractive service over one report of a test's own, in a store of its own."""
    folder = tmp_path_factory.mktemp(name)
    (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    store = ReportStore(embedder, path=folder / "store")
    assert not Ingestor(store).ingest_paths([folder / f"{name}.txt"]).failed
    return build_service(Settings.from_env(store=folder / "store", llm_url=""), store)


@pytest.fixture(scope="module")
def memorial(tmp_path_factory, embedder):
    return _one_report_service(tmp_path_factory, embedder, "memorial", MEMORIAL)


def test_a_figure_about_what_the_sentence_before_names_answers_for_it(memorial):
    """"The contract": the sentence before names the memorial it is for."""
    answer = memorial.ask("How much did the Kalunga memorial cost?")
    assert answer.found and "18 million dollars" in answer.answer


def test_a_figure_is_no_answer_for_a_place_neither_it_nor_its_report_names(memorial):
    assert memorial.ask("How much did the memorial in Lusaka cost?").found is False


def test_a_typed_question_the_report_answers_is_answered(welders):
    _, service = welders
    answer = service.ask("Which company hired the welders?")
    assert answer.found and "Sorae Shipbuilding Company" in answer.answer
    answer = service.ask("What is the name of the company that hired the welders?")
    assert answer.found and "Sorae Shipbuilding Company" in answer.answer


def test_a_list_of_institutions_no_sentence_names_is_refused(welders):
    _, service = welders
    answer = service.ask("Which banks pay the welders' wages?")
    assert answer.found is False


def test_two_facts_asked_at_once_are_both_answered_each_cited(welders):
    _, service = welders
    answer = service.ask("How much are the welders paid and how long do their contracts run?")
    assert answer.found
    assert "$400" in answer.answer and "three years" in answer.answer
    assert answer.answer.count("[") >= 2 and len(answer.citations) >= 1


@pytest.mark.parametrize("question, kind", [
    ("What is the name of the supervisor at the mine?", "person"),
    ("What's the name of the shipping company?", "body"),
    ("Who is the head of the labor office?", "person"),
    ("How many cooks work at the hotel?", "count"),
    ("How much does a cook earn?", "amount"),
    ("Which staffing agencies hired the cooks?", "body"),
    ("Which agency hired the cooks?", "body"),
    ("Which age group is hired?", "age"),
    ("Under what company name does the kitchen trade?", "body"),  # a company's name
    ("In what year did the kitchen take on its new name?", "date"),  # a year, whatever it names
])
def test_question_kind_from_the_parse(question, kind):
    assert parse_question(question).kind == kind


def test_entity_answers_tell_counts_lengths_and_money_apart():
    s = "About 90 cooks came to Kazan, and recruitment takes two to four months."
    assert entity_answers("count", s, _ents(s)) == ["About 90"]
    s = "The firm won a contract to build a bridge in 2019."
    assert entity_answers("amount", s, _ents(s)) == []
    s = "Each cook was paid 300,000 won a month."
    assert entity_answers("amount", s, _ents(s))
    s = "Their contracts last three years."
    assert [x for x in entity_answers("duration", s, _ents(s)) if "three years" in x]
    s = "The kitchen opened in 2019."
    assert entity_answers("duration", s, _ents(s)) == [] and entity_answers("date", s, _ents(s)) == ["2019"]


def test_a_business_named_with_its_designator_is_a_body_whatever_the_recogniser_reads():
    for s, name in (("The cooks are hired through a Kazan intermediary, Volga Pishcheprom LLC, the papers show.",
                     "Volga Pishcheprom LLC"), ("In Kazan that partner is Idel Trading.", "Idel Trading")):
        assert name in entity_answers("body", s, _ents(s)), [(label, s[a:b]) for label, a, b in _ents(s)]
    s = "The kitchen hired Kim Chol-su, a cook from Wonsan."
    assert entity_answers("body", s, _ents(s)) == [], "a person's name ends in no designator"


def test_what_the_question_names_is_never_its_answer():
    q = parse_question("Who runs the kitchen in Kazan?")
    s = "The kitchen in Kazan is run by cooks from Wonsan."
    found = entity_answers("place", s, _ents(s), q.named)
    assert "Kazan" not in found


@pytest.mark.parametrize("question, parts", [
    ("How much are cooks paid and how long do they stay?", ["How much are cooks paid?", "How long do they stay?"]),
    ("Who hires the cooks, and where do they live?", ["Who hires the cooks?", "Where do they live?"]),
    ("Where and when were they hired?", ["Where and when were they hired?"]),
    ("Why do cooks stay and work longer?", ["Why do cooks stay and work longer?"]),
    ("Who decides which cooks leave and which stay?", ["Who decides which cooks leave and which stay?"]),
])
def test_split_question(question, parts):
    assert split_question(question) == parts


def test_later_part_carries_the_earlier_parts_names_only():
    assert part_queries(["How much are cooks in Kazan paid?", "How long do they stay?"]) == [
        "How much are cooks in Kazan paid?", "How long do they stay? (Kazan)"]


def test_a_typed_refusal_still_shows_the_nearest_passages(welders):
    _, service = welders
    answer = service.ask("What is the name of the minder who keeps the passports?")
    assert answer.found is False and answer.closest and "minder" in answer.closest[0]["text"]


def test_the_entity_model_loads_without_torch_in_a_fresh_process():
    """The server's memory: spaCy must not pull torch in (the query encoder is numpy)."""
    import subprocess
    import sys

    code = ("import sys; from vectorstore.entities import nlp, sentence_entities; "
            "assert sentence_entities(['Pay is $400 in Kazan.'])[0]; print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=str(__import__("pathlib").Path(__file__).resolve().parents[1]))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_a_text_longer_than_the_tagger_takes_is_tagged_in_pieces():
    # spaCy refuses a text over nlp.max_length (E088: once a whole ingest failed on one); a long
    # text is tagged piece by piece, with offsets still into the whole text.
    text = " ".join(f"Kim Jong Un visited Pyongyang on {d} May 2023 with 300 workers." for d in range(1, 29))
    assert len(text) > 1000
    whole = sentence_entities([text])[0]
    pieces = sentence_entities([text], max_piece_chars=200)[0]
    assert {text[s:e] for label, s, e in pieces if label == "GPE"} == {"Pyongyang"}
    assert all(text[s:e] and text[s:e] == text[s:e].strip() for _, s, e in pieces)
    assert len(pieces) >= 0.9 * len(whole)


BUREAU = """Title: Plasterers in the capital's tower blocks
Date: 2015-04-02
Source: https://example.invalid/bureau
Outlet: Synthetic test fixture

TALLINN - About 60 North Korean plasterers sent by the Hwasong Construction Bureau are finishing flats in three new tower blocks.

The developer says the crews work faster than local ones and charge a third less per square metre.

The men live in a converted warehouse beside the largest site and are driven to work each morning.

For the workers, the arithmetic is harsher. Every worker owes the bureau 500 dollars a month, whether or not there is work.
"""


@pytest.fixture(scope="module")
def bureau(tmp_path_factory, embedder):
    return _one_report_service(tmp_path_factory, embedder, "bureau", BUREAU)


def test_parse_gives_the_common_nouns_a_named_place_or_body_goes_by():
    parsed = parse_question("How much does the Novokedrovka farm pay each North Korean worker?")
    assert parsed.anchors == (frozenset({"novokedrovka"}),) and parsed.heads == (frozenset({"farm"}),)
    parsed = parse_question("What is the contract with Mannyon for the Ak-Bermet Hotel worth?")
    assert any("hotel" in h for h in parsed.heads)


def test_a_figure_about_the_body_the_report_opens_with_answers_when_the_sentence_names_it_by_its_noun(bureau):
    """"Every worker owes *the bureau*": the report's opening names the Hwasong Construction Bureau."""
    answer = bureau.ask("How much does each worker owe the Hwasong bureau every month?")
    assert answer.found and "500 dollars" in answer.answer


def test_a_figure_is_no_answer_for_another_body_of_the_same_noun(bureau):
    assert bureau.ask("How much does each worker owe the Kumsong bureau every month?").found is False


FIRM = """Title: Tilers on the riverside blocks
Date: 2016-05-10
Source: https://example.invalid/firm
Outlet: Synthetic test fixture

RIGA - Some 40 North Korean tilers work for Baltic Finishing Group, a contractor finishing three riverside blocks.

The crews start at seven and often stay on site until well after dark, neighbours say.

"They are paid like anyone else, and what they send home is their business," said Ilze Ozola, the firm's head of personnel.

Before the United Nations moved against the practice, about 80 North Koreans worked on building sites in the city, a union official said.
"""


@pytest.fixture(scope="module")
def firm(tmp_path_factory, embedder):
    return _one_report_service(tmp_path_factory, embedder, "firm", FIRM)


def test_acronyms_stand_for_the_names_a_text_spells_out():
    assert {"un", "unsc", "sc"} <= acronyms("a resolution of the United Nations Security Council")
    assert "ilo" in acronyms("the International Labour Organization said")
    assert not acronyms("North Korean crews") - {"nk"} and not acronyms("the crews left")


def test_an_organisation_is_called_the_firm_or_the_company_once_named(firm):
    """"the firm's head of personnel": the report's opening names Baltic Finishing Group."""
    answer = firm.ask("Who is the head of personnel at Baltic Finishing Group?")
    assert answer.found and "Ilze Ozola" in answer.answer
    assert firm.ask("Who is the head of personnel at the Daugava Trading Company?").found is False


def test_a_question_saying_the_un_is_about_a_sentence_saying_the_united_nations(firm):
    answer = firm.ask("How many North Koreans worked on building sites before the UN acted against the practice?")
    assert answer.found and "80" in answer.answer
