"""The checker of the invented evaluation sets (bench/blind4 to blind17, val5), stdlib only.

Each set's own ``check.py`` says what it holds (its id prefix, how many questions of each kind,
how long its reports are) and calls :func:`check`. For every question in questions.jsonl: the
fields are present and well formed, each report named exists in corpus/, and every gold_evidence
string and key term occurs in its report's text (case-insensitive, whitespace collapsed). Text
sources: .txt -> the body after the header block; .md -> the file as is; .html -> tags stripped
crudely; a pdf_source/ folder, when there is one, must have its PDFs built. Also:
  * report headers: .txt files carry Title/Source/Outlet/Author and a Date line (except files
    named undated-*, which must have none); the date in the file name equals the Date header;
    .md files start with "# " and an italic byline "*By Name | Outlet | D Month YYYY*"; bodies
    are of the set's length;
  * conflict rows: "reports" names two existing dated reports, older first, "report" is the
    newer one, "dates" are the two reports' Date headers, gold_evidence[i] and key_terms[i]
    occur in reports[i];
  * followup rows: history is a list of {"role", "content"} dicts alternating user/assistant,
    starting with user and ending with assistant; other rows carry none;
  * every report is the "report" of at least 8 questions;
  * timeline.jsonl: every point's value and evidence occur in its report and its date equals
    the report's Date header ("" for the undated report).
Prints counts per kind and per report; exits 1 on any problem.
"""
import collections
import datetime
import html
import json
import os
import re
import sys
from typing import NamedTuple

PREFIXES = {"blind": "b", "blind2": "c", "blind3": "d", "blind4": "e", "blind5": "f", "val5": "g", "blind6": "h", "blind7": "i", "blind8": "j", "blind9": "k", "blind10": "l", "blind11": "m", "blind12": "n", "blind13": "o", "blind14": "p", "blind15": "q", "blind16": "r", "blind17": "s"}
KINDS = ("fact", "unanswerable", "followup", "conflict", "two_facts")
MIN_PER_REPORT = 8
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Rules(NamedTuple):
    """What one set holds."""

    prefix: str  # question ids: prefix + 001, ... (the folder's name decides for a known set)
    minimum: dict  # at least this many questions of each kind
    body: tuple  # (fewest, most) characters of a report's body
    exactly: dict = None  # exactly this many of each kind, when given
    total: int = None  # exactly this many questions, when given
    timeline_rows: int = None  # exactly this many timeline rows, when given
    undated_in_timeline: bool = False  # the undated report must be in a timeline row
    only_followups_unanswerable: bool = False  # fact and conflict rows are answerable


def main(rules, here):
    """``python3 bench/<set>/check.py [FOLDER]``: the set's own folder unless one is named."""
    check(os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else here, rules)


def norm(s):
    return " ".join(s.lower().split())


def split_header(text):
    if "\n\n" in text:
        head, body = text.split("\n\n", 1)
    else:
        head, body = "", text
    fields = {}
    for line in head.splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            fields[k.strip()] = v.strip()
    return fields, body


def report_text(corpus, name):
    path = os.path.join(corpus, name)
    with open(path, encoding="utf-8") as f:
        raw = f.read()
    if name.endswith(".txt"):
        return split_header(raw)[1]
    if name.endswith(".md"):
        return raw
    if name.endswith(".html"):
        t = re.sub(r"<(script|style)\b[^>]*>.*?</\1>", " ", raw, flags=re.S | re.I)
        t = re.sub(r"<[^>]+>", " ", t)
        return html.unescape(t)
    raise ValueError("unknown report type: " + name)


def report_date(corpus, name, problems):
    """The report's date as YYYY-MM-DD, or "" when undated."""
    path = os.path.join(corpus, name)
    with open(path, encoding="utf-8") as f:
        raw = f.read()
    if name.endswith(".txt"):
        fields, body = split_header(raw)
        for k in ("Title", "Source", "Outlet", "Author"):
            if not fields.get(k):
                problems.append("%s: header lacks %s" % (name, k))
        if not fields.get("Source", "").startswith("https://"):
            problems.append("%s: Source is not an https URL" % name)
        if name.startswith("undated-"):
            if "Date" in fields:
                problems.append("%s: undated report has a Date line" % name)
            return ""
        d = fields.get("Date", "")
        if not ISO.match(d):
            problems.append("%s: bad or missing Date header %r" % (name, d))
            return d
        if not name.startswith(d + "-"):
            problems.append("%s: file name does not start with its Date %s" % (name, d))
        return d
    if name.endswith(".md"):
        lines = raw.splitlines()
        if not lines or not lines[0].startswith("# "):
            problems.append("%s: first line is not '# Title'" % name)
        m = re.match(r"^\*By (.+?) \| (.+?) \| (\d{1,2} [A-Z][a-z]+ \d{4})\*$", lines[1] if len(lines) > 1 else "")
        if not m:
            problems.append("%s: second line is not an italic byline" % name)
            return ""
        d = datetime.datetime.strptime(m.group(3), "%d %B %Y").strftime("%Y-%m-%d")
        if not name.startswith(d + "-"):
            problems.append("%s: file name does not start with its byline date %s" % (name, d))
        if "\n## " not in raw or "\n- " not in raw:
            problems.append("%s: .md report needs '## ' headings and a bullet list" % name)
        return d
    return ""


def rows(path, label, problems):
    """(line number, object) for each non-blank line of a JSONL file, counting blank-free lines
    from 1; a line that is not JSON is reported as "<label> N: bad JSON" and skipped."""
    with open(path, encoding="utf-8") as f:
        lines = [l for l in f if l.strip()]
    for n, line in enumerate(lines, 1):
        try:
            yield n, json.loads(line)
        except json.JSONDecodeError as e:
            problems.append("%s %d: bad JSON (%s)" % (label, n, e))


def check(folder, rules):
    """Print the set's counts and its problems; exit 1 on any problem."""
    corpus = os.path.join(folder, "corpus")
    pdf_src = os.path.join(folder, "pdf_source")
    qfile = os.path.join(folder, "questions.jsonl")
    tfile = os.path.join(folder, "timeline.jsonl")
    prefix = PREFIXES.get(os.path.basename(folder), rules.prefix)
    body_min, body_max = rules.body
    problems = []
    texts, dates = {}, {}
    for name in sorted(os.listdir(corpus)):
        try:
            body = report_text(corpus, name)
            texts[name] = norm(body)
            dates[name] = report_date(corpus, name, problems)
            if not body_min <= len(body.strip()) <= body_max:
                problems.append("%s: body is %d characters (want %s-%s)" % (name, len(body.strip()), format(body_min, ","), format(body_max, ",")))
        except (OSError, ValueError) as e:
            problems.append("%s: cannot read (%s)" % (name, e))
    if os.path.isdir(pdf_src):
        for src in sorted(os.listdir(pdf_src)):
            if src.endswith(".txt") and not os.path.exists(os.path.join(corpus, src[:-4] + ".pdf")):
                problems.append("%s: PDF not built" % src)
    by_kind = collections.Counter()
    by_report = collections.Counter()
    ids = set()
    for n, q in rows(qfile, "line", problems):
        qid = q.get("id", "line %d" % n)
        where = "%s" % qid
        base = {"id", "question", "answerable", "kind", "report",
                "gold_evidence", "key_terms", "history"}
        for field in sorted(base):
            if field not in q:
                problems.append("%s: missing field %s" % (where, field))
        allowed = set(base)
        if q.get("kind") == "conflict":
            allowed |= {"reports", "dates"}
        extra = set(q) - allowed
        if extra:
            problems.append("%s: unexpected field(s) %s" % (where, sorted(extra)))
        if qid in ids:
            problems.append("%s: duplicate id" % where)
        ids.add(qid)
        if qid != prefix + "%03d" % n:
            problems.append("%s: expected id %s%03d" % (where, prefix, n))
        if not isinstance(q.get("question"), str) or not q.get("question", "").strip():
            problems.append("%s: empty question" % where)
        kind = q.get("kind")
        if kind not in KINDS:
            problems.append("%s: bad kind %r" % (where, kind))
        by_kind[kind] += 1
        answerable = q.get("answerable")
        if not isinstance(answerable, bool):
            problems.append("%s: answerable must be true/false" % where)
        if rules.only_followups_unanswerable and kind not in ("unanswerable", "followup") and answerable is False:
            problems.append("%s: only unanswerable/followup rows may be unanswerable" % where)
        if kind == "unanswerable" and answerable:
            problems.append("%s: unanswerable row marked answerable" % where)
        if kind in ("fact", "conflict", "two_facts") and not answerable:
            problems.append("%s: %s row must be answerable" % (where, kind))
        if q.get("report") not in texts:
            problems.append("%s: report %r does not exist" % (where, q.get("report")))
        reports = [q.get("report")]
        if kind == "conflict":
            reports = q.get("reports") or []
            qd = q.get("dates") or []
            if not (isinstance(reports, list) and len(reports) == 2):
                problems.append("%s: conflict needs reports = [older, newer]" % where)
                reports = [q.get("report")]
            else:
                for r in reports:
                    if r not in texts:
                        problems.append("%s: report %r does not exist" % (where, r))
                if q.get("report") != reports[1]:
                    problems.append("%s: report must be the newer of reports" % where)
                if not (isinstance(qd, list) and len(qd) == 2 and all(isinstance(d, str) and ISO.match(d) for d in qd)):
                    problems.append("%s: conflict needs dates = [two YYYY-MM-DD]" % where)
                else:
                    for r, d in zip(reports, qd):
                        if dates.get(r) != d:
                            problems.append("%s: date %s does not match %s (%r)" % (where, d, r, dates.get(r)))
                    if not qd[0] < qd[1]:
                        problems.append("%s: dates not older first" % where)
        by_report[q.get("report")] += 1
        ev = q.get("gold_evidence", [])
        keys = q.get("key_terms", [])
        if not answerable:
            if ev or keys:
                problems.append("%s: unanswerable row must have no evidence or key terms" % where)
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
        for k in keys:
            if norm(k) not in pool:
                problems.append("%s: key term not in report: %r" % (where, k))
        if kind == "conflict" and len(reports) == 2:
            if len(ev) != 2 or len(keys) != 2:
                problems.append("%s: conflict needs exactly two evidence strings and two key terms" % where)
            else:
                for i, r in enumerate(reports):
                    if norm(ev[i]) not in texts.get(r, ""):
                        problems.append("%s: gold_evidence[%d] not in %s" % (where, i, r))
                    if norm(keys[i]) not in texts.get(r, ""):
                        problems.append("%s: key_terms[%d] not in %s" % (where, i, r))
                    if norm(keys[i]) not in norm(ev[i]):
                        problems.append("%s: key_terms[%d] not inside gold_evidence[%d]" % (where, i, i))
            for r in reports:
                if dates.get(r) == "":
                    problems.append("%s: conflict uses the undated report" % where)
        hist = q.get("history", [])
        if kind == "followup":
            ok = isinstance(hist, list) and len(hist) >= 2 and len(hist) % 2 == 0
            if ok:
                for i, h in enumerate(hist):
                    if not (isinstance(h, dict) and set(h) == {"role", "content"}
                            and h["role"] == ("user" if i % 2 == 0 else "assistant")
                            and isinstance(h["content"], str) and h["content"].strip()):
                        ok = False
            if not ok:
                problems.append("%s: followup history must alternate user/assistant dicts, ending with assistant" % where)
        elif hist:
            problems.append("%s: only followups carry history" % where)
    for k, m in rules.minimum.items():
        if by_kind[k] < m:
            problems.append("only %d %s questions (need %d)" % (by_kind[k], k, m))
    for k, m in (rules.exactly or {}).items():
        if by_kind[k] != m:
            problems.append("%d %s questions (expected exactly %d)" % (by_kind[k], k, m))
    if rules.total is not None and sum(by_kind.values()) != rules.total:
        problems.append("%d questions (expected %d)" % (sum(by_kind.values()), rules.total))
    for name in texts:
        if by_report[name] < MIN_PER_REPORT:
            problems.append("%s: only %d questions (need %d)" % (name, by_report[name], MIN_PER_REPORT))
    # timeline
    nt = 0
    undated_used = False
    if not os.path.exists(tfile):
        problems.append("timeline.jsonl missing")
    else:
        for n, t in rows(tfile, "timeline line", problems):
            nt += 1
            tid = t.get("id")
            if tid != "t%02d" % n:
                problems.append("timeline line %d: expected id t%02d" % (n, n))
            if set(t) != {"id", "question", "points"}:
                problems.append("%s: fields must be id, question, points" % tid)
            pts = t.get("points") or []
            if len(pts) < 2:
                problems.append("%s: needs at least two points" % tid)
            seen = set()
            for p in pts:
                r = p.get("report")
                if set(p) != {"report", "date", "value", "evidence"}:
                    problems.append("%s: point fields must be report, date, value, evidence" % tid)
                if r not in texts:
                    problems.append("%s: report %r does not exist" % (tid, r))
                    continue
                if r in seen:
                    problems.append("%s: report %s listed twice" % (tid, r))
                seen.add(r)
                if dates.get(r) == "":
                    undated_used = True
                if p.get("date") != dates.get(r):
                    problems.append("%s: date %r does not match %s (%r)" % (tid, p.get("date"), r, dates.get(r)))
                ev, val = p.get("evidence", ""), p.get("value", "")
                if not ev or norm(ev) not in texts[r]:
                    problems.append("%s: evidence not in %s: %r" % (tid, r, ev))
                if not val or norm(val) not in norm(ev):
                    problems.append("%s: value %r not inside its evidence" % (tid, val))
                if not 1 <= len(ev.split()) <= 15:
                    problems.append("%s: evidence length %d words" % (tid, len(ev.split())))
    if rules.timeline_rows is not None and nt != rules.timeline_rows:
        problems.append("%d timeline rows (expected %d)" % (nt, rules.timeline_rows))
    if rules.undated_in_timeline and any(d == "" for d in dates.values()) and not undated_used:
        problems.append("no timeline row uses the undated report")
    print("questions: %d" % sum(by_kind.values()))
    print("per kind:")
    for k in KINDS:
        print("  %-13s %d" % (k, by_kind[k]))
    print("per report:")
    for name in sorted(texts):
        print("  %-45s %d" % (name, by_report[name]))
    print("timeline rows: %d" % nt)
    if problems:
        print("\n%d problem(s):" % len(problems))
        for p in problems:
            print("  " + p)
        sys.exit(1)
    print("OK")

