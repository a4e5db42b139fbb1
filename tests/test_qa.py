"""The answer path with the real model and store: cited answers and honest refusals."""
import re

from qa import Turn
from qa.citations import check_citations


def assert_well_cited(answer):
    assert answer.found
    dangling, unused = check_citations(answer.answer, [c.n for c in answer.citations])
    assert not dangling and not unused
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    for c in answer.citations:
        for h in c.highlights:
            assert c.text[h["start"] : h["end"]] in answer.answer


def test_countries_question_names_all_and_cites_the_sentence(sample_service):
    answer = sample_service.ask("Which countries are the laborers sent to?")
    assert_well_cited(answer)
    for country in ("China", "Russia", "Qatar", "Iran"):
        assert country in answer.answer
    holding = [c for c in answer.citations if all(x in c.text for x in ("China, Russia, Qatar, Iran"))]
    assert holding, "the passage holding the list of countries is cited"
    n = holding[0].n
    sentence = re.search(r"([^\]]*China, Russia, Qatar, Iran[^\[]*)\[(\d+)\]", answer.answer)
    assert sentence and int(sentence.group(2)) == n


def test_unrelated_question_is_refused(sample_service):
    answer = sample_service.ask("What is the capital of Peru?")
    assert answer.found is False and answer.citations == []
    assert "don't" in answer.answer or "not" in answer.answer


def test_followup_uses_history(sample_service):
    history = [Turn("user", "Who recruits the laborers sent abroad?"),
               Turn("assistant", "The External Construction Bureau [1]")]
    answer = sample_service.ask("How long does their selection take?", history)
    assert_well_cited(answer)
    assert "two to four months" in answer.answer


def test_list_lead_only_for_questions_about_named_things():
    from qa.extractive import asks_for_named_list

    for q in ("Which countries are the laborers sent to?", "Where are the workers being sent?",
              "In which cities are they recruited?", "Which North Korean cities are recruits from?"):
        assert asks_for_named_list(q), q
    for q in ("What papers do they need?", "Do workers in China need a passport?",
              "What documents do workers going to Qatar need?", "Who recruits them?"):
        assert not asks_for_named_list(q), q


def test_yes_no_question_gets_no_list_lead(sample_service):
    answer = sample_service.ask("Do laborers heading to Qatar need visas?")
    assert answer.found
    assert not answer.answer.startswith(("Qatar", "China, Russia")), answer.answer
    assert "passports and visas" in answer.answer


def test_followup_keeps_names_from_the_history():
    """A place named in the earlier question stays a name in the query (capitalised), so an answer
    about another place is not taken for one about it."""
    from qa.followup import resolve_followup

    query = resolve_followup("How much do they earn there?",
                             [Turn("user", "What kind of jobs do North Koreans do in Mongolia?")])
    assert "Mongolia" in query and "kind" in query and "What" not in query
    assert resolve_followup("Where do they work?", []) == "Where do they work?"

