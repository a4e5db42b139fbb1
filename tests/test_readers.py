"""The readers on their own: HTML through real trafilatura, charsets, PDFs through real pypdf.
Checked against ParsedReport (report markdown + metadata), the interface the structure step reads."""
from __future__ import annotations

import pytest

from ingest.decode import decode_bytes
from ingest.readers import ReportError, parse_bytes

from .pdfwriter import encrypt_pdf, make_pdf

PARA1 = ("North Korea has continued to dispatch laborers to construction sites in Vladivostok, sources "
         "inside the country said this week, despite UN sanctions banning the practice since 2019.")
PARA2 = ("Recruiters in Sinuiju select workers who have family members at home, a guarantee that they "
         "will not defect while abroad. The workers must also pass a loyalty screening.")
PARA3 = ("The wages are largely paid to the state, with workers keeping only a small fraction of what "
         "they earn each month, according to the source.")

ARTICLE = f"""<!doctype html><html><head><meta charset="utf-8">
<title>Workers sent to Russia despite sanctions | Daily Example</title>
<meta property="og:site_name" content="Daily Example"><meta name="author" content="Kim Min-ji">
<meta property="article:published_time" content="2021-04">
<link rel="canonical" href="https://example.org/news/workers-abroad"></head>
<body><header><nav><a href="/">Home</a> <a href="/politics">Politics</a> <a href="/economy">Economy</a></nav></header>
<main><article><h1>Workers sent to Russia despite sanctions</h1>
<p>{PARA1}</p>
<h2>Recruitment in Sinuiju</h2>
<p>{PARA2}</p>
<ul><li>Married men are preferred by the recruiters.</li><li>Party members are given priority.</li></ul>
<figure><img src="/img/site.jpg" alt="a site"><figcaption>A dormitory for the workers in Khabarovsk in 2020.</figcaption></figure>
<table><tr><th>Country</th><th>Workers</th></tr><tr><td>Russia</td><td>30,000</td></tr><tr><td>China</td><td>50,000</td></tr></table>
<p>{PARA3}</p>
</article>
<aside><h3>Most read</h3><ul><li><a href="/a">Kim visits a fertilizer factory</a></li><li><a href="/b">Rice prices rise</a></li></ul></aside>
<section class="comments"><h3>Comments</h3><p>Great article, thanks for posting this! I always read your site.</p></section>
</main><footer><p>Copyright 2021 Daily Example. All rights reserved.</p></footer></body></html>"""


def blocks(body: str) -> list[str]:
    return [b for b in body.split("\n\n") if b]


def test_html_article_keeps_structure_and_metadata():
    parsed = parse_bytes(ARTICLE.encode(), "workers.html")
    assert parsed.meta == {"title": "Workers sent to Russia despite sanctions", "date": "2021-04",
                           "source": "https://example.org/news/workers-abroad", "outlet": "Daily Example",
                           "author": "Kim Min-ji"}
    b = blocks(parsed.body)
    assert b[0] == PARA1  # the title is metadata, not a first heading
    assert "## Recruitment in Sinuiju" in b
    assert "- Married men are preferred by the recruiters.\n- Party members are given priority." in b
    assert "Caption: A dormitory for the workers in Khabarovsk in 2020." in b
    assert "| Country | Workers |\n| Russia | 30,000 |\n| China | 50,000 |" in b
    assert b.index("## Recruitment in Sinuiju") < b.index(PARA2) < b.index(PARA3)
    for boilerplate in ("Home", "Most read", "fertilizer", "Great article", "All rights reserved"):
        assert boilerplate not in parsed.body


def test_html_without_markup_dates_gets_no_invented_date():
    page = f"<html><body><article><p>{PARA1}</p><p>{PARA3}</p></article><footer>Copyright 2019 Foo</footer></body></html>"
    parsed = parse_bytes(page.encode(), "no-date.html")
    assert "date" not in parsed.meta and parsed.meta["title"] == "no date"
    assert PARA1 in parsed.body and PARA3 in parsed.body


def test_bare_div_text_and_br_paragraphs_are_read():
    page = f"<html><body><div>{PARA1}<br><br>{PARA2}</div><div>{PARA3}</div></body></html>"
    body = parse_bytes(page.encode(), "bare.html").body
    for para in (PARA1, PARA2, PARA3):
        assert para in body
    # Inline tags in loose text: trafilatura cuts the text at them; the sentence stays whole.
    loose = PARA1.replace("laborers", "<b>laborers</b>").replace("UN sanctions", "<i>UN</i> sanctions")
    page = f"<html><body><div>{loose}<br><br>{PARA2}</div></body></html>"
    assert PARA1 in blocks(parse_bytes(page.encode(), "bare.html").body)


def test_page_of_links_only_is_refused():
    links = "".join(f'<li><a href="/n{i}">Headline number {i} about the economy today</a></li>' for i in range(30))
    page = f"<html><body><div class='menu'><a href='/'>Home</a> | <a href='/n'>News</a></div><ul>{links}</ul></body></html>"
    with pytest.raises(ReportError, match=r"nav\.html: no readable text .*links"):
        parse_bytes(page.encode(), "nav.html")


def test_empty_and_binary_html_are_refused():
    with pytest.raises(ReportError, match="empty"):
        parse_bytes(b"  \n", "empty.html")
    with pytest.raises(ReportError, match="binary"):
        parse_bytes(bytes(range(256)) * 50, "data.html")
    with pytest.raises(ReportError, match="binary"):
        parse_bytes(bytes((i * 37 + 11) % 256 for i in range(20000) if (i * 37 + 11) % 256), "noise.html")


# --- charsets ---------------------------------------------------------------------------------

LATIN = "Les ouvriers nord-coréens à Vladivostok reçoivent très peu d’argent, a déclaré une source."


@pytest.mark.parametrize("declaration", ['<meta charset="iso-8859-1">',
                                         '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'])
def test_declared_non_utf8_charset_is_honoured(declaration):
    page = f"<html><head>{declaration}<title>Ouvriers</title></head><body><article><p>{LATIN}</p><p>{LATIN}</p></article></body></html>"
    parsed = parse_bytes(page.encode("cp1252"), "latin.html")
    assert LATIN in parsed.body  # the curly apostrophe is 0x92 in windows-1252 (pages labelled latin-1 use it too)
    assert not parsed.warnings


def test_http_charset_wins_over_a_wrong_meta_and_bom_wins_over_both():
    page = f"<html><head><meta charset='utf-8'></head><body><p>{LATIN}</p></body></html>"
    text, warnings = decode_bytes(page.encode("cp1252"), "x.html", declared="windows-1252", html=True)
    assert LATIN in text and not warnings
    text, _ = decode_bytes(b"\xef\xbb\xbf" + page.encode("utf-8"), "x.html", declared="windows-1252", html=True)
    assert LATIN in text
    text, _ = decode_bytes(page.encode("utf-16"), "x.html", html=True)  # BOM + UTF-16
    assert LATIN in text


def test_undeclared_charset_is_detected_with_a_warning():
    text = ("Title: Ouvriers\n\n" + LATIN + "\n") * 5
    parsed = parse_bytes(text.encode("cp1252"), "latin.txt")
    assert LATIN in parsed.body and parsed.meta["title"] == "Ouvriers"
    assert any("not UTF-8" in w for w in parsed.warnings)


def test_wrong_declared_charset_still_reads():
    page = f"<html><head><meta charset='utf-8'></head><body><article><p>{LATIN}</p><p>{LATIN}</p></article></body></html>"
    parsed = parse_bytes(page.encode("cp1252"), "wrong.html")
    assert "ouvriers nord-cor" in parsed.body
    assert any("does not fit" in w for w in parsed.warnings)


# --- PDF --------------------------------------------------------------------------------------

PAGE1 = ["UN Panel of Experts: workers abroad", "", "North Korean workers were seen at a shipyard",
         "in Vladivostok in March 2023, the panel said."]
PAGE2 = ["The panel counted about 250 welders at the site.", "They were paid once every three months."]


def test_pdf_pages_each_end_with_a_form_feed_with_info_metadata():
    data = make_pdf([PAGE1, PAGE2], info={"Title": "Panel report on overseas workers", "Author": "UN Panel",
                                          "CreationDate": "D:20230412093000+09'00'"})
    parsed = parse_bytes(data, "panel.pdf")
    assert parsed.body.endswith("\f")
    pages = parsed.body.split("\f")[:-1]
    assert len(pages) == 2
    assert "shipyard" in pages[0] and "Vladivostok" in pages[0] and "250 welders" in pages[1]
    assert "in Vladivostok in March 2023, the panel said." in pages[0].split("\n")  # lines kept as lines
    assert parsed.meta == {"title": "Panel report on overseas workers", "author": "UN Panel", "date": "2023-04-12"}


def test_pdf_without_info_title_uses_its_first_line():
    parsed = parse_bytes(make_pdf([PAGE1], info={"Title": "Microsoft Word - draft3.docx"}), "x.pdf")
    assert parsed.meta["title"] == "UN Panel of Experts: workers abroad"


def test_a_one_page_pdf_is_paged_too():
    from ingest import prepare_report

    report = prepare_report(parse_bytes(make_pdf([PAGE1]), "one.pdf"), "one.pdf")
    assert report.passages and all(p.page == 1 for p in report.passages)


def test_scanned_encrypted_and_damaged_pdfs_are_refused_each_with_its_reason():
    good = make_pdf([PAGE1, PAGE2])
    with pytest.raises(ReportError, match=r"scan\.pdf: the PDF has no text layer"):
        parse_bytes(make_pdf([PAGE1, PAGE2], text_layer=False), "scan.pdf")
    with pytest.raises(ReportError, match=r"locked\.pdf: the PDF is encrypted"):
        parse_bytes(encrypt_pdf(good, user_password="secret"), "locked.pdf")
    with pytest.raises(ReportError, match=r"cut\.pdf: the PDF is damaged"):
        parse_bytes(good[: len(good) // 2], "cut.pdf")
    with pytest.raises(ReportError, match=r"fake\.pdf: not a PDF"):
        parse_bytes(b"<html>not a pdf</html>", "fake.pdf")


def test_pdf_encrypted_only_against_editing_is_read():
    parsed = parse_bytes(encrypt_pdf(make_pdf([PAGE1, PAGE2]), user_password=""), "restricted.pdf")
    assert "250 welders" in parsed.body


def test_list_and_subheading_inside_a_drupal_body_are_kept():
    # trafilatura's default extraction drops this <ol> and <h3> (class field--name-body); its
    # recall mode keeps them, and what lies between kept paragraphs is taken from it.
    page = f"""<html><body><div class="menu"><a href="/a">Meetings Coverage</a> <a href="/b">Press Releases</a></div>
    <h1>Panel says workers still earn revenue</h1><div class="field--name-body"><p>{PARA1}</p>
    <p>It identified the following patterns:</p><ol><li>The use of front companies to sign labor contracts;</li>
    <li>Rotation of workers every six months.</li></ol><h3>Information technology workers</h3><p>{PARA3}</p></div>
    <div class="footer"><a href="/c">Fraud alert</a> <a href="/t">Terms of use</a></div></body></html>"""
    b = blocks(parse_bytes(page.encode(), "un.html").body)
    assert "1. The use of front companies to sign labor contracts;\n2. Rotation of workers every six months." in b
    assert b.index("### Information technology workers") == b.index(PARA3) - 1
    assert not any("Fraud alert" in x or "Meetings Coverage" in x for x in b)


def test_layout_table_is_read_as_text_and_menu_lines_dropped():
    page = f"""<html><body><table><tr><td><a href="/">Home</a><br><a href="/archive">Bulletin archive</a></td>
    <td><p>{PARA1}</p><p>{PARA2}</p></td></tr></table>
    <div class="links"><a href="/">Testimonies</a> | <a href="/about">About this archive</a></div></body></html>"""
    b = blocks(parse_bytes(page.encode(), "old.html").body)
    assert PARA1 in b and PARA2 in b  # paragraphs, not one table row
    assert not any(x.startswith("|") or "About this archive" in x for x in b)


def test_fallback_reader_marks_structure_and_skips_link_lists():
    # The BeautifulSoup reader runs when trafilatura returns nothing (e.g. pages over its size
    # limit); in fallback mode it writes report markdown too.
    from ingest.html_fallback import parse_html_bs4

    page = f"""<html><head><title>Workers abroad</title></head><body><div class="x"><ul><li><a href="/1">Home</a></li>
    <li><a href="/2">World news and more</a></li></ul></div><h2>Recruitment</h2><p>{PARA2}</p>
    <ul><li>Married men are preferred.</li></ul><figure><img src="a.jpg"><figcaption>A dormitory in Khabarovsk.</figcaption></figure>
    <table><tr><td>Russia</td><td>30,000</td></tr></table></body></html>"""
    b = blocks(parse_html_bs4(page, "p.html").body)
    assert b == ["## Recruitment", PARA2, "- Married men are preferred.", "Caption: A dormitory in Khabarovsk.", "| Russia | 30,000 |"]
    legacy = blocks(parse_html_bs4(page, "p.html", legacy=True).body)
    assert "Home" in legacy and "Recruitment" in legacy  # the old reader, kept as the bench's baseline
