"""Answer quality over the whole QA sets (bench/qa), through the real service on real stores.

Floors sit well below what ``python -m bench.eval`` measures (see the README), so these catch
regressions, not noise. The same QA rows drive the citation-contract check for every answer.
"""
from __future__ import annotations

import re

import pytest

from bench import eval as ev
from ingest import Ingestor
from qa import Turn, build_service
from qa.answerability import features, probability
from qa.citations import check_citations
from settings import Settings
from vectorstore import ReportStore

FIXTURE_CORPUS = ev.CORPORA["fixture"]


@pytest.fixture(scope="module")
def fixture_service(tmp_path_factory, embedder):
    path = tmp_path_factory.mktemp("fixture") / "store"
    store = ReportStore(embedder, path=path)
    summary = Ingestor(store).ingest_paths([FIXTURE_CORPUS])
    assert not summary.failed and len(summary.added) == 8
    return build_service(Settings.from_env(store=path), store)


@pytest.fixture(scope="module")
def outcomes(sample_service, fixture_service):
    return {"sample": ev.run_ours(sample_service, ev.load_set("sample")),
            "fixture": ev.run_ours(fixture_service, ev.load_set("fixture"))}


def test_qa_sets_are_well_formed():
    for name in ("sample", "fixture"):
        rows = ev.load_set(name)
        assert len(rows) >= 30
        assert {r["split"] for r in rows} == {"dev", "test"}
        assert sum(not r["answerable"] for r in rows) >= 5
        assert sum(bool(r["history"]) for r in rows) >= 2
        texts = [p.read_text() for p in ev.CORPORA[name].glob("*.txt")]
        for r in rows:
            for g in r["gold_evidence"]:
                assert any(g in t for t in texts), (r["id"], g)


def test_fixture_reports_have_the_fixture_header():
    for p in FIXTURE_CORPUS.glob("*.txt"):
        assert "Outlet: Synthetic test fixture" in p.read_text().split("\n\n", 1)[0]


@pytest.mark.parametrize("name", ["sample", "fixture"])
def test_every_mark_maps_to_a_citation_and_every_citation_is_used(name, sample_service, fixture_service):
    service = sample_service if name == "sample" else fixture_service
    for r in ev.load_set(name):
        answer = service.ask(r["question"])
        if not answer.found:
            assert answer.citations == [] and "[" not in answer.answer
            continue
        dangling, unused = check_citations(answer.answer, [c.n for c in answer.citations])
        assert not dangling and not unused, (r["id"], answer.answer)
        assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
        for c in answer.citations:
            for h in c.highlights:  # every highlighted sentence is quoted in the answer
                assert c.text[h["start"] : h["end"]] in answer.answer
        for text, nums in ev.segments(answer.answer):  # every cited piece is in its passage
            for n in nums:
                assert ev.supported(text, answer.citations[n - 1].text), (r["id"], text)


@pytest.mark.parametrize("name", ["sample", "fixture"])
def test_quality_floors(name, outcomes):
    m = ev.summarize(outcomes[name])
    assert m["hit@1"] >= 0.7
    assert m["hit@5"] >= 0.9
    assert m["term recall"] >= 0.65
    assert m["cite prec"] >= 0.7
    assert m["refusal acc"] >= 0.7  # measured 1.00 (sample) / 1.00 (fixture)
    assert m["false ref"] <= 0.2  # measured 0.07 / 0.05
    assert m["gold in ans"] >= 0.65  # measured 0.80 / 0.86
    assert m["med chars"] <= 450  # measured 197 / 173


def test_followup_pairs_retrieve_as_if_restated(outcomes):
    follow = [o for name in outcomes for o, r in zip(outcomes[name], ev.load_set(name)) if r["history"]]
    assert len(follow) >= 6
    # Four may miss: the two unanswerable follow-ups (no rank), one ranked second since a rule written
    # for that one question was removed (issue 11), and "Where do they come from?", second with the
    # eleventh round's retriever (docs/reader.md); a floor of general behaviour, not of those questions.
    assert sum(o.rank == 1 for o in follow) >= len(follow) - 4


TYNDA_2019 = """Title: Sawmill crews in Tynda
Date: 2019-05-02
Outlet: Invented Weekly

About 300 North Korean loggers work at the sawmills around Tynda, a local official said.

They live in wooden barracks next to the mill and are paid once a quarter.
"""
TYNDA_2022 = """Title: Fewer loggers in Tynda
Date: 2022-11-20
Outlet: Invented Daily

Only about 120 North Korean loggers remain at the Tynda sawmills, according to a timber trader.

The others were sent home when their permits ran out last year.
"""


@pytest.fixture(scope="module")
def tynda_service(tmp_path_factory, embedder):
    folder = tmp_path_factory.mktemp("tynda")
    (folder / "reports").mkdir()
    (folder / "reports" / "2019-tynda.txt").write_text(TYNDA_2019)
    (folder / "reports" / "2022-tynda.txt").write_text(TYNDA_2022)
    store = ReportStore(embedder, path=folder / "store")
    assert not Ingestor(store).ingest_paths([folder / "reports"]).failed
    return build_service(Settings.from_env(store=folder / "store"), store)


def test_reports_that_disagree_are_both_given_with_dates(tynda_service):
    answer = tynda_service.ask("How many North Korean loggers are at the Tynda sawmills?")
    assert answer.found and "300" in answer.answer and "120" in answer.answer
    assert "(2019-05-02)" in answer.answer and "(2022-11-20)" in answer.answer
    assert len(answer.citations) == 2
    latest = tynda_service.ask("How many North Korean loggers are at the Tynda sawmills now?")
    assert latest.answer.index("(2022-11-20)") < latest.answer.index("(2019-05-02)")


def test_list_question_gets_a_cited_direct_lead(sample_service):
    answer = sample_service.ask("Which countries are the laborers sent to?")
    lead = re.match(r"([^\[]+)\[(\d)\]", answer.answer)
    assert lead and all(c in lead.group(1) for c in ("China", "Russia", "Qatar", "Iran"))
    assert lead.group(1).count(" ") < 8, "the lead is short"


def test_answerability_is_per_sentence_not_relative_to_the_corpus(sample_service, fixture_service, embedder):
    """The same (question, sentence) pair scores within a small band in a 1-report and an 8-report store."""
    q = "How long does it take for recruits to be selected?"
    s = "It will likely take from two to four months for recruits to be selected for the overseas jobs."
    qv, sv = embedder.encode([q, s])
    scores = []
    for service in (sample_service, fixture_service):
        service.retriever.sync()
        kw = service.retriever.table.keywords
        qterms = list(dict.fromkeys(ev_terms(q)))
        idf = {t: kw.idf(t) for t in qterms}
        from qa.scoring import weighted_overlap
        overlap = weighted_overlap(qterms, set(ev_terms(s)), idf)
        scores.append(probability(features(q, qterms, idf, s, "", float(qv @ sv), 0.0, overlap)))
    assert abs(scores[0] - scores[1]) < 0.15, scores


def ev_terms(text):
    from qa.text import terms
    return terms(text)


def test_reranker_setting_with_a_missing_folder_fails_clearly(tmp_path):
    from qa.rerank import load_reranker

    assert load_reranker(None) is None
    with pytest.raises(FileNotFoundError, match="REPORTQA_RERANKER"):
        load_reranker(str(tmp_path / "nope"))


def test_answerability_cues_are_pure_and_generic():
    from qa.answerability import indefinite_only, leans_back, negation_mismatch
    from qa.answertype import asked_unit, question_type

    q = "Why do the workers not want to leave?"
    assert negation_mismatch(q, "Some workers want to leave at once because the pay is low.") == 1.0
    assert negation_mismatch(q, "Most workers do not want to leave the site.") == 0.0
    assert negation_mismatch("Why did they stay?", "They want to leave.") == 0.0  # no negation asked
    assert indefinite_only("Which clinic treats them?", "They may visit a clinic once a month.") == 1.0
    assert indefinite_only("Which clinic treats them?", "The Sunrise clinic treats them.") == 0.0
    assert leans_back("They feel this way because wages fell.") and not leans_back("Wages fell last year.")
    assert asked_unit("How many hours a day do they work?") == "hour" and asked_unit("How long is the stay?") == ""
    assert question_type("What is the purpose of the program?") == "reason"


def test_cause_clause_negation_agreement_and_synonyms_are_pure_and_generic():
    from qa.answerability import _negation_agrees, negated, prepare
    from qa.answertype import cause_split, find_list
    from qa.text import terms

    effect, cause = cause_split("Some workers want to leave at once because staying will not pay.")
    assert "want to leave" in effect and cause.startswith("because staying")
    effect, cause = cause_split("However, due to the flood, the workers stayed at the camp.")
    assert cause == "due to the flood" and "stayed at the camp" in effect
    assert cause_split("Wages fell last year.") == ("Wages fell last year.", "")
    asked = frozenset(negated("Why could the workers not leave?", first_only=True))
    assert _negation_agrees(asked, "Most workers could not leave after the flood.") == 1.0
    assert _negation_agrees(asked, "Workers do not want to stay.") == 0.0
    # the cause clause holding the question's words: the sentence explains something else
    info = prepare("Why did workers stay?", terms("Why did workers stay?"), {})
    from qa.answerability import _cause_only
    assert _cause_only(info, {}, "Some want to leave because staying will not pay.", "", "") > 0
    assert _cause_only(info, {}, "Workers stayed because the border closed.", "", "") == 0
    assert terms("laborers labourers workers overseas") == ["worker", "worker", "worker", "abroad"]
    assert find_list("It sends workers to Laos, Vietnam, Mongolia and Equatorial Guinea now.") == \
        "Laos, Vietnam, Mongolia and Equatorial Guinea"


def _cand(index, text, answerability=0.9, score=1.0, doc="d", chunk="c"):
    from qa.types import Candidate
    return Candidate(sentence_id=f"{doc}:{index}", doc_id=doc, chunk_id=chunk, index=index, start=0, end=len(text),
                     text=text, answerability=answerability, score=score)


def test_answer_quotes_the_referent_of_a_leaning_sentence_and_a_strong_neighbour_only():
    from qa.extractive import order_for_reading, select_sentences

    best = _cand(5, "The workers feel this way because their pay fell.", score=1.2)
    referent = _cand(4, "Most workers in Laos do not want to go home.", answerability=0.1, score=0.5)
    chosen = select_sentences([best, referent], threshold=0.5, question="Why don't workers in Laos want to go home?")
    assert [c.index for c in order_for_reading(chosen)] == [4, 5]
    # the referent adds none of the question's terms: not quoted
    assert select_sentences([best, referent], threshold=0.5, question="Why did their pay fall for workers?") == [best]
    # the best sentence's neighbour in its passage joins when it scores at least the neighbour
    # threshold (no new citation: the passage is cited already); a weak one does not
    pay = _cand(5, "Pay comes every three months.", score=1.2)
    strong = _cand(6, "Workers in Laos are paid in cash by a supervisor.", answerability=0.5, score=0.6)
    weak = _cand(6, "Workers get one day off every two weeks in Laos.", answerability=0.2, score=0.6)
    q = "How often are workers in Laos paid?"
    assert select_sentences([pay, strong], threshold=0.5, question=q) == [pay, strong]
    assert select_sentences([pay, weak], threshold=0.5, question=q) == [pay]
    assert select_sentences([pay, _cand(6, strong.text, answerability=0.5, chunk="other")], threshold=0.5,
                            question=q) == [pay]  # another passage: not a neighbour
    assert select_sentences([pay, strong], threshold=0.5, question=q, max_sentences=1) == [pay]


def test_bare_why_not_asks_about_what_the_last_answer_denied():
    from qa.followup import resolve_followup
    from qa.types import Turn

    history = [Turn("user", "Do the workers in Laos want to go home?"),
               Turn("assistant", "Most workers in Laos do not want to go home yet, a source said. [1]")]
    query = resolve_followup("Why not?", history)
    assert query.startswith("Why not want to go home") and "laos" in query.lower()
    refused = [history[0], Turn("assistant", "The reports don't say. None of the ingested reports contains an answer.")]
    assert resolve_followup("Why not?", refused).startswith("Why not?")  # nothing denied: unchanged


def test_polarity_and_consequence_cues_are_pure_and_generic():
    from qa.answerability import polarity_mismatch, prepare
    from qa.answertype import cause_split, question_type
    from qa.text import terms

    def asserted(q):
        return prepare(q, terms(q), {}).asserted

    q = "Why are the workers in a hurry to go home?"
    assert polarity_mismatch(asserted(q), "Most workers do not want to return home.") == 1.0
    assert polarity_mismatch(asserted(q), "Some workers want to return home because the pay is low.") == 0.0
    assert polarity_mismatch(asserted(q), "They feel this way because pay fell.", "Most do not want to return.") == 1.0
    assert not asserted("Do the workers want to go home?")  # a yes/no question is answered by a denial
    assert polarity_mismatch(asserted(q), "Workers return home because they cannot earn money.") == 0.0
    assert cause_split("No papers are needed, so the swap will be quick.") == ("the swap will be quick.", "No papers are needed")
    assert question_type("What made it harder to leave?") == "reason"
    assert question_type("Can workers who are ill go home?") == ""
    assert question_type("What is the monthly wage of a driver?") == "amount"
    assert question_type("On which day did the camp reopen?") == "day"
    from qa.answertype import sentence_has
    assert not sentence_has("day", "The camp closed last year.") and sentence_has("day", "It reopened on March 3.")


def test_followup_about_another_place_is_refused(fixture_service):
    """The fixture reports give pay only for Kuwait: asked about Mongolia's pay as a follow-up,
    the question is refused (Kuwait's wage is no answer)."""
    history = [Turn("user", "What kind of jobs do North Koreans do in Mongolia?")]
    answer = fixture_service.ask("How much do they earn there?", history)
    assert answer.found is False and answer.citations == []


def test_calibration_picks_the_midpoint_below_the_best_cut():
    """bench.calibrate's choice: the cut with the best balanced accuracy, placed between it and the score below."""
    from bench.calibrate import choose

    threshold, balanced = choose([(0.9, True), (0.8, True), (0.3, False), (0.5, False)])
    assert balanced == 1.0 and threshold == 0.65
    threshold, balanced = choose([(0.9, True), (0.4, True), (0.6, False)])
    assert threshold == 0.75 and balanced == 0.75


def test_fresh_set_floors(tmp_path_factory, embedder):
    """The validation set (bench/train: reports and questions the scorer never trained on): floors
    below the figures reached (hit@1 0.74, hit@5 0.96, term recall 0.67, gold in answer 0.67, cite
    prec 0.74, refusal acc 0.43, false ref 0.07, median 163 characters)."""
    path = tmp_path_factory.mktemp("fresh") / "store"
    store = ReportStore(embedder, path=path)
    assert not Ingestor(store).ingest_paths([ev.CORPORA["fresh"]]).failed
    rows = ev.load_set("fresh")
    assert len(rows) >= 150 and sum(not r["answerable"] for r in rows) >= 40
    m = ev.summarize(ev.run_ours(build_service(Settings.from_env(store=path), store), rows))
    assert m["hit@1"] >= 0.6 and m["hit@5"] >= 0.85
    assert m["cite prec"] >= 0.6 and m["term recall"] >= 0.55 and m["gold in ans"] >= 0.55
    assert m["refusal acc"] >= 0.3 and m["false ref"] <= 0.12
    assert m["med chars"] <= 450


def test_a_further_sentence_joins_only_when_it_adds_question_terms_and_fits_the_budget():
    from qa.extractive import select_sentences

    q = "How much does the hotel pay cooks in Kazan?"
    best = _cand(1, "Cooks in Kazan are paid about $300 a month.", doc="a", chunk="a1", score=1.2)
    same = _cand(1, "Cooks in Kazan earn about $300 a month, a source said.", doc="b", chunk="b1", score=1.15)
    adds = _cand(4, "The hotel pays the cooks' wages to a state company.", doc="b", chunk="b2", score=1.15)
    assert select_sentences([best, same], threshold=0.5, question=q) == [best]  # no new question term
    assert select_sentences([best, adds], threshold=0.5, question=q) == [best, adds]
    long = _cand(4, "The hotel pays the cooks' wages to a state company " + "and more " * 60 + ".", doc="b",
                 chunk="b2", score=1.15)
    assert select_sentences([best, long], threshold=0.5, question=q) == [best]  # over 450 characters


def test_a_followup_may_quote_a_second_sentence_of_the_report_it_continues():
    """A conversation continues one report: after "What are the selection rules for the women?",
    "Did anyone have to pay to be picked?" may be led by "Selection is strict.", and the bribe
    sentence of the same report is quoted beside it. A first question keeps one voice per report."""
    from qa.extractive import select_sentences

    q = "Did anyone have to pay to be picked?"
    lead = _cand(3, "Selection at the Gannet plant is strict.", doc="a", chunk="a1", score=1.2)
    bribe = _cand(9, "One family had to pay 800 yuan to an official to be picked.", doc="a", chunk="a3", score=1.15)
    again = _cand(10, "Selection at the Gannet plant is strict, a manager said.", doc="a", chunk="a4", score=1.15)
    assert select_sentences([lead, bribe], threshold=0.5, question=q) == [lead]
    assert select_sentences([lead, bribe], threshold=0.5, question=q, followup=True) == [lead, bribe]
    assert select_sentences([lead, again], threshold=0.5, question=q, followup=True) == [lead], "adds none of its words"
