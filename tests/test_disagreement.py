"""The trained same-subject judge of dated disagreements (qa/disagreement.py), with its shipped
weights: sentences of the tests' own, scored as the answerer passes them."""
import json

from qa.disagreement import FEATURES, WEIGHTS_FILE, load_judge, pair_features
from qa.extractive import MOST_SIDES, conflict_pairs, find_conflict, find_conflicts, valued_first
from qa.subject import value_for
from qa.types import Candidate

KESTREL = "How many North Korean workers are employed in the Kestrel region?"


def candidate(n: int, text: str, date: str, title: str, answerability: float = 0.9) -> Candidate:
    return Candidate(sentence_id=f"s{n}", doc_id=f"d{n}", chunk_id=f"c{n}", index=3, start=0, end=len(text), text=text,
                     answerability=answerability, score=answerability, date=date, title=title)


def test_the_weights_are_for_these_features_and_say_where_they_come_from():
    data = json.loads(WEIGHTS_FILE.read_text())
    assert tuple(data["features"]) == FEATURES and len(data["weights"]) == len(FEATURES)
    assert 0.3 <= data["threshold"] <= 0.95
    assert data["trained_by"].startswith("python -m bench.train_disagreement")
    from bench.labelled import NEVER

    assert data["never_read"] and not set(data["never_read"]) & set(data["sets"])
    assert not set(NEVER) & set(data["sets"]), "the blind set judges the model: never trained on"
    assert all(set(v) >= {"found", "false", "rule"} for v in data["held_out"].values())


BEST = candidate(1, "About 4,000 North Korean workers are employed in the Kestrel region, the governor said.",
                 "2019-05-02", "Kestrel region leans on North Korean builders")
SAME = candidate(2, "The regional labour office now counts some 15,000 North Korean workers employed in the Kestrel region.",
                 "2023-09-14", "North Korean workers return to the Kestrel region")
ELSEWHERE = candidate(3, "In the neighbouring Osprey district, about 600 North Korean workers are employed.",
                      "2023-09-14", "Osprey district builders")
OTHER_SET = candidate(4, "About 2,000 Chinese workers are employed in the Kestrel region as well.",
                      "2023-09-14", "Chinese labour in the Kestrel region")


def probability(question: str, best: Candidate, other: Candidate) -> float:
    judge = load_judge()
    mine, theirs = value_for(question, "count", best.text), value_for(question, "count", other.text)
    return judge.probability(pair_features(question, best, other, mine, theirs))


def test_two_reports_counting_the_asked_subject_disagree():
    assert probability(KESTREL, BEST, SAME) >= load_judge().threshold
    assert find_conflict(KESTREL, [BEST], [BEST, SAME]) is SAME


def test_a_figure_about_another_place_is_judged_no_disagreement():
    assert probability(KESTREL, BEST, ELSEWHERE) < load_judge().threshold
    assert find_conflict(KESTREL, [BEST], [BEST, ELSEWHERE]) is None


def test_a_count_of_another_group_is_never_set_against_the_asked_one():
    assert not list(conflict_pairs(KESTREL, [BEST], [BEST, OTHER_SET]))
    assert find_conflict(KESTREL, [BEST], [BEST, OTHER_SET]) is None


def test_the_likeliest_pair_is_the_one_shown():
    assert find_conflict(KESTREL, [BEST], [BEST, ELSEWHERE, SAME, OTHER_SET]) is SAME


def test_a_question_naming_nothing_sets_no_two_places_against_each_other():
    q = "How much are the workers paid?"
    shipyard = candidate(5, "Each welder was paid about 100 dollars a month in cash.", "2018-03-14", "Baltic shipyard welders")
    factory = candidate(6, "The Chinese factories pay about 300 dollars a month for each worker.", "2024-02-01",
                        "Riot at Chinese factories")
    assert not list(conflict_pairs(q, [shipyard], [shipyard, factory]))


def test_a_question_names_its_subject_by_a_name_or_a_noun_of_its_own():
    from qa.subject import names_a_subject

    assert names_a_subject("How many North Koreans work in Oman?")
    assert names_a_subject("How long are the harbour crane drivers' contracts?"), "nouns of its own"
    assert names_a_subject("How many women sleep in each room of the laundry dormitory?")
    assert not names_a_subject("How much are the workers paid?")
    assert not names_a_subject("How long are the workers' contracts?"), "the measured thing names no one"
    assert not names_a_subject("What cut of their money does the state take?")


def test_a_question_naming_its_subject_by_nouns_is_the_judges():
    q = "How much are the harbour crane drivers paid each month?"
    older = candidate(7, "The harbour crane drivers were paid 300 dollars a month, the port's manager said.", "2016-05-02",
                      "Crane drivers at the harbour")
    newer = candidate(8, "The harbour's North Korean crane drivers now receive 450 dollars a month each.", "2021-09-30",
                      "The harbour's crane drivers stay on")
    assert [c for _, c, _, _ in conflict_pairs(q, [newer], [newer, older])] == [older]


def test_no_pair_without_a_different_value_of_the_asked_kind_or_below_support():
    again = candidate(7, "Some 4,000 North Korean workers are employed in the Kestrel region.", "2021-01-01", "Kestrel")
    weak = candidate(8, SAME.text, "2023-09-14", SAME.title, answerability=0.1)
    assert not list(conflict_pairs(KESTREL, [BEST], [BEST, again, weak]))


THIRD = candidate(5, "In 2021 the Kestrel region's labour office counted about 9,000 North Korean workers employed there.",
                  "2021-03-30", "Kestrel region counts its North Korean workers")


def test_three_reports_giving_three_figures_are_all_set_side_by_side():
    found = find_conflicts(KESTREL, [BEST], [BEST, ELSEWHERE, SAME, THIRD, OTHER_SET])
    assert {c.sentence_id for c in found} == {"s2", "s5"}, [c.text for c in found]
    assert find_conflicts(KESTREL, [BEST], [BEST, SAME, THIRD], most=1) == [find_conflict(KESTREL, [BEST], [BEST, SAME, THIRD])]


def test_one_side_per_report_however_many_of_its_sentences_disagree():
    again = candidate(2, "Some 15,000 North Korean workers are employed in the Kestrel region today, the office says.",
                      "2023-09-14", "North Korean workers return to the Kestrel region")
    again.sentence_id = "s2b"
    found = find_conflicts(KESTREL, [BEST], [BEST, SAME, again])
    assert len(found) == 1 and found[0].doc_id == "d2"


def test_an_undated_figure_is_no_extra_side():
    """The memo's figure disagrees, a little less likely than the dated report's: alone it would
    be shown (the likeliest side may be undated), beside a dated side it is left out."""
    undated = candidate(6, "Roughly 9,000 North Korean workers were in the Kestrel region when the memo was written.",
                        "", "Memo on Kestrel labour")
    assert [c.sentence_id for c in find_conflicts(KESTREL, [BEST], [BEST, undated])] == ["s6"]
    assert [c.sentence_id for c in find_conflicts(KESTREL, [BEST], [BEST, SAME, undated])] == ["s2"]


PORT = candidate(9, "Cranes still turn over the Kestrel region's port, where North Korean workers are employed on most sites.",
                 "2024-05-20", "Kestrel port keeps building", answerability=0.95)


def test_an_answer_led_by_a_sentence_without_the_figure_is_set_against_the_figure_below_it():
    assert valued_first(KESTREL, "count", [PORT], [PORT, BEST, SAME]) is BEST
    assert find_conflict(KESTREL, [PORT], [PORT, BEST, SAME]) is SAME


def test_no_figure_about_another_place_or_set_stands_in_for_the_answers():
    assert valued_first(KESTREL, "count", [PORT], [PORT, ELSEWHERE, BEST]) is BEST
    assert valued_first(KESTREL, "count", [PORT], [PORT, OTHER_SET, BEST]) is BEST
    assert valued_first(KESTREL, "count", [PORT], [PORT, ELSEWHERE, OTHER_SET]) is PORT, "nothing stands in"
    assert find_conflict(KESTREL, [PORT], [PORT, ELSEWHERE, OTHER_SET]) is None


def test_five_reports_giving_five_figures_are_all_shown():
    fourth = candidate(11, "Some 7,500 North Korean workers were employed in the Kestrel region last year, the office said.",
                       "2016-02-11", "Kestrel region builds with North Korean crews")
    fifth = candidate(12, "The Kestrel region employed roughly 1,200 North Korean workers, its labour office said.",
                      "2012-06-01", "North Korean crews arrive in the Kestrel region")
    others = find_conflicts(KESTREL, [BEST], [BEST, SAME, THIRD, fourth, fifth, ELSEWHERE], most=MOST_SIDES - 1)
    assert {c.doc_id for c in others} == {"d2", "d5", "d11", "d12"}


def test_a_question_counting_in_a_unit_compares_values_in_that_unit_only():
    q = "How many days off a month do the greenhouse workers get?"
    hours = candidate(14, "In the greenhouses the working day now stretches to 14 hours.", "2017-10-19", "Greenhouses")
    other = candidate(15, "In the greenhouses the working day is 12 hours, with no day off.", "2014-09-03", "Greenhouses")
    assert not list(conflict_pairs(q, [hours], [hours, other]))
    days = candidate(16, "The greenhouse workers get two days off a month.", "2017-10-19", "Greenhouses")
    day = candidate(17, "The greenhouse workers get one day off a month.", "2014-09-03", "Greenhouses")
    assert [c for _, c, _, _ in conflict_pairs(q, [days], [days, day])] == [day]
