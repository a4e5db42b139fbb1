"""The data engine: questions about every sentence window of the project's corpora, asked of a
local instruct model behind any OpenAI-compatible endpoint (llama.cpp's server, vLLM, ...).

    .venv/bin/python -m bench.generate --llm-url http://127.0.0.1:8091/v1 --model local
    .venv/bin/python -m bench.generate --summary          # counts per kind and filter rates

Per sentence (with its neighbours as context) the model is asked for questions the sentence
answers, each with the answering span copied from it, and for near-topic questions the window
does not answer. Round-trip filters keep what the model got right:

- an answerable question's span must occur in its sentence (case and spaces aside);
- a question that shares a run of ``--max-shared-run`` words with its sentence is a copy, dropped;
- an unanswerable question whose content words all occur in one sentence of the same report is
  probably answerable there after all, dropped.

Output: JSONL rows (question, report, sentence index and text, span or null, kind, model,
prompt version) appended to ``--out``; windows done are logged beside it, so a run stopped at
any point resumes where it stopped. Build-time only: the service never imports this.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import urllib.error
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest import ReportError, prepare_report, read_report  # noqa: E402
from ingest.pipeline import discover  # noqa: E402
from ingest.questions import ChatClient, parse_reply, sentence_window  # noqa: E402,F401 - one client for ingest and the data engine
from qa.text import STOPWORDS, words  # noqa: E402

PROMPT = ROOT / "prompts" / "generate.txt"
PROMPT_VERSION = "gen-v2"
DEFAULT_CORPORA = [ROOT / "tests" / "fixtures" / "sample-one", ROOT / "tests" / "fixtures" / "corpus", ROOT / "bench" / "train" / "corpus",
                   ROOT / "bench" / "gen" / "corpus"]
DEFAULT_OUT = ROOT / "bench" / "gen" / "questions.jsonl"
MIN_SENTENCE_CHARS = 40  # shorter sentences (datelines, headings) rarely carry a fact to ask about


@dataclass
class Window:
    report: str  # file name
    title: str
    heading: str
    index: int  # sentence number in the report
    sentence: str
    context: str  # the sentence with one neighbour each side, shown to the model as context


def windows(paths: list[Path]) -> Iterator[Window]:
    """Every sentence of every report under ``paths`` with one neighbour each side."""
    files, _ = discover(paths)
    for path in files:
        try:
            report = prepare_report(read_report(path), path.name, str(path))
        except ReportError as exc:
            print(f"skipped: {exc}", file=sys.stderr)
            continue
        sents = report.sentences
        for i, s in enumerate(sents):
            if len(s.text) < MIN_SENTENCE_CHARS or s.kind == "heading":
                continue
            yield Window(path.name, report.record.title, s.heading, s.index, s.text, sentence_window(sents, i))


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def shared_run(a: str, b: str) -> int:
    """Length of the longest run of consecutive words that ``a`` and ``b`` share."""
    x, y = [w.lower() for w in words(a)], [w.lower() for w in words(b)]
    best = 0
    prev = [0] * (len(y) + 1)
    for i in range(1, len(x) + 1):
        cur = [0] * (len(y) + 1)
        for j in range(1, len(y) + 1):
            if x[i - 1] == y[j - 1]:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best


def content_words(text: str) -> set[str]:
    return {w.lower() for w in words(text) if w.lower() not in STOPWORDS and len(w) > 2}


def filter_answerable(item: dict, sentence: str, max_run: int) -> str | None:
    """None when kept, else the reason it is dropped."""
    question, span = str(item.get("question", "")).strip(), str(item.get("answer", "")).strip()
    if not question.endswith("?") or not span:
        return "malformed"
    if _norm(span) not in _norm(sentence):
        return "span not in sentence"
    if shared_run(question, sentence) >= max_run:
        return "copies the sentence"
    return None


def filter_unanswerable(item: dict, sentence: str, report_sentences: list[str], max_run: int) -> str | None:
    question = str(item.get("question", "")).strip()
    if not question.endswith("?"):
        return "malformed"
    if shared_run(question, sentence) >= max_run:
        return "copies the sentence"
    need = content_words(question)
    if need and any(need <= content_words(s) for s in report_sentences):
        return "answered verbatim in the report"
    return None


def done_log(out: Path) -> Path:
    return out.with_suffix(".done.jsonl")


def window_key(w: Window) -> str:
    """A window is done per prompt version: a new prompt asks every window again."""
    return f"{w.report}#{w.index}@{PROMPT_VERSION}"


def generate(client: ChatClient, paths: list[Path], out: Path, n_answerable: int = 2, n_unanswerable: int = 1,
             max_run: int = 6, limit: int | None = None) -> Counter:
    """Ask about every window not done yet; returns counts of kept and dropped questions."""
    template = PROMPT.read_text(encoding="utf-8")
    out.parent.mkdir(parents=True, exist_ok=True)
    log = done_log(out)
    done = {json.loads(line)["window"] for line in log.read_text().splitlines() if line.strip()} if log.exists() else set()
    counts: Counter = Counter()
    all_windows = list(windows(paths))
    by_report: dict[str, list[str]] = {}
    for w in all_windows:
        by_report.setdefault(w.report, []).append(w.sentence)
    asked = 0
    with out.open("a", encoding="utf-8") as fh, log.open("a", encoding="utf-8") as dl:
        for w in all_windows:
            if window_key(w) in done:
                continue
            if limit is not None and asked >= limit:
                break
            asked += 1
            prompt = template.format(title=w.title, heading=w.heading or "-", window=w.context, sentence=w.sentence,
                                     n_answerable=n_answerable, n_unanswerable=n_unanswerable)
            try:
                reply = parse_reply(client.complete(prompt))
            except (urllib.error.URLError, TimeoutError, KeyError, ValueError) as exc:
                counts["request failed"] += 1
                print(f"{window_key(w)}: the model request failed ({exc}); it is retried on the next run", file=sys.stderr)
                continue
            rows = []
            for item in (reply.get("answerable") or [])[:n_answerable]:
                why = filter_answerable(item, w.sentence, max_run) if isinstance(item, dict) else "malformed"
                counts[f"answerable dropped: {why}" if why else "answerable kept"] += 1
                if not why:
                    rows.append({"question": item["question"].strip(), "span": item["answer"].strip(), "kind": "answerable"})
            for item in (reply.get("unanswerable") or [])[:n_unanswerable]:
                why = (filter_unanswerable(item, w.sentence, by_report[w.report], max_run)
                       if isinstance(item, dict) else "malformed")
                counts[f"unanswerable dropped: {why}" if why else "unanswerable kept"] += 1
                if not why:
                    rows.append({"question": item["question"].strip(), "span": None, "kind": "unanswerable",
                                 "asks_for": str(item.get("asks_for", ""))})
            for row in rows:
                fh.write(json.dumps({**row, "report": w.report, "sentence_index": w.index, "sentence": w.sentence,
                                     "heading": w.heading, "model": client.model, "prompt_version": PROMPT_VERSION},
                                    ensure_ascii=False) + "\n")
            fh.flush()
            dl.write(json.dumps({"window": window_key(w), "kept": len(rows), "at": round(time.time())}) + "\n")
            dl.flush()
    return counts


def summary(out: Path, counts: Counter | None = None) -> str:
    rows = [json.loads(line) for line in out.read_text().splitlines() if line.strip()] if out.exists() else []
    kinds = Counter(r["kind"] for r in rows)
    total = len(rows) or 1
    lines = [f"{len(rows)} questions kept in {out}: "
             + ", ".join(f"{k} {n} ({n / total:.0%})" for k, n in sorted(kinds.items()))]
    lines.append("by report: " + ", ".join(f"{k} {n}" for k, n in Counter(r["report"] for r in rows).most_common()))
    if counts:
        for kind in ("answerable", "unanswerable"):
            seen = sum(n for k, n in counts.items() if k.startswith(kind))
            if seen:
                drops = {k.split(": ", 1)[1]: n for k, n in counts.items() if k.startswith(f"{kind} dropped")}
                lines.append(f"this run, {kind}: {seen} proposed, {counts[f'{kind} kept']} kept; dropped: "
                             + (", ".join(f"{k} {n / seen:.0%}" for k, n in drops.items()) or "none"))
        if counts["request failed"]:
            lines.append(f"this run: {counts['request failed']} requests failed (retried next run)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="*", type=Path, help="report files or folders (default: the project's corpora)")
    ap.add_argument("--llm-url", default=os.environ.get("REPORTQA_LLM_URL"), help="OpenAI-compatible base URL (…/v1)")
    ap.add_argument("--model", default=os.environ.get("REPORTQA_LLM_MODEL", "local"))
    ap.add_argument("--api-key", default=os.environ.get("REPORTQA_LLM_API_KEY", "x"))
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--answerable", type=int, default=2, help="answerable questions asked per window")
    ap.add_argument("--unanswerable", type=int, default=1, help="unanswerable questions asked per window")
    ap.add_argument("--max-shared-run", type=int, default=6, help="drop questions sharing this many words in a row")
    ap.add_argument("--limit", type=int, help="ask about at most this many windows this run")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for one reply (a busy CPU model is slow)")
    ap.add_argument("--summary", action="store_true", help="only print the counts of what is there")
    args = ap.parse_args(argv)
    if args.summary:
        print(summary(args.out))
        return 0
    if not args.llm_url:
        print("error: give --llm-url (or set REPORTQA_LLM_URL) to an OpenAI-compatible endpoint", file=sys.stderr)
        return 2
    paths = args.paths or [p for p in DEFAULT_CORPORA if p.exists()]
    client = ChatClient(args.llm_url, args.model, args.api_key, timeout=args.timeout)
    try:
        counts = generate(client, paths, args.out, args.answerable, args.unanswerable, args.max_shared_run, args.limit)
    except KeyboardInterrupt:
        print("interrupted: what was written is kept; run again to resume", file=sys.stderr)
        return 130
    print(summary(args.out, counts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
