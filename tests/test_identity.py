from ingest.identity import content_hash, doc_id_for


def test_doc_id_from_url_is_stable_and_ignores_www_and_trailing_slash():
    a = doc_id_for("https://www.dailynk.com/english/some-story/", "a.txt")
    b = doc_id_for("https://dailynk.com/english/some-story", "other-name.txt")
    assert a == b and a.startswith("some-story-")


def test_doc_id_from_file_name_without_url():
    assert doc_id_for(None, "report.txt") == doc_id_for("", "report.txt")
    assert doc_id_for(None, "report.txt") != doc_id_for(None, "report2.txt")


def test_content_hash_changes_with_text_or_metadata():
    h = content_hash("text", {"title": "t"})
    assert h == content_hash("text", {"title": "t"})
    assert h != content_hash("text!", {"title": "t"})
    assert h != content_hash("text", {"title": "u"})
