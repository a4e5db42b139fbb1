from ingest.header import normalize_date, parse_header


def test_header_with_month_date():
    h = parse_header("Title: A report\nDate: 2021-04\nSource: https://x.org/a\nOutlet: Daily NK\nAuthor: Kim\n\nBody text.")
    assert h.meta == {"title": "A report", "date": "2021-04", "source": "https://x.org/a", "outlet": "Daily NK", "author": "Kim"}
    assert h.body == "Body text."
    assert h.warnings == []


def test_all_three_date_forms_keep_their_precision():
    assert normalize_date("2021") == "2021"
    assert normalize_date("2021-04") == "2021-04"
    assert normalize_date("2021-04-09") == "2021-04-09"
    assert normalize_date("2021-04-09T10:00:00Z") == "2021-04-09"
    assert normalize_date("April 2021") == "2021-04"
    assert normalize_date("2021-13") is None
    assert normalize_date("someday") is None


def test_no_header_means_all_body():
    text = "North Korea sends workers abroad.\n\nMore text."
    h = parse_header(text)
    assert h.meta == {} and h.body == text


def test_header_needs_blank_line_and_known_key():
    assert parse_header("Note: hi\n\nBody").meta == {}
    assert parse_header("Title: x\nBody continues here").meta == {}


def test_bad_date_is_dropped_with_warning():
    h = parse_header("Title: T\nDate: sometime in spring\n\nBody")
    assert "date" not in h.meta and h.meta["title"] == "T"
    assert any("date" in w for w in h.warnings)
