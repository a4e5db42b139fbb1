"""What a question asks for, and whether a sentence holds it: pure, no I/O."""
import pytest

from qa.answertype import question_type, sentence_has


@pytest.mark.parametrize("question, kind", [
    ("How old do you have to be to get picked?", "age"),
    ("What exchange rate did the bureau use when it paid out the rubles?", ""),  # "when" inside a clause
    ("And when did it open them again?", "date"),
    ("Do you know when the border reopens?", "when"),
    ("So where are they sent?", "place"),
])
def test_question_type(question, kind):
    assert question_type(question) == kind


@pytest.mark.parametrize("kind, sentence, holds", [
    ("duration", "He said the selection took almost a year.", True),
    ("duration", "He spent four winters at the camp.", True),
    ("duration", "They are paid twice a year.", False),  # a frequency is no duration
    ("amount", "Teams had a monthly quota of 450 cubic meters of timber.", True),
    ("reason", "Poland stopped issuing permits in 2016, citing concerns over forced labor.", True),
    ("reason", "The measure was meant to cut off a source of foreign currency.", True),
    ("reason", "The closure meant that workers could not be replaced.", True),
    ("place", "A restaurant near the Independence Monument was open.", True),
    ("place", "The women live in dormitories inside the factory compounds.", True),
    ("place", "The builders sleep in converted shipping containers.", True),  # two words before the place
    ("place", "The builders sleep in shifts of four.", False),
    ("age", "Applicants must be married men between 30 and 45 years old.", True),
    ("age", "Recruitment focuses on men in their 30s and 40s.", True),
    ("age", "Teams of 40 men work in the camps.", False),
    ("who", "Her team leader kept her passport.", True),
    ("when", "The rest was paid out only at the end of the contract.", True),
    ("when", "Cooks may leave when their debts are repaid.", True),  # a condition answers "when"
    ("reason", "Cooks feel this way about the hotel.", False),  # a pointer back gives no reason itself
    ("amount", "The hotel won an award last year.", False),  # "won" the verb is no currency
])
def test_sentence_holds_an_answer_of_the_kind_in_news_wording(kind, sentence, holds):
    assert sentence_has(kind, sentence) is holds
