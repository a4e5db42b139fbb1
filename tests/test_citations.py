from qa.citations import check_citations, number_sources, renumber


def test_numbers_follow_first_use():
    assert number_sources(["b", "a", "b", "c"]) == {"b": 1, "a": 2, "c": 3}


def test_check_finds_dangling_and_unused():
    assert check_citations("x [1] y [3]", [1, 2]) == ({3}, {2})


def test_renumber_drops_unknown_and_compacts():
    text, order = renumber("A [2]. B [7]. C [2][4].", {2, 4})
    assert text == "A [1]. B. C [1][2]."
    assert order == [2, 4]
