#!/usr/bin/env python3
"""Build the blind set's PDF report from its source text (stdlib only).

Source: bench/blind/pdf_source/<name>.txt -- a header block (Title:, Date:,
Author:, Subject:), a blank line, then the body with paragraphs separated by
blank lines. Output: bench/blind/corpus/<name>.pdf with a real text layer:
Helvetica Type1 fonts, one Tj per wrapped line, Info dictionary with /Title and
/CreationDate, and a correct xref table.
"""
import os
import sys
import textwrap

# The set's folder: --dir DIR, or this file's own folder (bench/blind/).
HERE = os.path.abspath(sys.argv[sys.argv.index("--dir") + 1]) if "--dir" in sys.argv else os.path.dirname(os.path.abspath(__file__))
SRC_DIR = os.path.join(HERE, "pdf_source")
OUT_DIR = os.path.join(HERE, "corpus")

PAGE_W, PAGE_H = 612, 792
MARGIN = 72
BODY_SIZE, HEAD_SIZE = 11, 13
LEADING = 15
WRAP = 78
MAX_LINES = 38


def esc(s):
    return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def parse(path):
    with open(path, encoding="ascii") as f:
        text = f.read()
    head, body = text.split("\n\n", 1)
    meta = {}
    for line in head.splitlines():
        k, v = line.split(":", 1)
        meta[k.strip().lower()] = v.strip()
    paras = [p.strip() for p in body.split("\n\n") if p.strip()]
    return meta, paras


def is_heading(p):
    # a short single line with no final full stop is a heading
    return "\n" not in p and len(p) < 70 and not p.endswith(".")


def layout(paras):
    """Return a list of pages; each page a list of (font, size, text) or None for a gap."""
    items = []
    for p in paras:
        lines = p.splitlines()
        if len(lines) > 1 and all(len(l) < 70 for l in lines):
            # a cover block: keep its lines, the first one bold
            items.append(("F2", HEAD_SIZE + 5, lines[0]))
            items.extend(("F1", BODY_SIZE + 1, l) for l in lines[1:])
        elif is_heading(p):
            items.append(("F2", HEAD_SIZE, p))
        else:
            for line in textwrap.wrap(" ".join(p.split()), WRAP,
                                      break_on_hyphens=False, break_long_words=False):
                items.append(("F1", BODY_SIZE, line))
        items.append(None)
    pages, cur = [], []
    for it in items:
        if it is None and not cur:
            continue
        # keep a heading with the line after it
        if len(cur) >= MAX_LINES or (it and it[0] == "F2" and len(cur) >= MAX_LINES - 2):
            pages.append(cur)
            cur = []
            if it is None:
                continue
        cur.append(it)
    if cur:
        pages.append(cur)
    return pages


def content_stream(page, number, total, title):
    out = ["BT", "/F1 %d Tf" % BODY_SIZE, "%d %d Td" % (MARGIN, PAGE_H - MARGIN)]
    first = True
    for it in page:
        if it is None:
            out.append("0 -%d Td" % (LEADING // 2 + 2))
            continue
        font, size, text = it
        if not first:
            out.append("0 -%d Td" % LEADING)
        first = False
        out.append("/%s %d Tf" % (font, size))
        out.append("(%s) Tj" % esc(text))
    out.append("ET")
    footer = "%s - page %d of %d" % (title, number, total)
    out += ["BT", "/F1 8 Tf", "%d %d Td" % (MARGIN, 40), "(%s) Tj" % esc(footer), "ET"]
    return "\n".join(out) + "\n"


def build(name):
    meta, paras = parse(os.path.join(SRC_DIR, name + ".txt"))
    pages = layout(paras)
    short_title = meta.get("short", "Centre for Labour Accountability") + ": " + meta["title"].split(":")[0]
    objs = {}
    objs[1] = "<< /Type /Catalog /Pages 2 0 R >>"
    objs[3] = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    objs[4] = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
    kids = []
    n = 6
    for i, page in enumerate(pages, 1):
        stream = content_stream(page, i, len(pages), short_title)
        objs[n + 1] = "<< /Length %d >>\nstream\n%sendstream" % (len(stream.encode("ascii")), stream)
        objs[n] = ("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] "
                   "/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents %d 0 R >>"
                   % (PAGE_W, PAGE_H, n + 1))
        kids.append("%d 0 R" % n)
        n += 2
    objs[2] = "<< /Type /Pages /Kids [%s] /Count %d >>" % (" ".join(kids), len(kids))
    d = meta["date"].replace("-", "")
    objs[5] = ("<< /Title (%s) /Author (%s) /Subject (%s) /Producer (make_pdf.py) "
               "/CreationDate (D:%s093000Z) /ModDate (D:%s093000Z) >>"
               % (esc(meta["title"]), esc(meta.get("author", "")), esc(meta.get("subject", "")), d, d))
    data = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for num in sorted(objs):
        offsets[num] = len(data)
        data += ("%d 0 obj\n%s\nendobj\n" % (num, objs[num])).encode("ascii")
    xref = len(data)
    size = max(objs) + 1
    data += ("xref\n0 %d\n" % size).encode("ascii")
    data += b"0000000000 65535 f \n"
    for num in range(1, size):
        data += ("%010d 00000 n \n" % offsets[num]).encode("ascii")
    data += ("trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R >>\nstartxref\n%d\n%%%%EOF\n"
             % (size, xref)).encode("ascii")
    out = os.path.join(OUT_DIR, name + ".pdf")
    with open(out, "wb") as f:
        f.write(data)
    print("wrote %s: %d pages" % (os.path.relpath(out), len(pages)))


def main():
    args = [a for i, a in enumerate(sys.argv[1:], 1) if a != "--dir" and sys.argv[i - 1] != "--dir"]
    names = args or sorted(f[:-4] for f in os.listdir(SRC_DIR) if f.endswith(".txt"))
    for name in names:
        build(name)


if __name__ == "__main__":
    main()
