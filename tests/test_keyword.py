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
