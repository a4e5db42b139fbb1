"""Structure in passages (issue 10.5), pure: paragraphs, headings, items, captions, end matter, pages."""
from ingest import ParsedReport, prepare_report
from ingest.chunking import chunk_sentences
from ingest.clean import caption_core, is_end_matter
from ingest.structure import structure


def units_of(body: str) -> list[tuple[str, str, str, str]]:
    """(kind, text, heading, context) of every unit, checking that each span slices the text."""
    st = structure(body)
    out = []
    for u in st.units:
        piece = st.text[u.start : u.end]
        assert piece == piece.strip() and piece
        out.append((u.kind, piece, u.heading, u.context))
    return out


def texts(body: str, kind: str | None = None) -> list[str]:
    return [t for k, t, _, _ in units_of(body) if kind is None or k == kind]


def test_hard_wrapped_lines_are_joined_into_paragraphs():
    body = ("Officials in the province say that North Korean\n"
            "crews have worked at the port for years, and\n"
            "Many\n"
            "of them never leave the site.\n\n"
            "  An indented line starts a new paragraph.\n"
            "A second paragraph, unindented, continues\n"
            "here.\n"
            "    A deeper indent starts a third one.")
    got = texts(body)
    assert "Many" not in got, "a short wrapped line is not a sentence of its own"
    assert texts("A long-\nterm contract was signed.") == ["A long-term contract was signed."]
    assert got[0] == ("Officials in the province say that North Korean crews have worked at the port for years, "
                      "and Many of them never leave the site.")
    assert got[1:] == ["An indented line starts a new paragraph.", "A second paragraph, unindented, continues here.",
                       "A deeper indent starts a third one."]


def test_heading_lines_plain_and_markdown():
    body = ("North Korea sends crews abroad, a source said.\n\n"
            "Background\n\n"
            "Crews have gone to Russia since the 1960s.\n\n"
            "## Pay and hours\n\n"
            "Workers keep a third of their wages.\n\n"
            "Key findings\n"
            "The survey of former workers, carried out over two years, found long hours.")
    units = units_of(body)
    headings = [t for k, t, _, _ in units if k == "heading"]
    assert headings == ["Background", "Pay and hours", "Key findings"]
    st = structure(body)
    assert "##" not in st.text and "\nPay and hours\n" in st.text, "headings stay in the text as lines, without '#'"
    by_text = {t: h for _, t, h, _ in units}
    assert by_text["North Korea sends crews abroad, a source said."] == ""
    assert by_text["Crews have gone to Russia since the 1960s."] == "Background"
    assert by_text["Workers keep a third of their wages."] == "Pay and hours"
    assert by_text["The survey of former workers, carried out over two years, found long hours."] == "Key findings"


def test_sentence_like_short_lines_are_not_headings():
    # Ends with punctuation, a byline, a page number, or the last line: all body text.
    for line in ("They left.", "By Kim Min-ji", "12", "Workers said:"):
        kinds = [k for k, _, _, _ in units_of(f"{line}\n\nThe crews left in May.")]
        assert kinds[0] != "heading", line
    assert [k for k, _, _, _ in units_of("The crews left in May.\n\nStill here")] == ["body", "body"]


def test_a_question_opening_a_paragraph_heads_it():
    body = ("Who organises the work? Workers are sent by state trading companies. Each answers to a ministry.\n\n"
            "Why does it matter? Because the money funds the state.\n\n"
            "The crews kept asking one thing. \"When do we go home?\" one said.\n\n"
            "Is this legal? No.")
    units = units_of(body)
    assert units[0][:2] == ("heading", "Who organises the work?")
    under = [h for _, t, h, _ in units if t.startswith(("Workers are sent", "Each answers"))]
    assert under == ["Who organises the work?"] * 2
    by_text = {t: (k, h) for k, t, h, _ in units}
    assert by_text["Because the money funds the state."] == ("body", "Why does it matter?")
    # a quoted question is someone speaking; a question alone in its paragraph heads nothing
    assert by_text["The crews kept asking one thing."] == ("body", "")
    assert "heading" not in {k for k, t, _, _ in units if "go home" in t}
    assert by_text["No."] == ("body", "Is this legal?")
    assert [k for k, _, _, _ in units_of("How long will they stay?\n\nNobody knows.")] == ["body", "body"]


def test_bullets_stay_items_and_keep_their_lead_in():
    body = ("Former workers listed the main hardships:\n"
            "- Passports are collected on arrival.\n"
            "- Wages are paid only when the contract\n"
            "  ends, and in cash.\n"
            "* Phones are banned\n\n"
            "Key points:\n\n"
            "1. Shifts last twelve hours.\n"
            "2. One day off a month.")
    units = units_of(body)
    items = [(t, c) for k, t, _, c in units if k == "item"]
    assert items == [
        ("Passports are collected on arrival.", "Former workers listed the main hardships:"),
        ("Wages are paid only when the contract ends, and in cash.", "Former workers listed the main hardships:"),
        ("Phones are banned", "Former workers listed the main hardships:"),
        ("Shifts last twelve hours.", "Key points:"),
        ("One day off a month.", "Key points:"),
    ]
    assert [t for k, t, _, _ in units if k == "lead_in"] == ["Former workers listed the main hardships:", "Key points:"]
    assert "- Passports are collected on arrival.\n- Wages" in structure(body).text, "one item per line"


def test_a_number_starting_a_wrapped_line_is_not_an_item():
    body = "The company hired about\n250. Then it stopped hiring."
    assert texts(body) == ["The company hired about 250.", "Then it stopped hiring."]


def test_table_rows_are_units_with_their_header_row():
    body = "Workers by country:\n\n| Country | Workers |\n|---|---|\n| Russia | 20,000 |\n| China | 50,000 |"
    units = units_of(body)
    assert [(k, t, c) for k, t, _, c in units if k == "row"] == [
        ("row", "| Russia | 20,000 |", "| Country | Workers |"), ("row", "| China | 50,000 |", "| Country | Workers |")]
    assert ("lead_in", "| Country | Workers |") in [(k, t) for k, t, _, _ in units]
    assert "|---|" not in structure(body).text


def test_captions_are_kept_and_flagged_without_their_credit():
    body = ("Workers arrived in May.\n"
            "A dormitory under construction in Tynda, Russia. Image = Daily NK source\n"
            "Image = Daily NK source\n\n"
            "Caption: The sawmill was built by a Chinese firm in 2009.\n\n"
            "Photo: Workers at a camp in Tynda\n\n"
            "Photo caption: Workers leave a factory in Shenyang. (File photo)\n\n"
            "He said the officials showed him photos by\n"
            "a local journalist.")
    units = units_of(body)
    assert [t for k, t, _, _ in units if k == "caption"] == [
        "A dormitory under construction in Tynda, Russia.", "The sawmill was built by a Chinese firm in 2009.",
        "Workers at a camp in Tynda", "Workers leave a factory in Shenyang."]
    text = structure(body).text
    assert "Caption: The sawmill" in text and text.count("Image = Daily NK source") == 1, "a bare credit line is dropped"
    assert "He said the officials showed him photos by a local journalist." in [t for k, t, _, _ in units if k == "body"]


def test_caption_core_needs_a_finished_sentence_before_a_credit():
    assert caption_core("he showed photos by") is None
    assert caption_core("Photo: Reuters") is None
    line = "A restaurant in Hanoi. Photo: Fixture archive"
    s, e = caption_core(line)
    assert line[s:e] == "A restaurant in Hanoi."


def test_a_body_sentence_never_cuts_the_rest_of_a_report():
    body = ("Workers were sent to a remote logging camp in the Amur region.\n\n"
            "The camp can be reached at the end of a dirt road.\n\n"
            "Most of the men stay for three years.\n\n"
            "They send money home twice a year.\n\n"
            "*Translated by S & J\n"
            "Please direct any comments or questions about this article to desk@example.org.\n"
            "Read in Korean\n\n"
            "Kim Min-ji is one of our reporters. She can be reached at kim(at)example.org.")
    text = structure(body).text
    assert "dirt road" in text and "three years" in text and "twice a year" in text
    for junk in ("Translated", "Please direct", "Read in Korean", "reporters", "kim(at)"):
        assert junk not in text, junk
    assert not is_end_matter("The camp can be reached at the end of a dirt road.")
    assert is_end_matter("She can be reached at kim(at)example.org.")
    assert is_end_matter("For tips and corrections, email newsdesk@example.org")


def test_only_a_trailing_run_with_real_sign_off_is_end_matter():
    # A bio-like last paragraph alone is body text; a sign-off line mid-report is kept too.
    body = ("Kim is a former reporter for the state newspaper, now in Seoul.\n\n"
            "Edited by the party, the paper printed the order in May.\n\n"
            "Lee is a former editor of a provincial paper.")
    assert texts(body) == ["Kim is a former reporter for the state newspaper, now in Seoul.",
                           "Edited by the party, the paper printed the order in May.",
                           "Lee is a former editor of a provincial paper."]
    body = "The crews left in May.\n\nRead in Korean\n\nThey came back in June.\n\nRelated articles"
    assert texts(body) == ["The crews left in May.", "They came back in June."], "navigation lines go anywhere"


def test_a_caption_after_the_sign_off_is_kept():
    body = ("Crews worked on the tower for two years.\n\n"
            "Translated by Kim Ji-hye\nFor tips and corrections, email newsdesk@example.org\n"
            "Image: A construction site in Dubai, United Arab Emirates. (File photo)")
    units = units_of(body)
    assert [(k, t) for k, t, _, _ in units] == [
        ("body", "Crews worked on the tower for two years."),
        ("caption", "A construction site in Dubai, United Arab Emirates.")]


def test_pdf_pages_from_form_feeds():
    body = ("Summary\n\nThe panel found 100 workers in the port.\n1\n\f"
            "Page 2 of 3\nThe workers were paid in cash by a company that\n\f"
            "kept their passports.\n\n## Annex\n\nA list of ships follows.\n\f")
    st = structure(body)
    pages = {st.text[u.start : u.end]: u.page for u in st.units}
    assert pages == {
        "Summary": 1,
        "The panel found 100 workers in the port.": 1,
        "The workers were paid in cash by a company that kept their passports.": 2,  # joined across the break
        "Annex": 3, "A list of ships follows.": 3,
    }
    assert "\f" not in st.text and "Page 2 of 3" not in st.text and "port.\n1" not in st.text
    assert all(u.page is None for u in structure("No pages here.\n\nNone at all.").units)
    assert [u.page for u in structure("A one-page PDF ends with a form feed.\f").units] == [1]


def test_prepared_report_offsets_headings_pages_and_kinds():
    body = ("Intro line of the report, which says what it covers.\n\n## Conditions\n\n"
            + " ".join(f"Sentence {i} about the camp and its barracks." for i in range(12))
            + "\n\nThe men listed:\n- cold barracks\n- no doctor\n\nCaption: The camp's sawmill in Tynda.\n\f"
            + "## Pay\n\n" + " ".join(f"Pay sentence {i} about wages and deductions." for i in range(12)) + "\n")
    report = prepare_report(ParsedReport(body=body, meta={"title": "Camps"}), "camps.pdf")
    text = report.record.text
    for p in report.passages:
        assert text[p.start : p.end] == p.text
    for s in report.sentences:
        assert text[s.start : s.end] == s.text
    assert [s.index for s in report.sentences] == list(range(len(report.sentences)))
    by_text = {s.text: s for s in report.sentences}
    assert by_text["Conditions"].kind == "heading"
    assert by_text["cold barracks"].kind == "item" and by_text["cold barracks"].context == "The men listed:"
    assert by_text["The men listed:"].kind == "lead_in"
    assert by_text["The camp's sawmill in Tynda."].kind == "caption"
    assert by_text["Pay sentence 3 about wages and deductions."].heading == "Pay"
    assert by_text["Pay sentence 3 about wages and deductions."].page == 2
    assert by_text["Sentence 3 about the camp and its barracks."].page == 1
    pay = [p for p in report.passages if p.heading == "Pay"]
    assert pay and pay[0].text.startswith("Pay\n\n") and pay[0].page == 2, "a heading starts its passage"
    for p in report.passages[:-1]:
        last = next(s for s in report.sentences if s.end == p.end) if any(s.end == p.end for s in report.sentences) else None
        assert last is None or last.kind not in ("heading", "lead_in"), "no passage ends on a heading or lead-in"


def test_chunker_breaks_before_sections_and_never_ends_on_a_sticky_unit():
    text = "\n\n".join(["A" * 120 + ".", "Heading", "B" * 120 + ".", "C" * 400 + "."])
    spans, pos = [], 0
    for piece in text.split("\n\n"):
        start = text.index(piece, pos)
        spans.append((start, start + len(piece)))
        pos = start + len(piece)
    chunks = chunk_sentences(text, spans, sections=frozenset({1}), sticky=frozenset({1}))
    assert chunks[0].sentences == (0,) and chunks[1].sentences[0] == 1, "the heading opens a passage"
    plain = chunk_sentences(text, spans)
    assert plain[0].sentences[:2] == (0, 1), "without sections the old behaviour stays"


def test_markdown_quotes_emphasis_and_a_repeated_title():
    body = ("# Loggers in Siberia\n\n> Workers said the camp was\n> far from any town.\n\n"
            "## **Pay**\n\nWages are paid in cash.")
    st = structure(body, title="Loggers in Siberia")
    assert st.text == "Workers said the camp was far from any town.\n\nPay\n\nWages are paid in cash."
    assert [u.kind for u in st.units] == ["body", "heading", "body"]
    assert structure(body).text.startswith("Loggers in Siberia\n\n"), "without the title the heading stays"
    setext = structure("Background\n==========\n\nCrews left in May.\n\nPay\n---\nWages are low.")
    assert [(u.kind, u.heading) for u in setext.units] == [
        ("heading", "Background"), ("body", "Background"), ("heading", "Pay"), ("body", "Pay")]


def test_an_item_is_quoted_with_its_lead_in_only_where_the_passage_holds_it():
    from qa.extractive import quotations
    from qa.types import Candidate

    def item(i: int, chunk: str, text: str) -> Candidate:
        return Candidate(f"s{i}", "d", chunk, i, 0, 0, text, kind="item", lead_in="The men listed:")

    a, b = item(1, "p0", "cold barracks"), item(2, "p0", "no doctor")
    assert quotations([a, b], {"p0": "The men listed:\n- cold barracks\n- no doctor"}) == [
        "The men listed: cold barracks.", "no doctor."]
    assert quotations([item(9, "p1", "no pay")], {"p1": "- no pay"}) == ["no pay."]
    caption = Candidate("s3", "d", "p0", 3, 0, 0, "The sawmill in Tynda", kind="caption")
    assert quotations([caption]) == ["Caption: The sawmill in Tynda."]


def test_markdown_inline_markup_images_and_links_are_layout():
    body = ("Workers said **most** of the pay went to [the company](https://example.org/a_(b)).\n\n"
            "![The sawmill near Tynda](sawmill.jpg)\n\n![](logo.png)\n\n---\n* * *\n\n*Translated by S & J")
    st = structure(body)
    assert st.text == "Workers said most of the pay went to the company.\n\nCaption: The sawmill near Tynda"
    assert [u.kind for u in st.units] == ["body", "caption"]


def test_real_trafilatura_markdown():
    """What the HTML reader hands over (trafilatura's markdown) reads into the same structure."""
    trafilatura = __import__("pytest").importorskip("trafilatura")
    html = """<html><body><nav>Home | World</nav><article><h1>Loggers in Siberia</h1>
    <p>North Korean loggers in Tynda work twelve-hour shifts, a defector said.</p>
    <h2>Pay and hours</h2><p>Wages are paid at the end of the contract, most of it to the state company.</p>
    <p>Former workers listed the hardships:</p><ul><li>Passports are taken on arrival.</li>
    <li>Phones are banned in the camp.</li></ul>
    <table><tr><th>Country</th><th>Workers</th></tr><tr><td>Russia</td><td>20,000</td></tr></table>
    <p>The camp can be reached at the end of a dirt road, the defector said.</p></article></body></html>"""
    md = trafilatura.extract(html, output_format="markdown", include_tables=True, favor_recall=True)
    st = structure(md, title="Loggers in Siberia")
    got = [(u.kind, st.text[u.start : u.end], u.heading, u.context) for u in st.units]
    assert got == [
        ("body", "North Korean loggers in Tynda work twelve-hour shifts, a defector said.", "", ""),
        ("heading", "Pay and hours", "Pay and hours", ""),
        ("body", "Wages are paid at the end of the contract, most of it to the state company.", "Pay and hours", ""),
        ("lead_in", "Former workers listed the hardships:", "Pay and hours", ""),
        ("item", "Passports are taken on arrival.", "Pay and hours", "Former workers listed the hardships:"),
        ("item", "Phones are banned in the camp.", "Pay and hours", "Former workers listed the hardships:"),
        ("lead_in", "| Country | Workers |", "Pay and hours", ""),
        ("row", "| Russia | 20,000 |", "Pay and hours", "| Country | Workers |"),
        ("body", "The camp can be reached at the end of a dirt road, the defector said.", "Pay and hours", ""),
    ]


PDF_PAGE = [  # a PDF page as pypdf gives it: lines, no blank line between paragraphs or headings
    "According to the panel, the workers were sent abroad by the Korea Rungra 888 company and paid",
    "through a bank in Dandong, which kept most of their wages for the state.",
    "Workers in Mongolia",
    "According to one Member State, about 500 North Korean workers were still in Mongolia in 2023",
    "and worked for construction companies around Ulaanbaatar under contracts signed in 2019.",
]


def test_a_pdf_heading_line_is_not_glued_to_the_sentence_under_it():
    st = structure("\n".join(PDF_PAGE) + "\n\f")
    units = [(u.kind, st.text[u.start : u.end], u.heading) for u in st.units]
    assert ("heading", "Workers in Mongolia", "Workers in Mongolia") in units
    said = next(t for k, t, _ in units if t.startswith("According to one Member State"))
    assert ("body", said, "Workers in Mongolia") in units
    assert not any("Mongolia According" in t for _, t, _ in units)
    # Hard-wrapped prose is not cut: a line is that much shorter than the next only at a heading.
    prose = ("The workers were paid in cash.\nSome of them sent the money home through brokers who took a\n"
             "third of it, a source in Dandong said on Monday.")
    assert [u.kind for u in structure(prose).units] == ["body", "body"]


def test_a_pdf_heading_reaches_the_passage_and_its_sentences(tmp_path):
    from ingest.readers import parse_bytes

    from .pdfwriter import make_pdf

    parsed = parse_bytes(make_pdf([PDF_PAGE * 3]), "panel.pdf")
    report = prepare_report(parsed, "panel.pdf")
    said = [s for s in report.sentences if s.text.startswith("According to one Member State")]
    assert said and all(s.heading == "Workers in Mongolia" for s in said)
    assert not any("Mongolia According" in p.text for p in report.passages)


def test_a_markdown_byline_feeds_the_date_and_is_never_a_heading():
    from ingest.readers import parse_text

    md = ("# North Korean workers in Mongolia\n\n*Published 10 February 2024 by Jane Doe*\n\n"
          "About 500 North Korean workers were still in Mongolia last year, a source said.\n\n"
          "The workers build apartment blocks in Ulaanbaatar.\n")
    parsed = parse_text(md, "mongolia.md")
    assert parsed.meta["date"] == "2024-02-10" and parsed.meta["author"] == "Jane Doe"
    assert parsed.meta["title"] == "North Korean workers in Mongolia"
    report = prepare_report(parsed, "mongolia.md")
    assert report.record.date == "2024-02-10" and "Published" not in report.record.text
    assert all(s.kind != "heading" and not s.heading for s in report.sentences)

    piped = parse_text("Workers in Mongolia\n\nBy Jane Doe | 3 March 2023\n\nAbout 500 workers stayed, a source said.\n",
                       "w.md")
    assert piped.meta["date"] == "2023-03-03" and piped.meta["author"] == "Jane Doe" and "By Jane" not in piped.body
    header = parse_text("Title: Workers\nDate: 2021-04\n\n*Published 10 February 2024*\n\nThe workers left.\n", "w.md")
    assert header.meta["date"] == "2021-04", "the header's date wins"
    # Further down, a byline-like line stays text, but never heads a section.
    late = structure("The workers left.\n\nUpdated 12 March 2024\n\nMore workers arrived in May.")
    assert [u.kind for u in late.units] == ["body", "body", "body"]


def test_sentences_that_only_look_like_bylines_stay_text():
    from ingest.byline import parse_byline
    from ingest.readers import parse_text

    for line in ("By Monday, workers had left.", "By Monday, 10 February 2024, the workers had left the site.",
                 "Published by the UN in 2024", "In February 2024 the workers left", "by the end of 2023"):
        assert parse_byline(line) is None, line
    parsed = parse_text("Title: Workers\n\nBy Monday, 10 February 2024, the workers had left the site.\n", "w.txt")
    assert "By Monday" in parsed.body and "date" not in parsed.meta


def test_megabyte_items_headings_and_header_rows_are_capped():
    from ingest.chunking import MAX_PASSAGE_CHARS, MAX_SENTENCE_CHARS
    from ingest.structure import MAX_CONTEXT_CHARS, MAX_HEADING_CHARS

    words = "north korean workers were paid in cash by the company " * 2000
    body = (f"# {words}\n\nThe men listed:\n\n- {words}\n- no doctor\n\n| {words} | pay |\n|---|---|\n| Kazan | 400 |\n")
    report = prepare_report(ParsedReport(body=body, meta={"title": "Caps"}), "caps.md")
    assert max(len(s.text) for s in report.sentences) <= MAX_SENTENCE_CHARS
    assert max(len(p.text) for p in report.passages) <= MAX_PASSAGE_CHARS
    assert all(len(s.heading) <= MAX_HEADING_CHARS and len(s.context) <= MAX_CONTEXT_CHARS + 1 for s in report.sentences)
    kinds = {s.kind for s in report.sentences}
    assert {"item", "row", "lead_in"} <= kinds and "heading" not in kinds
    assert any(s.text == "no doctor" and s.context == "The men listed:" for s in report.sentences)
