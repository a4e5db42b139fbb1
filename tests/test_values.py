"""Typed, normalised values (qa.values) and the dated-disagreement rule built on them
(qa.extractive.find_conflict), on invented sentences: each case of issue 11 point 6."""
from __future__ import annotations

import pytest

from qa.extractive import find_conflict
from qa.types import Candidate
from qa.values import asks_two_figures, disagree, is_dateline, main_value, parse_number, question_kind, values


def norm(kind, sentence):
    return [v.normalized for v in values(kind, sentence)]


@pytest.mark.parametrize("text, number", [
    ("1,500", 1500), ("1500", 1500), ("1.5 million", 1_500_000), ("one thousand five hundred", 1500),
    ("twenty-five", 25), ("a thousand", 1000), ("two hundred and fifty", 250), ("a dozen", 12), ("three", 3),
])
def test_numbers_with_or_without_separators_or_in_words(text, number):
    assert parse_number(text) == number


def test_counts_are_the_same_however_written():
    a = main_value("count", "About 1,500 North Koreans work at the port, the source said.")
    b = main_value("count", "Some 1500 North Koreans work at the port.")
    c = main_value("count", "One thousand five hundred North Koreans work at the port.")
    assert a.normalized == b.normalized == c.normalized == 1500
    assert not disagree(a, b) and not disagree(a, c)


def test_durations_are_months_however_written():
    assert norm("duration", "Workers stay three years.") == [36]
    assert norm("duration", "Workers stay 3 years.") == [36]
    assert norm("duration", "Workers stay a 3-year term, or 36 months.") == [36, 36]
    assert norm("duration", "Screening took a year, then half a year more.") == [12, 6]
    assert norm("duration", "The handover takes two weeks.") == [pytest.approx(0.46, abs=0.01)]
    assert not disagree(main_value("duration", "They stay three years."), main_value("duration", "They stay 36 months."))


def test_a_shift_is_a_length_in_hours_never_set_against_months():
    assert norm("duration", "Women now work 15-hour shifts.") == [15]
    assert norm("duration", "A shift lasts 12 hours, with a half-hour break; the day is ten hours.") == [12, 10]
    assert norm("duration", "They earn $5 an hour.") == [], "a rate, not a length"
    twelve, fourteen = main_value("duration", "They work twelve-hour shifts."), main_value("duration", "Shifts run 14 hours.")
    assert twelve.unit == fourteen.unit == "hours" and disagree(twelve, fourteen)
    assert not disagree(main_value("duration", "Contracts run one year."), main_value("duration", "Shifts run 12 hours.")), \
        "12 hours is no year"


def test_a_dozen_is_twelve_several_dozen_is_no_figure():
    assert norm("count", "About a dozen have fled.") == [12]
    assert norm("count", "Some two dozen workers fled.") == [24]
    assert norm("count", "Where several dozen welders once worked, only 12 remain.") == [12]
    assert norm("count", "Dozens of workers fled.") == []


def test_ranges_are_low_high():
    assert norm("count", "Between 600 and 800 workers remain.") == [[600, 800]]
    assert norm("count", "Groups of 30 to 40 leave by train.") == [[30, 40]]
    assert norm("count", "Some 200-300 cooks were sent.") == [[200, 300]]
    assert norm("duration", "Postings last three to four years.") == [[36, 48]]
    assert norm("duration", "Postings last two or three years.") == [[24, 36]]
    assert norm("percent", "Between 60 and 70 per cent is taken.") == [[60, 70]]
    r = main_value("count", "Between 600 and 800 workers remain.")
    assert disagree(r, main_value("count", "About 700 workers remain.")), "a range is not the number inside it"
    assert not disagree(r, main_value("count", "600 to 800 workers remain."))


def test_years_and_days_of_the_month_are_never_counts():
    assert values("count", "They were told they would not go home until 2027.") == []
    assert values("count", "The group left on March 12 and another on 5 April 2024.") == []
    assert values("count", "The rule changed on the 12th.") == []
    assert values("count", "The decree dated 2024-03-05 applies from 1/3/2024.") == []
    assert norm("count", "In 2019, 2,000 workers left; 1500 more left in 2020.") == [2000, 1500]


def test_other_kinds_are_not_counts():
    s = "The 300 men, aged 35 to 50, earn $800 a month for three years and keep 30 percent."
    assert norm("count", s) == [300]
    assert norm("amount", s) == [800]
    assert main_value("amount", s).unit == "USD"
    assert norm("duration", s) == [36]
    assert norm("percent", s) == [30]
    assert values("amount", "They won the contract in 2020.") == [], "'won' the verb is no currency"
    assert main_value("amount", "They are paid 300,000 won.").unit == "KRW"
    assert main_value("amount", "They are paid 2,000 yuan.").unit == "CNY"
    assert values("count", "One of them said a source had left.") == [], "'one', 'a' as pronoun/article"


def test_a_dateline_holds_no_value():
    line = "This report was published on March 12, 2025."
    assert is_dateline(line)
    for kind in ("count", "amount", "duration", "percent"):
        assert values(kind, line) == []
    assert not is_dateline("Published in 2023, the survey counted 1,500 workers.")


def test_question_kinds():
    assert question_kind("How many North Koreans work in Mongolia?") == "count"
    assert question_kind("How much are the cooks paid?") == "amount"
    assert question_kind("How long do postings last?") == "duration"
    assert question_kind("What percentage of the wage goes to the state?") == "percent"
    assert question_kind("Why do they stay?") == ""


@pytest.mark.parametrize("question, kind", [
    # a value asked for by the name of what it measures
    ("What cut of the cooks' tips goes to the embassy?", "percent"),
    ("What portion of a nurse's fee does the clinic keep?", "percent"),
    ("What weekly sum must each kitchen hand over?", "amount"),
    ("What is the going rate for a lorry driver?", "amount"),
    ("What does a client pay for one massage at the spa?", "amount"),
    ("What do the drivers actually receive each week?", "amount"),
    ("What do the masons hired by the port authority get in hand each fortnight?", "amount"),
    ("What did the new museum wing cost?", "amount"),
    ("How big is the harbour's North Korean workforce?", "count"),
    ("How large are the brigades on the dam?", "count"),
    # ... but not what names no value
    ("What do they make at the plant?", ""),
    ("What does the contract say about leave?", ""),
    ("What kind of work do they do?", ""),
    ("What part of the country were the cooks recruited from?", ""),
    ("What is the name of the fee collector?", ""),
    ("Who pays the drivers?", ""),
    ("What was the bridge contract worth?", "amount"),  # money, though "contract" also names a term
    ("What are the cooks promised a month under the new deal?", "amount"),
    ("What does each welder owe the agency every month?", "amount"),
    ("How big is the camp's kitchen?", ""),
    ("How often do the cooks get a day off?", ""),
    ("What monthly allowance do the cooks receive?", "amount"),
    ("What does a large canvas from the studio go for?", "amount"),
    ("What did the paintings sell for last year?", "amount"),
    ("What do the cooks go for on their day off?", ""),
    ("How many roubles a month are the greenhouse workers paid?", "amount"),  # a sum, counted in its currency
    ("How many dollars do the cooks keep?", "amount"),
])
def test_question_kinds_named_by_what_they_measure(question, kind):
    assert question_kind(question) == kind


@pytest.mark.parametrize("question, two", [
    ("How many workers are there and how much are they paid?", True),
    ("How many men and women were sent?", True),
    ("How many North Koreans work in Mongolia and Russia?", True),
    ("How many workers are there in each city?", True),
    ("How much does the plant pay for each North Korean seamstress?", False),  # a rate: what the figure is per
    ("How much is taken from each plasterer's wage?", False),
    ("How many North Koreans work in Mongolia?", False),
    ("How many workers live and work in Ulaanbaatar?", False),
    ("How many cooks work in each of the restaurants?", True),
    ("What is each North Korean nurse at the clinic paid per month?", False),  # per person, whatever the noun
    ("How much was each Korean sailor promised a year?", False),
    ("How much is paid every month for each of its doctors working in Libya?", False),  # per person
    ("How much is each of the North Korean nurses paid?", False),
])
def test_a_question_asking_for_two_figures(question, two):
    assert asks_two_figures(question) is two


@pytest.mark.parametrize("question, sentence, text", [
    # among several values of the kind, the one in the unit the question asks in
    ("How many days off a month do the drivers get?",
     "The drivers now work 14 hours a day and get two days off a month.", "two days"),
    ("How many hours a day do the drivers work?",
     "The drivers now work 14 hours a day and get two days off a month.", "14 hours"),
    ("How many weeks of leave do nurses get?", "Nurses work 60 hours a week and get three weeks of leave.", "three weeks"),
])
def test_value_for_prefers_the_asked_unit(question, sentence, text):
    from qa.subject import asked_kind, value_for

    assert value_for(question, asked_kind(question), sentence).value.text == text


# ---- the conflict rule ---------------------------------------------------------------------------

def cand(doc, text, date, answerability=0.9, outlet="Outlet"):
    return Candidate(sentence_id=f"{doc}.s", doc_id=doc, chunk_id=f"{doc}.p", index=0, start=0, end=len(text),
                     text=text, answerability=answerability, score=answerability, date=date, outlet=outlet)


Q = "How many North Korean cooks work in Dubai?"


def test_different_values_from_two_reports_conflict():
    a = cand("a", "About 1,200 North Korean cooks work in Dubai restaurants.", "2023-01")
    b = cand("b", "Only about 400 North Korean cooks work in Dubai restaurants.", "2024-05")
    assert find_conflict(Q, [a], [a, b]) is b


def test_the_disagreement_is_about_the_answers_sentence_that_gives_the_value():
    lead = cand("a", "Hundreds of North Korean cooks work in Dubai's hotel kitchens.", "2023-01")
    a = cand("a", "About 1,200 North Korean cooks work in Dubai restaurants.", "2023-01")
    b = cand("b", "Only about 400 North Korean cooks work in Dubai restaurants.", "2024-05")
    assert find_conflict(Q, [lead, a], [lead, a, b]) is b


def test_the_same_value_written_differently_is_no_conflict():
    a = cand("a", "About 1,200 North Korean cooks work in Dubai restaurants.", "2023-01")
    b = cand("b", "About 1200 North Korean cooks work in Dubai restaurants.", "2024-05")
    c = cand("c", "About one thousand two hundred North Korean cooks work in Dubai restaurants.", "2024-06")
    assert find_conflict(Q, [a], [a, b, c]) is None
    d = cand("a", "North Korean cooks in Dubai stay three years.", "2023-01")
    e = cand("b", "North Korean cooks in Dubai stay 3 years.", "2024-05")
    assert find_conflict("How long do North Korean cooks stay in Dubai?", [d], [d, e]) is None


def test_a_dateline_or_a_year_is_never_the_other_side():
    a = cand("a", "About 1,200 North Korean cooks work in Dubai restaurants.", "2023-01")
    line = cand("b", "This report on North Korean cooks in Dubai restaurants was published on May 3, 2024.", "2024-05")
    year = cand("c", "North Korean cooks work in Dubai restaurants until 2027.", "2024-06")
    assert find_conflict(Q, [a], [a, line, year]) is None


def test_sentences_about_another_quantity_are_no_conflict():
    a = cand("a", "About 1,200 North Korean cooks work in Dubai restaurants.", "2023-01")
    pay = cand("b", "North Korean cooks in Dubai restaurants earn 800 dollars a month.", "2024-05")
    other = cand("c", "About 300 North Korean builders work on towers in Qatar.", "2024-06")
    assert find_conflict(Q, [a], [a, pay, other]) is None


def test_two_figure_questions_get_no_conflict_form():
    a = cand("a", "About 1,200 North Korean cooks work in Dubai restaurants.", "2023-01")
    b = cand("b", "Only about 400 North Korean cooks work in Dubai restaurants.", "2024-05")
    assert find_conflict("How many North Korean cooks work in Dubai and Qatar?", [a], [a, b]) is None


def test_fixture_reports_disagree_newest_first(analyst_store_dir, embedder):
    """On the CLI-ingested corpus: the two fixture reports give 1,500 (2023-01-10) and 900 (2024-06-20)."""
    from qa import build_service
    from qa.filters import ReportFilter
    from settings import Settings
    from vectorstore import ReportStore

    service = build_service(Settings.from_env(store=analyst_store_dir), ReportStore(embedder, path=analyst_store_dir))
    only_fixture = ReportFilter.of(outlets=["Synthetic test fixture"])
    plain = service.ask("How many North Koreans work in Mongolia?", flt=only_fixture)
    assert plain.answer.startswith("According to Synthetic test fixture (2024-06-20):")
    assert "(2023-01-10)" in plain.answer and len(plain.citations) == 2
    assert [o["date"] for o in plain.others] == ["2023-01-10"] and plain.others[0]["normalized"] == 1500
    now = service.ask("How many North Koreans are working in Mongolia now?", flt=only_fixture)
    assert now.answer.index("(2024-06-20)") < now.answer.index("(2023-01-10)")
    assert now.others[0]["date"] == "2023-01-10" and now.others[0]["normalized"] == 1500
    two = service.ask("How many North Koreans work in Mongolia and in Kuwait?", flt=only_fixture)
    assert "According to" not in two.answer and two.others == []


def test_the_other_report_may_word_the_verb_differently_but_not_the_place():
    q = "How long do workers in Mongolia stay before they go home?"
    a = cand("a", "North Korean workers in Ulaanbaatar, Mongolia, must now stay five years before they are sent home.", "2024-06")
    b = cand("b", "North Korean workers in Ulaanbaatar, Mongolia, are sent home after two years.", "2023-01")
    assert find_conflict(q, [a], [a, b]) is b, "'stay' is missing from the other sentence, nothing else"
    dubai = cand("c", "About 1,200 North Korean cooks work in Dubai restaurants.", "2023-01")
    qatar = cand("d", "About 300 North Korean cooks work in Qatar restaurants.", "2024-05")
    assert find_conflict(Q, [dubai], [dubai, qatar]) is None, "another place is another question"


# ---- local money, measures, points in time ------------------------------------------------------

def test_local_money_is_an_amount_in_its_own_currency_never_a_count():
    line = "The mine pays 2,400 ringgit a month per miner; the men keep 300 ringgits, and a Dubai crew 1,800 dirhams."
    assert [(v.text, v.unit) for v in values("amount", line)] == [
        ("2,400 ringgit", "MYR"), ("300 ringgits", "MYR"), ("1,800 dirhams", "AED")]
    assert values("count", line) == []
    assert [v.unit for v in values("amount", "about 3,800 zlotys, or 1.2 million tugrik")] == ["PLN", "MNT"]
    assert values("duration", "The plant pays 900 zlotys a month.") == [], "a rate, not a length of time"
    assert not disagree(values("amount", "300 ringgit")[0], values("amount", "450 dirhams")[0]), "not across currencies"
    assert disagree(values("amount", "300 ringgit")[0], values("amount", "450 ringgits")[0])


def test_money_of_africa_and_eastern_europe_is_money_too():
    """A shilling fee or a wage in lei is an amount, in its own currency, and no head-count."""
    line = "A session costs 35,000 shillings; a seamstress earned 1,100 lei, a welder 9,500 korun and a cook 2,000 rand."
    assert [(v.text, v.unit) for v in values("amount", line)] == [
        ("35,000 shillings", "TZS"), ("1,100 lei", "RON"), ("9,500 korun", "CZK"), ("2,000 rand", "ZAR")]
    assert values("count", line) == []
    assert disagree(values("amount", "20,000 shillings")[0], values("amount", "35,000 shillings")[0])
    assert values("amount", "Lev Petrov said 300 workers came") == [], "a name, not a currency"


def test_a_measure_is_no_head_count():
    line = "The 40 men walked 30 kilometres carrying 20 tonnes of timber over 500 hectares."
    assert [v.text for v in values("count", line)] == ["40"]


def test_years_on_or_ago_say_when_not_how_long():
    assert values("duration", "From the archive: the harbour, ten years on.") == []
    assert values("duration", "Two years ago the crews left; five years later they came back.") == []
    assert [v.text for v in values("duration", "They sign three-year contracts.")] == ["three-year"]


def test_an_answer_quoting_two_dated_reports_for_a_figure_dates_each_report():
    from qa.extractive import dated_by_report

    a = cand("a", "About 8,400 North Koreans are employed across the krai.", "2018-10-29", outlet="Far East Courier")
    a2 = cand("a", "Most of them build flats.", "2018-10-29", outlet="Far East Courier")
    b = cand("b", "Some 1,900 of them remained there in May.", "2020-06-08", outlet="Border Report")
    texts = [a.text, a2.text, b.text]
    assert dated_by_report("How many North Koreans work in the krai?", [a, a2, b], texts) == [
        "According to Far East Courier (2018-10-29): " + a.text, a2.text,
        "According to Border Report (2020-06-08): " + b.text]
    assert dated_by_report("Why do they stay?", [a, a2, b], texts) == texts, "no figure asked"
    assert dated_by_report("How many work in the krai?", [a, a2], texts[:2]) == texts[:2], "one report"
