#!/usr/bin/env python3
"""Check the blind evaluation set (stdlib only).

For every question in bench/blind*/questions.jsonl: the fields are present and
well formed, each report named exists in bench/blind*/corpus/, and every
gold_evidence string occurs in its report's text (case-insensitive,
whitespace collapsed). Text sources: .txt -> the body after the header block;
.html -> the page with tags stripped crudely and entities unescaped;
.pdf -> the source text in bench/blind*/pdf_source/<name>.txt (body after its
header). Key terms of answerable questions must also occur in the report text.
Prints counts per kind and per report; exits 1 on any problem.
"""
import collections
import html
import json
import os
import re
import sys

# The set's folder: the first argument, or this file's own folder (bench/blind/).
HERE = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
PDF_SRC = os.path.join(HERE, "pdf_source")
QFILE = os.path.join(HERE, "questions.jsonl")
# question ids: b001... in bench/blind, c001... in blind2, d001... in blind3
PREFIX = {"blind": "b", "blind2": "c", "blind3": "d"}.get(os.path.basename(HERE), "c")
KINDS = ("fact", "unanswerable", "followup", "conflict", "two_facts")
MINIMUM = {"unanswerable": 30, "followup": 10, "conflict": 8, "two_facts": 8}


def norm(s):
    return " ".join(s.lower().split())


def body_after_header(text):
    return text.split("\n\n", 1)[1] if "\n\n" in text else text


def report_text(name):
    path = os.path.join(CORPUS, name)
    if name.endswith(".txt"):
        with open(path, encoding="utf-8") as f:
            return body_after_header(f.read())
    if name.endswith(".md"):
        with open(path, encoding="utf-8") as f:
            return f.read()
    if name.endswith(".html"):
        with open(path, encoding="utf-8") as f:
            t = f.read()
        t = re.sub(r"<(script|style)\b[^>]*>.*?</\1>", " ", t, flags=re.S | re.I)
        t = re.sub(r"<[^>]+>", " ", t)
        return html.unescape(t)
    if name.endswith(".pdf"):
        src = os.path.join(PDF_SRC, name[:-4] + ".txt")
        with open(src, encoding="ascii") as f:
            return body_after_header(f.read())
    raise ValueError("unknown report type: " + name)


def main():
    problems = []
    texts = {}
    for name in sorted(os.listdir(CORPUS)):
        try:
            texts[name] = norm(report_text(name))
        except (OSError, ValueError) as e:
            problems.append("%s: cannot read (%s)" % (name, e))
    for src in sorted(os.listdir(PDF_SRC)):
        if src.endswith(".txt"):
            pdf = os.path.join(CORPUS, src[:-4] + ".pdf")
            if not os.path.exists(pdf):
                problems.append("%s: PDF not built (run make_pdf.py)" % src)
            else:
                with open(pdf, "rb") as f:
                    if not f.read(5) == b"%PDF-":
                        problems.append("%s: not a PDF file" % pdf)
    by_kind = collections.Counter()
    by_report = collections.Counter()
    ids = set()
    with open(QFILE, encoding="utf-8") as f:
        lines = [l for l in f if l.strip()]
    for n, line in enumerate(lines, 1):
        try:
            q = json.loads(line)
        except json.JSONDecodeError as e:
            problems.append("line %d: bad JSON (%s)" % (n, e))
            continue
        qid = q.get("id", "line %d" % n)
        where = "%s" % qid
        for field in ("id", "question", "answerable", "kind", "report",
                      "gold_evidence", "key_terms", "history"):
            if field not in q:
                problems.append("%s: missing field %s" % (where, field))
        allowed = {"id", "question", "answerable", "kind", "report",
                   "gold_evidence", "key_terms", "history"}
        if q.get("kind") == "conflict":
            allowed.add("reports")
        extra = set(q) - allowed
        if extra:
            problems.append("%s: unexpected field(s) %s" % (where, sorted(extra)))
        if qid in ids:
            problems.append("%s: duplicate id" % where)
        ids.add(qid)
        if qid != PREFIX + "%03d" % n:
            problems.append("%s: expected id %s%03d" % (where, PREFIX, n))
        kind = q.get("kind")
        if kind not in KINDS:
            problems.append("%s: bad kind %r" % (where, kind))
        by_kind[kind] += 1
        answerable = q.get("answerable")
        if (kind == "unanswerable") == bool(answerable):
            problems.append("%s: answerable=%r does not fit kind %s" % (where, answerable, kind))
        reports = q.get("reports") or [q.get("report")]
        if kind == "conflict":
            if len(reports) != 2 or q.get("report") not in reports:
                problems.append("%s: conflict needs two reports including report" % where)
        for r in reports:
            if r not in texts:
                problems.append("%s: report %r does not exist" % (where, r))
        by_report[q.get("report")] += 1
        ev = q.get("gold_evidence", [])
        keys = q.get("key_terms", [])
        if kind == "unanswerable":
            if ev or keys:
                problems.append("%s: unanswerable must have no evidence or key terms" % where)
        else:
            if not ev:
                problems.append("%s: no gold_evidence" % where)
            if not 1 <= len(keys) <= 3:
                problems.append("%s: needs 1-3 key_terms" % where)
            if kind == "two_facts" and len(ev) < 2:
                problems.append("%s: two_facts needs two evidence strings" % where)
        pool = " ".join(texts.get(r, "") for r in reports)
        for e in ev:
            words = len(e.split())
            if not 1 <= words <= 15:
                problems.append("%s: evidence length %d words: %r" % (where, words, e))
            if norm(e) not in pool:
                problems.append("%s: evidence not found: %r" % (where, e))
        if kind == "conflict":
            for r in reports:
                if not any(norm(e) in texts.get(r, "") for e in ev):
                    problems.append("%s: no evidence from %s" % (where, r))
        for k in keys:
            if norm(k) not in pool:
                problems.append("%s: key term not in report: %r" % (where, k))
        hist = q.get("history", [])
        if kind == "followup":
            if len(hist) < 2 or [h.get("role") for h in hist[:2]] != ["user", "assistant"]:
                problems.append("%s: followup needs user/assistant history" % where)
        elif hist:
            problems.append("%s: only followups carry history" % where)
    for k, m in MINIMUM.items():
        if by_kind[k] < m:
            problems.append("only %d %s questions (need %d)" % (by_kind[k], k, m))
    for name in texts:
        if by_report[name] == 0:
            problems.append("%s: no questions" % name)
    print("questions: %d" % sum(by_kind.values()))
    print("per kind:")
    for k in KINDS:
        print("  %-13s %d" % (k, by_kind[k]))
    print("per report:")
    for name in sorted(texts):
        print("  %-45s %d" % (name, by_report[name]))
    if problems:
        print("\n%d problem(s):" % len(problems))
        for p in problems:
            print("  " + p)
        sys.exit(1)
    print("OK")


if __name__ == "__main__":
    main()
