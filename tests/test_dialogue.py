"""Follow-ups, short leads, dated disagreements and timeline points (issue 20), on examples of their
own: pure functions on invented sentences, then the real service over the seven reports in
``tests/fixtures/dialogue`` (Kestrel counts in 2016, 2022 and an undated memo; welders in
Vladivostok and Kuwait in one 2019 report; a restaurant in Tarvik; the Sunhwa plant in 2016 and
2023, the later report naming it only in its opening)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest import Ingestor
from qa.answertype import asked_value
from qa.followup import is_elliptical, resolve_followup
from qa.subject import same_question_subject, value_for
from qa.types import Turn
from settings import Settings
from vectorstore import ReportStore

FIXTURE = Path(__file__).parent / "fixtures" / "dialogue"
KESTREL = "How many North Korean workers are in the Kestrel region?"


def exchange(question: str, answer: str) -> list[Turn]:
    return [Turn("user", question), Turn("assistant", answer)]


# ---- follow-up resolution ----------------------------------------------------------------------

VLADIVOSTOK = exchange("How much are welders in Vladivostok paid?", "About 700 dollars a month [1].")
KUWAIT = exchange("How many North Korean workers are in Kuwait?", "About 300 welders [1].")


def test_a_followup_takes_the_last_exchange_not_every_earlier_keyword():
    query = resolve_followup("Who collects their wages?", VLADIVOSTOK + KUWAIT)
    assert "Kuwait" in query and "Vladivostok" not in query and "welders" not in query


def test_a_question_naming_a_new_subject_starts_afresh():
    question = "How many North Korean workers are in Qatar?"
    assert resolve_followup(question, VLADIVOSTOK + KUWAIT) == question


def test_an_elliptical_question_borrows_the_asking_and_the_predicate_but_not_the_old_place():
    query = resolve_followup("And in Qatar?", KUWAIT)
    assert "how many" in query and "workers" in query and "Kuwait" not in query
    assert is_elliptical("And in Qatar?") and is_elliptical("How many are there in Laos?")
    assert not is_elliptical("Who collects their wages?")


def test_an_opener_then_a_question_of_its_own_starts_afresh_on_its_new_subject():
    history = exchange("How long is the work day for the builders at the Kestrel site?", "Twelve hours [1].")
    for question in ("And the welders in Tarvik, do they have to meet a quota too?",
                     "And in Qatar, which company hires the welders?", "Now about Kuwait: who pays the crews?"):
        assert not is_elliptical(question)
        assert resolve_followup(question, history) == question
    # no asking clause of its own: still borrows the last question's asking and predicate
    assert is_elliptical("And in Qatar, how many?") and is_elliptical("And those going to Qatar?")
    assert "long" in resolve_followup("And in Tarvik, the welders?", history)


def test_an_elliptical_question_about_other_people_drops_the_old_people_only():
    doctors = resolve_followup("And the doctors at the clinics?", exchange("How much do the builders in Maputo take home?",
                                                                           "About $150 a month [1]."))
    assert "Maputo" in doctors and "take" in doctors and "builders" not in doctors
    cooks = resolve_followup("And the cooks?", exchange("How long are the welders' contracts in Kuwait?", "Three years [1]."))
    assert "contracts" in cooks and "Kuwait" in cooks and "welders" not in cooks
    theirs = resolve_followup("And their contracts?", exchange("How much are the welders in Kuwait paid?", "$700 [1]."))
    assert "welders" in theirs, "'their' points back at the same people"


def test_what_about_their_thing_keeps_the_subject_what_about_others_swaps_it():
    history = exchange("How many workers live in the Port Yelnya warehouse?", "About 200 [1].")
    visas = resolve_followup("And what about their visas?", history)
    assert "Yelnya" in visas and "how many" not in visas and "live" not in visas
    women = resolve_followup("What about the women?", exchange("How much are the men paid in Kuwait?", "$200 [1]."))
    assert "Kuwait" in women and "how much" in women and "paid" in women


def test_a_chain_of_pronouns_keeps_the_subject_named_turns_back():
    history = KUWAIT + exchange("Who collects their wages?", "The Taesong Trading Company [1].")
    query = resolve_followup("How often are they paid?", history)
    assert "Kuwait" in query and "Vladivostok" not in query


def test_he_after_a_who_question_points_at_whom_the_answer_named():
    history = exchange("Who holds the Selgon loggers' passports?", "The camp's security officer, a man they call the uncle.")
    query = resolve_followup("Who does he answer to?", history)
    assert "officer" in query and "Selgon" in query
    which = exchange("Which defector is quoted about the Tarvik crews?", "Pak Myong-su, a former welder who left in 2014 [1].")
    assert "Pak" in resolve_followup("What is he doing for a living now?", which)
    place = exchange("Which city hosts the Tarvik crews?", "Tarvik, on the coast [1].")
    assert resolve_followup("How big is it?", place).count("Tarvik") == 1, "a place asked for is no one 'it' points at"
    refused = exchange("Who holds the Selgon loggers' passports?", "The reports don't say. None of the ingested reports contains an answer to this question.")
    assert "reports" not in resolve_followup("Who does he answer to?", refused).split("(", 1)[-1]


def test_a_question_without_a_subject_continues_the_last_one():
    history = exchange("Where is the Haixing seafood plant?", "On the edge of Donggang [1].")
    assert "Haixing" in resolve_followup("How often are the women allowed to go out?", history)
    assert resolve_followup("How often are the women allowed to go out?", []) == "How often are the women allowed to go out?"


# ---- the short lead ------------------------------------------------------------------------------

def test_the_lead_is_the_value_said_of_what_was_asked():
    sentence = "Of the $700 nominal wage, $520 goes to the state, the manager said."
    assert asked_value("How much goes to the state?", "amount", sentence) == "$520"
    assert asked_value("How much is the nominal wage?", "amount", sentence) == "$700"
    shifts = "In the plants shifts last 14 hours, and contracts run three years."
    assert asked_value("How long are the shifts?", "duration", shifts) == "14 hours"
    assert asked_value("How long do the contracts run?", "duration", shifts) == "three years"


def test_how_often_is_answered_by_a_frequency_or_not_at_all():
    assert asked_value("How often are they paid?", "duration", "They work twelve-hour shifts and are paid once a quarter.") \
        == "once a quarter"
    assert asked_value("How often are they paid?", "duration", "They work twelve-hour shifts.") is None


def test_no_lead_when_no_value_is_clearly_the_asked_one():
    assert asked_value("How much do they get?", "amount", "Contractors pay $1,100 and workers see $150.") is None


def test_a_share_is_led_and_answered_by_a_share_never_by_a_sum():
    from qa.extractive import direct_lead, typed_first
    from qa.types import Candidate

    def cand(n, text, a, label):
        value = re.search(r"\d[\d,]* (?:yuan|percent)", text)
        return Candidate(sentence_id=f"s{n}", doc_id="d", chunk_id="c", index=n, start=0, end=len(text), text=text,
                         answerability=a, entities=[(label, value.start(), value.end())])

    q = "What share of the seamstresses' pay goes to the state?"
    sums = cand(1, "The mill pays 2,400 yuan a month for each seamstress.", 0.90, "MONEY")
    share = cand(2, "About 70 percent of that goes to the state, a supervisor said.", 0.80, "PERCENT")
    assert direct_lead(q, sums) is None, "no sum of money as the short answer to a share"
    assert direct_lead(q, share) == "About 70 percent"
    assert typed_first(q, [sums, share], floor=0.5) == [share, sums]
    assert typed_first(q, [sums, share], floor=0.85) == [sums, share], "a share below the floor does not lead"
    assert typed_first("How much does the mill pay?", [sums, share], floor=0.5) == [sums, share]


# ---- same subject --------------------------------------------------------------------------------

def test_the_value_compared_is_the_one_given_for_the_question():
    kept = value_for("How much do the builders keep for themselves each month?", "amount",
                     "The firm pays the agency about $850 a month per worker, and the workers keep about $100 of it.")
    assert kept.value.text == "about $100", "what a rate is per ('a month') tells no clause apart"
    said = value_for("How much goes to the state?", "amount", "Of the $700 nominal wage, $520 goes to the state.")
    assert said.value.text == "$520" and "state" in said.clause and "nominal" not in said.clause
    assert "$700" not in said.span and "state" in said.span, "what it is said of, never past the previous value"


def test_another_group_or_place_beside_the_value_is_another_subject():
    best = "About 4,000 North Korean workers are employed in the Kestrel region."
    same = "The labour office now counts some 15,000 North Korean workers in the Kestrel region."
    chinese = "About 2,000 Chinese workers also work on Kestrel region sites."
    elsewhere = "About 2,000 North Korean workers are employed in the Osprey district."
    for other, expected in ((same, True), (chinese, False), (elsewhere, False)):
        assert same_question_subject(KESTREL, best, other, value_for(KESTREL, "count", other)) is expected, other


def test_a_count_of_another_set_is_another_subject():
    from qa.subject import counted_as_asked

    q = "How many North Korean workers are in Russia?"
    best = "About 13,000 North Korean workers are now in Russia."
    former = "Six former workers who were in Russia and China described the deductions."
    assert not counted_as_asked(q, best, former, value_for(q, "count", former).value)
    same = "About 35,000 North Korean workers are in Russia, according to Russian officials."
    assert counted_as_asked(q, best, same, value_for(q, "count", same).value)
    hedged = "An estimated 1,900 North Koreans remain in Russia."
    assert counted_as_asked(q, best, hedged, value_for(q, "count", hedged).value), "a hedge on the figure"
    run = "Phra Kaeo had seven North Korean-run restaurants."
    assert counted_as_asked("How many North Korean restaurants did Phra Kaeo have?", "It had five North Korean restaurants.",
                            run, value_for("How many restaurants?", "count", run).value)


def test_a_report_is_set_where_its_opening_says_not_in_the_words_that_open_its_sentences():
    from qa.subject import names, setting

    lead = ("BELOGORSK - Three years on, the lines at the Sunhwa plant are quieter. "
            "It employed more women then. Many were sent home.")
    said = names(setting(lead), skip_first=False)
    assert {"belogorsk", "sunhwa"} <= said and not {"it", "many", "three"} & said
    assert names("Crews at Sunhwa and Marino since March") == {"sunhwa", "marino"}, \
        "a month or a day is no name, a name that begins like one is"


def test_only_a_reports_opening_sets_it():
    from qa.subject import LEAD_CHARS, names, opening_setting

    opening = ["ORSHA - The Kalmar sawmill hires men from the north.", "It pays them little."]
    later = ["x" * LEAD_CHARS, "Far away, the Tuvin quarry hires others."]
    said = names(opening_setting(opening + later), skip_first=False)
    assert {"orsha", "kalmar"} <= said and "tuvin" not in said


def test_a_question_about_a_change_compares_the_kind_of_value_it_says_changed():
    from qa.subject import asked_kind
    from qa.values import asks_change

    assert asks_change("Has the fee per worker gone up?") and asks_change("Did the number rise or fall?")
    assert not asks_change("Which manager estimated the state's cut?"), "a cut taken is no change"
    assert asked_kind("Has Dar Al-Rimal's cost per labourer gone up?") == "amount"
    assert asked_kind("Have working hours at the plant got longer since 2014?") == "duration"
    assert asked_kind("Has the portion the state keeps changed?") == "percent"
    assert asked_kind("Has it changed?") == ""
    assert asked_kind("Have the terms served by the crews been shortened?") == "duration", "the first thing named"
    assert asked_kind("How much has the welding crew shrunk?") == "count", "no amount of money"
    assert asked_kind("How many workers are in Kuwait?") == "count", "a question asking for a figure says its kind"
    assert asked_kind("Has the weekly sum each kitchen remits gone up?") == "amount", "a sum is money"
    assert asked_kind("Which group estimated that the remittances had fallen?") == "", "a name, not a sum"
    assert asks_change("Are more North Koreans employed there now than in 2015?")
    assert asks_change("Is the fee lower than before?")
    assert not asks_change("Are there more than 300 workers?"), "a threshold, not an earlier time"
    assert not asks_change("Is the fee higher than the wage?")


def test_a_what_question_naming_a_value_asks_for_its_kind():
    from qa.subject import asked_kind

    assert asked_kind("What is the usual bribe for a place on the list?") == "amount"
    assert asked_kind("What was the head-count at the yard in 2019?") == "count"
    assert asked_kind("What is the name of the fee collector?") == "", "a name asked, not the fee"
    assert asked_kind("What is the name of the company?") == ""
    assert asked_kind("Who collects the fee?") == "", "a question for a name asks for no value"


def test_a_yes_no_question_naming_a_value_asks_about_its_kind():
    from qa.subject import asked_kind

    assert asked_kind("Do the loggers at Tayozhny still work ten-hour days?") == "duration"
    assert asked_kind("Is the exit fee still about 300 dollars?") == "amount"
    assert asked_kind("Are there still only four brigades on the dam?") == "count"
    assert asked_kind("Has the fee gone up from 300 dollars?") == "amount"
    assert asked_kind("Are the loggers paid in cash?") == "", "no value named"
    assert asked_kind("Do they work ten hours for 5 dollars?") == "", "two kinds named: which one is asked?"
    assert asked_kind("Who pays the 300 loggers?") == "", "not a yes/no question"


def test_the_other_side_may_paraphrase_when_the_scorer_is_sure_it_answers():
    """"remained" for "left stuck": no word of the question in the other value's clause; it counts
    only when the answerability scorer would answer with that sentence on its own."""
    q = "How many North Korean welders were left stuck at Gdansk Wharf in 2020?"
    best = "About 300 North Koreans were stuck at Gdansk Wharf in 2020, the port authority said."
    other = "Some 450 remained at Gdansk Wharf that year, according to a union count."
    said = value_for(q, "count", other)
    mine = value_for(q, "count", best)
    assert not same_question_subject(q, best, other, said, mine=mine)
    assert same_question_subject(q, best, other, said, mine=mine, other_sure=True)
    qatar = "Some 450 remained at Doha Wharf that year."
    assert not same_question_subject(q, best, qatar, value_for(q, "count", qatar), mine=mine, other_sure=True), \
        "sure or not, another place is another subject"


def test_a_value_is_said_of_the_words_on_both_sides_of_it():
    from qa.subject import said_of_asked

    q = "How much do recruits pay in bribes?"
    said = value_for(q, "amount", "The usual amount was about $400, paid to officials to get on the list.")
    assert not said_of_asked(q, said.clause) and said_of_asked(q, said.span), said
    two = value_for("How much goes to the state?", "amount", "Of the $700 nominal wage, $520 goes to the state.")
    assert "$700" not in two.span and "state" in two.span, "never past a neighbouring value"


def test_a_question_naming_a_year_sets_no_other_year_against_it():
    from qa.subject import of_asked_time

    q = "How many work permits were issued in 2016?"
    assert of_asked_time(q, "Russia issued about 33,000 work permits in 2016.", "2017-03-22")
    assert of_asked_time(q, "About 33,000 permits were issued this year.", "2016-11-02"), "the report's own year"
    assert not of_asked_time(q, "Some 20,000 worked in the forests in the 1990s.", "2019-08-14")
    assert of_asked_time("How many permits were issued?", "Some 20,000 in the 1990s.", "2019-08-14")
    since = "Has the number of permits gone up since 2016?"
    assert of_asked_time(since, "Some 40,000 permits were issued.", "2022-08-10"), "a change since a year: any later one"
    assert not of_asked_time(since, "Some 20,000 permits were issued.", "2014-02-01")
    between = "Did the number of permits rise or fall between 2013 and 2018?"
    assert of_asked_time(between, "About 6,000 hold permits.", "2013-03-18")
    assert not of_asked_time(between, "About 1,900 hold permits.", "2020-06-08")


# ---- the service, over reports of the tests' own -----------------------------------------------

def test_a_question_naming_a_year_is_answered_from_that_time_first():
    from qa.extractive import of_asked_time_first
    from qa.types import Candidate

    def cand(n, text, date, a):
        return Candidate(sentence_id=f"s{n}", doc_id=f"d{n}", chunk_id=f"c{n}", index=0, start=0, end=len(text),
                         text=text, answerability=a, date=date)

    later = cand(1, "The dam now employs some 900 North Korean labourers.", "2024-03-01", 0.93)
    then = cand(2, "About 450 North Korean labourers worked on the dam.", "2016-07-12", 0.81)
    weak = cand(3, "The dam was begun in 2016.", "2016-07-12", 0.30)
    q = "How many North Korean labourers worked on the dam in 2016?"
    assert of_asked_time_first(q, [later, weak, then], 0.69) == [then, later, weak]
    assert of_asked_time_first("How many labourers work on the dam?", [later, then], 0.69) == [later, then]
    assert of_asked_time_first(q, [later, weak], 0.69) == [later, weak], "none of its time answers: order stands"


@pytest.fixture(scope="module")
def dialogue_service(tmp_path_factory, embedder):
    from qa import build_service

    path = tmp_path_factory.mktemp("dialogue") / "store"
    summary = Ingestor(ReportStore(embedder, path=path)).ingest_paths([FIXTURE])
    assert not summary.failed and len(summary.added) == 7
    return build_service(Settings.from_env(store=path, reader=False), ReportStore(embedder, path=path))


def test_two_dated_reports_on_one_subject_are_both_shown_newest_first(dialogue_service):
    answer = dialogue_service.ask(KESTREL)
    assert answer.found and "15,000" in answer.answer and "4,000" in answer.answer, answer.answer
    assert answer.answer.index("(2022-08-10)") < answer.answer.index("(2016-05-02)"), "newest first"
    assert [o["date"] for o in answer.others] == ["2016-05-02"] and answer.others[0]["normalized"] == 4000
    assert "2,000" not in answer.answer, "the Chinese workers are another subject"


def test_a_single_fact_is_no_disagreement(dialogue_service):
    answer = dialogue_service.ask("How much goes to the state of the Kuwait welders' nominal wage?")
    assert answer.found and answer.others == []


def test_a_followup_after_a_topic_change_is_answered_from_the_new_topic(dialogue_service):
    history = exchange("How much are welders in Vladivostok paid?", "About 700 dollars a month.") \
        + exchange("How many North Korean welders are in Kuwait?", "About 300 work on a refinery expansion.")
    answer = dialogue_service.ask("Who collects their wages?", history)
    assert answer.found and "Taesong" in answer.answer.split("[", 1)[0] + answer.answer, answer.answer
    assert answer.answer.index("Taesong") < answer.answer.find("clerk") if "clerk" in answer.answer else True


def test_a_followup_in_its_own_words_is_answered_from_the_report_it_continues(dialogue_service):
    """"Who keeps their passports?" carries the restaurant the last exchange named; with the
    carried words alone the sentences the last answer came from outrank the one that answers,
    so the report's sentences are also scored on the question's own words."""
    history = exchange("Which North Korean restaurant in Tarvik did the Fixture Gazette visit?",
                       "Pine Hall, on a quiet street near the harbour [1].")
    answer = dialogue_service.ask("Who keeps their passports?", history)
    assert answer.found and "keep the women's passports" in answer.answer, answer.answer


def test_a_disagreement_about_the_place_a_report_opens_with(dialogue_service):
    """The 2023 report names the Sunhwa plant only in its opening; its 450 still disagrees with
    the 2016 report's 1,200 about the same plant."""
    answer = dialogue_service.ask("How many North Korean women work at the Sunhwa plant?")
    assert "450" in answer.answer and "1,200" in answer.answer, answer.answer
    assert answer.answer.index("(2023-05-30)") < answer.answer.index("(2016-09-20)")


def test_a_question_about_a_change_is_answered_with_both_dated_values(dialogue_service):
    answer = dialogue_service.ask("Has the number of North Korean workers in the Kestrel region gone up since 2016?")
    assert "15,000" in answer.answer and "4,000" in answer.answer and answer.others, answer.answer
    assert answer.answer.index("(2022-08-10)") < answer.answer.index("(2016-05-02)")
    wages = dialogue_service.ask("Have the wages of the North Korean workers in the Kestrel region gone up?")
    assert wages.others == [], "head counts are no answer about wages"


def test_the_timeline_lists_undated_reports_and_only_the_asked_subject(dialogue_service):
    from qa.timeline import build_timeline

    data = build_timeline(dialogue_service, KESTREL)
    assert [p["date"] for p in data["points"]] == ["2016-05-02", "2022-08-10"]
    assert [p["normalized"] for p in data["points"]] == [4000, 15000]
    assert [p["normalized"] for p in data["undated"]] == [9000] and data["undated"][0]["date"] == ""
    assert not data["insufficient"]


def test_a_timeline_asked_as_a_change_plots_the_kind_of_value_that_changed(dialogue_service):
    """"How has X changed over time?" asks no "how many": the thing it says changed gives the kind."""
    from qa.subject import asked_kind
    from qa.timeline import build_timeline

    assert asked_kind("How has the payment to the brokers changed over time?") == "amount"
    data = build_timeline(dialogue_service, "How has the number of North Korean workers in the Kestrel region changed?")
    assert data["kind"] == "count" and not data["insufficient"]
    assert [p["normalized"] for p in data["points"]] == [4000, 15000]


def test_the_timeline_anchors_on_the_answer_most_reports_agree_with():
    """The best-ranked valued sentence is about a neighbour of the asked subject; the next one is
    the answer two reports give."""
    from qa.timeline import report_answers
    from qa.types import Candidate

    def said(doc, text, answerability, date):
        return Candidate(sentence_id=doc, doc_id=doc, chunk_id=doc, index=0, start=0, end=len(text), text=text,
                         answerability=answerability, score=answerability, date=date)

    neighbour = said("a", "A second firm in the town, Birch Works, has a staff of eight North Korean welders.", 0.9, "2019-01-02")
    then = said("b", "About 4,000 North Korean workers are employed in the Kestrel region.", 0.85, "2016-05-02")
    now = said("c", "The labour office now counts some 15,000 North Korean workers in the Kestrel region.", 0.6, "2022-08-10")
    got = report_answers(KESTREL, "count", [neighbour, then, now])
    assert sorted(v.normalized for _, v in got) == [4000, 15000]


def test_a_which_company_answer_opens_with_the_company(dialogue_service):
    """The sentence that names the asked body leads, even when the head count is written before it."""
    answer = dialogue_service.ask("Which company employs the welders in Kuwait?")
    assert answer.found and answer.answer.startswith("Their wages are collected by the Taesong Trading Company"), answer.answer


def test_how_often_leads_with_the_frequency_of_the_quoted_sentence(dialogue_service):
    answer = dialogue_service.ask("How often are the Kuwait welders paid?")
    assert answer.answer.startswith("Once a quarter [1]."), answer.answer
    assert "Twelve-hour" not in answer.answer.split("[1]", 1)[0]


def test_a_year_the_last_question_named_picks_the_report_of_that_time(dialogue_service):
    """Reports of one storyline at other dates say much the same, so what the last exchange was
    about is its report of the year the last question named (said or dated so)."""
    dates = {d.doc_id: d.date for d in dialogue_service.store.list_documents()}
    question = "Where do they sleep?"
    for year in ("2016", "2022"):
        history = exchange(f"How many North Korean workers were in the Kestrel region in {year}?",
                           "The regional labour office counted them in the thousands [1].")
        query = resolve_followup(question, history)
        doc = dialogue_service.last_anchor(question, query, history).doc_id
        assert dates[doc].startswith(year), (year, dates[doc])
