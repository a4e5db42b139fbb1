"""The incremental BM25 index: pure, no I/O."""
from qa.keyword import KeywordIndex


def test_search_ranks_by_terms_and_respects_k():
    idx = KeywordIndex()
    idx.add("a", [("a1", "laborers sent to Russia"), ("a2", "weather in Pyongyang")])
    idx.add("b", [("b1", "laborers in Qatar and Russia construction")])
    hits = idx.search("Russia laborers", k=5)
    assert {k for k, _ in hits} == {"a1", "b1"}
    assert len(idx.search("Russia", k=1)) == 1
    assert idx.search("nothing matches", k=5) == []


def test_remove_after_search_forgets_rows():
    idx = KeywordIndex()
    idx.add("a", [("a1", "passports and visas for Qatar")])
    idx.add("b", [("b1", "border crossing pass for China"), ("b2", "visas for Iran")])
    assert {k for k, _ in idx.search("visas")} == {"a1", "b2"}  # caches the posting arrays
    idx.remove("b")
    assert [k for k, _ in idx.search("visas")] == ["a1"]
    assert idx.search("border crossing") == []
    assert len(idx) == 1


def test_replacing_a_group_keeps_only_new_units():
    idx = KeywordIndex()
    idx.add("a", [("old", "about 250 welders in Vladivostok")])
    idx.search("welders")
    idx.add("a", [("new", "about 320 welders in Vladivostok")])
    assert [k for k, _ in idx.search("welders Vladivostok")] == ["new"]


def test_negative_contractions_are_their_auxiliary_not_a_content_word():
    """"don't" is "do" + "n't": no stray term "don" that only contracted questions carry."""
    from qa.text import terms, words

    assert words("Why don't they? It won't. Workers' pay isn't") == [
        "why", "do", "they", "it", "will", "workers", "pay", "is"]
    assert terms("Why don't most workers want to go back home?") == terms("Why do most workers not want to return?")


def test_a_peoples_adjective_matches_its_country():
    """"Chinese factories" are factories in China: the question's name is not missing from the sentence."""
    from qa.answerability import proper_terms
    from qa.text import terms

    assert terms("Chinese garment factories")[0] == terms("in China")[0]
    assert proper_terms("Who fills the Chinese garment factories?") == terms("China")
    assert terms("North Korean workers") == terms("North Korea worker")


def test_a_questions_first_word_is_no_name_even_with_a_comma():
    from qa.answerability import proper_terms

    assert proper_terms("Normally, how long do workers stay in China?") == ["china"]
    assert proper_terms("Where do they work?") == []


def test_answer_types_seen_in_news_wording():
    """Durations spelled with 'a', quantities of goods, reasons given by 'citing' or 'meant to', and
    places after 'near the ...' are answers of their kind; a frequency is no duration."""
    from qa.answertype import sentence_has

    assert sentence_has("duration", "He said the selection took almost a year.")
    assert sentence_has("duration", "He spent four winters at the camp.")
    assert not sentence_has("duration", "They are paid twice a year.")
    assert sentence_has("amount", "Teams had a monthly quota of 450 cubic meters of timber.")
    assert sentence_has("reason", "Poland stopped issuing permits in 2016, citing concerns over forced labor.")
    assert sentence_has("reason", "The measure was meant to cut off a source of foreign currency.")
    assert sentence_has("place", "A restaurant near the Independence Monument was open.")


def test_when_inside_a_clause_does_not_make_a_when_question():
    from qa.answertype import question_type

    assert question_type("What exchange rate did the bureau use when it paid out the rubles?") == ""
    assert question_type("And when did it open them again?") == "date"
    assert question_type("Do you know when the border reopens?") == "when"
    assert question_type("So where are they sent?") == "place"


def test_age_who_place_and_when_answers_in_plain_words():
    from qa.answertype import question_type, sentence_has

    assert question_type("How old do you have to be to get picked?") == "age"
    assert sentence_has("age", "Applicants must be married men between 30 and 45 years old.")
    assert sentence_has("age", "Recruitment focuses on men in their 30s and 40s.")
    assert not sentence_has("age", "Teams of 40 men work in the camps.")
    assert sentence_has("who", "Her team leader kept her passport.")
    assert sentence_has("place", "The women live in dormitories inside the factory compounds.")
    assert sentence_has("when", "The rest was paid out only at the end of the contract.")
    assert sentence_has("reason", "The closure meant that workers could not be replaced.")
