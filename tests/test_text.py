"""Tokenising and names: pure, no I/O."""
from qa.answerability import proper_terms
from qa.text import terms, words


def test_negative_contractions_are_their_auxiliary_not_a_content_word():
    """"don't" is "do" + "n't": no stray term "don" that only contracted questions carry."""
    assert words("Why don't they? It won't. Workers' pay isn't") == [
        "why", "do", "they", "it", "will", "workers", "pay", "is"]
    assert terms("Why don't most workers want to go back home?") == terms("Why do most workers not want to return?")


def test_a_peoples_adjective_matches_its_country():
    """"Chinese factories" are factories in China: the question's name is not missing from the sentence."""
    assert terms("Chinese garment factories")[0] == terms("in China")[0]
    assert proper_terms("Who fills the Chinese garment factories?") == terms("China")
    assert terms("North Korean workers") == terms("North Korea worker")


def test_a_questions_first_word_is_no_name_even_with_a_comma():
    assert proper_terms("Normally, how long do workers stay in China?") == ["china"]
    assert proper_terms("Where do they work?") == []
