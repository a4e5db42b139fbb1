"""Score the service and the tutorial baseline on the blind set (``bench/blind/``).

    .venv/bin/python -m bench.blind              # the table, ours vs baseline, by question kind
    .venv/bin/python -m bench.blind --json F     # also every outcome
    .venv/bin/python -m bench.blind -v           # list what we got wrong (only after the figures
                                                 # are reported: reading misses is tuning)

The blind set was written by someone who saw neither the code nor the other sets; its figures
are reported as they come, and nobody tunes on it (see bench/blind/README.md).

Columns (answerable questions unless said otherwise):
- evidence: the answer holds a gold evidence string (all of them for "two_facts" questions).
- key terms: share of the gold key terms found in the answer (0 when refused).
- report@1: the first citation is from the question's report (for conflicts, from either report).
- refusal acc: share of unanswerable questions answered with ``found: false``.
- false ref: share of answerable questions refused.
- med chars: median length of the answers given (refusals excluded).
- [n] valid: share of answers whose every ``[n]`` has a citation and every citation is used.

The baseline is the LangChain tutorial pipeline (``bench/baseline.py``) over the same files,
read the way its loaders read them: a text file as it is, an HTML page as BeautifulSoup's
``get_text`` (WebBaseLoader), a PDF as pypdf's text per page (PyPDFLoader). Its answer is its
top 1,000-character chunk; it never refuses.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest import Ingestor  # noqa: E402
from qa import Turn, build_service  # noqa: E402
from qa.citations import check_citations  # noqa: E402
from settings import Settings  # noqa: E402
from vectorstore import ReportStore, SentenceEmbedder  # noqa: E402
from vectorstore.embeddings import resolve_model_path  # noqa: E402

from .baseline import TutorialBaseline  # noqa: E402
from .eval import _norm, term_recall  # noqa: E402

BLIND = ROOT / "bench" / "blind"
CORPUS = BLIND / "corpus"
QUESTIONS = BLIND / "questions.jsonl"
KINDS = ("fact", "followup", "two_facts", "conflict", "unanswerable")


@dataclass
class Outcome:
    qid: str
    kind: str
    answerable: bool
    found: bool
    evidence: bool
    recall: float
    report_first: bool
    chars: int
    marks_valid: bool
    answer: str
    disagreement: bool = False  # the answer set reports against each other (``others`` not empty)
    both_sides: bool = False  # a conflict row: both values shown, each report with its date


def load_questions(path: Path = QUESTIONS) -> list[dict]:
    """A set's questions; rows without a kind or key terms (bench/train's) get them from their shape."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for r in rows:
        r.setdefault("kind", "unanswerable" if not r["answerable"] else "followup" if r.get("history") else "fact")
        r.setdefault("key_terms", [])
    return rows


def holds_evidence(answer: str, row: dict) -> bool:
    a = _norm(answer)
    hits = [_norm(g) in a for g in row["gold_evidence"]]
    if not hits:
        return False
    return all(hits) if row.get("kind") == "two_facts" else any(hits)


def wanted_reports(row: dict) -> set[str]:
    return set(row.get("reports") or [row.get("report", "")]) - {""}


def history_of(row: dict, service=None) -> list[Turn]:
    """The earlier turns: given as role/content pairs, or as bare earlier questions that the
    service answers first (the other sets' form)."""
    turns: list[Turn] = []
    for t in row.get("history", []):
        if isinstance(t, str):
            prev = service.ask(t, turns) if service is not None else None
            turns += [Turn("user", t), Turn("assistant", prev.answer if prev else "")]
        else:
            turns.append(Turn(t["role"], t["content"]))
    return turns


def shows_both_sides(ans, row: dict, names: dict[str, str], dates: dict[str, str]) -> bool:
    """A conflict row answered with both values (its key terms), each of its two reports cited
    with that report's date in the answer text or in ``others``."""
    if not ans.found or not row.get("reports") or term_recall(ans.answer, row["key_terms"]) < 1.0:
        return False
    cited = {names.get(c.doc_id, ""): c.doc_id for c in ans.citations}
    dated_others = {o["doc_id"] for o in ans.others if o.get("date")}
    for report in row["reports"]:
        doc_id = cited.get(report)
        if doc_id is None or not dates.get(doc_id):
            return False
        if dates[doc_id] not in ans.answer and doc_id not in dated_others:
            return False
    return True


def run_ours(service, rows: list[dict]) -> list[Outcome]:
    docs = service.store.list_documents()
    names = {d.doc_id: Path(d.path).name for d in docs}
    dates = {d.doc_id: d.date for d in docs}
    out = []
    for r in rows:
        ans = service.ask(r["question"], history_of(r, service))
        first = names.get(ans.citations[0].doc_id, "") if ans.citations else ""
        dangling, unused = check_citations(ans.answer, [c.n for c in ans.citations])
        out.append(Outcome(
            r["id"], r["kind"], r["answerable"], ans.found,
            ans.found and holds_evidence(ans.answer, r),
            term_recall(ans.answer, r["key_terms"]) if ans.found else 0.0,
            first in wanted_reports(r), len(ans.answer) if ans.found else 0,
            not dangling and not unused, ans.answer,
            bool(ans.others), r["kind"] == "conflict" and shows_both_sides(ans, r, names, dates),
        ))
    return out


def loader_text(path: Path) -> str:
    """A report's text as the tutorial's document loaders would give it."""
    if path.suffix.lower() in {".html", ".htm"}:
        from bs4 import BeautifulSoup

        return BeautifulSoup(path.read_bytes(), "lxml").get_text()
    if path.suffix.lower() == ".pdf":
        import pypdf

        return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(str(path)).pages)
    return path.read_text(encoding="utf-8", errors="replace")


def run_baseline(base: TutorialBaseline, rows: list[dict]) -> list[Outcome]:
    out = []
    for r in rows:
        res = base.ask(r["question"])
        first = res.sources[0] if res.sources else ""
        out.append(Outcome(
            r["id"], r["kind"], r["answerable"], bool(res.passages), holds_evidence(res.answer, r),
            term_recall(res.answer, r["key_terms"]), first in wanted_reports(r), len(res.answer), True, res.answer,
        ))
    return out


def summarize(outcomes: list[Outcome]) -> dict[str, float]:
    ans = [o for o in outcomes if o.answerable]
    un = [o for o in outcomes if not o.answerable]
    given = [o for o in outcomes if o.found]

    def share(items, pred) -> float:
        return sum(map(pred, items)) / len(items) if items else float("nan")

    return {
        "n": len(outcomes),
        "evidence": share(ans, lambda o: o.evidence),
        "key terms": statistics.fmean(o.recall for o in ans) if ans else float("nan"),
        "report@1": share(ans, lambda o: o.report_first),
        "refusal acc": share(un, lambda o: not o.found),
        "false ref": share(ans, lambda o: not o.found),
        "med chars": statistics.median(o.chars for o in given) if given else 0.0,
        "[n] valid": share(given, lambda o: o.marks_valid),
    }


COLUMNS = ["n", "evidence", "key terms", "report@1", "refusal acc", "false ref", "med chars", "[n] valid"]


def table(rows: list[tuple[str, dict]]) -> str:
    def cell(c: str, v: float) -> str:
        if v != v:  # NaN: no question of that sort in the row
            return "–"
        return f"{v:.0f}" if c in {"n", "med chars"} else f"{v:.2f}"

    lines = ["| blind set | " + " | ".join(COLUMNS) + " |", "|" + "---|" * (len(COLUMNS) + 1)]
    lines += [f"| {label} | " + " | ".join(cell(c, m[c]) for c in COLUMNS) + " |" for label, m in rows]
    return "\n".join(lines)


RECALL_KS = (1, 10, 30)


def first_stage_recall(service, rows: list[dict], ks: tuple[int, ...] = RECALL_KS) -> dict[str, float]:
    """Share of answerable questions (follow-ups resolved from their history) whose gold evidence
    is in one of the first stage's first k candidates (reader off): what the answerer can pick."""
    from .eval import has_gold
    from qa.followup import resolve_followup

    reranker, service.retriever.reranker = service.retriever.reranker, None
    try:
        ranks = []
        for row in rows:
            if not row["answerable"]:
                continue
            query = resolve_followup(row["question"], history_of(row))
            cands = service.retriever.candidates(query, limit=max(ks))
            hit = next((i for i, c in enumerate(cands) if has_gold(c.text, row["gold_evidence"])), None)
            ranks.append(hit)
    finally:
        service.retriever.reranker = reranker
    n = max(len(ranks), 1)
    return {f"recall@{k}": round(sum(1 for r in ranks if r is not None and r < k) / n, 3) for k in ks}


def evaluate(embedder: SentenceEmbedder, folder: str, blind: Path = BLIND,
             readers: tuple[bool, ...] = (False,), recall: dict | None = None
             ) -> tuple[dict[bool, list[Outcome]], list[Outcome], list[str]]:
    """Our outcomes per reader setting (same store), the baseline's, and the ingest failures;
    ``recall``, when given, receives the first stage's recall@k."""
    corpus = blind / "corpus"
    store = ReportStore(embedder, path=Path(folder) / "store")
    summary = Ingestor(store).ingest_paths([corpus])
    failed = [m for _, m in summary.failed]
    rows = load_questions(blind / "questions.jsonl")
    ours = {}
    for reader in readers:
        service = build_service(Settings.from_env(store=Path(folder) / "store", reader=reader), store)
        service.warm_up()
        ours[reader] = run_ours(service, rows)
        if recall is not None and not recall:
            recall.update(first_stage_recall(service, rows))
    files = sorted(p for p in corpus.iterdir() if p.is_file())
    base = TutorialBaseline(embedder, [(p.name, loader_text(p)) for p in files], folder=str(Path(folder) / "baseline"))
    return ours, run_baseline(base, rows), failed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", help="write the figures and outcomes to this file")
    ap.add_argument("-v", "--verbose", action="store_true", help="list the questions we got wrong")
    ap.add_argument("--set", type=Path, default=BLIND, help="the blind set's folder (corpus/ and questions.jsonl)")
    ap.add_argument("--reader", choices=("default", "off", "on", "both"), default="default",
                    help="the trained reader (qa/reader.py): as REPORTQA_READER says, off, on, or both side by side")
    ap.add_argument("--retriever", choices=("default", "off", "on"), default="default",
                    help="the encoder: as REPORTQA_RETRIEVER says, the packaged MiniLM (off) or the fine-tuned one (on)")
    args = ap.parse_args(argv)
    readers = {"off": (False,), "on": (True,), "both": (False, True)}.get(args.reader) \
        or (Settings.from_env().reader,)
    use_retriever = {"off": False, "on": True}.get(args.retriever, Settings.from_env().retriever)
    embedder = SentenceEmbedder(resolve_model_path(None, use_retriever),
                                threads=int(os.environ.get("REPORTQA_TORCH_THREADS", "1") or 1))
    embedder.warm_up()
    recall: dict = {}
    with tempfile.TemporaryDirectory(prefix="eval-blind-") as folder:
        by_reader, theirs, failed = evaluate(embedder, folder, args.set, readers, recall)
    for message in failed:
        print(f"ingest failed: {message}")
    label = {False: "ours", True: "ours + reader"} if len(readers) > 1 else {readers[0]: "ours"}
    rows = [(f"{label[r]} all", summarize(o)) for r, o in by_reader.items()] + [("baseline all", summarize(theirs))]
    for kind in KINDS:
        for r, outcomes in by_reader.items():
            mine = [o for o in outcomes if o.kind == kind]
            if mine:
                rows.append((f"{label[r]} {kind}", summarize(mine)))
        if any(o.kind == kind for o in theirs):
            rows.append((f"baseline {kind}", summarize([o for o in theirs if o.kind == kind])))
    print(f"blind set: {args.set.relative_to(ROOT) if args.set.is_relative_to(ROOT) else args.set}; "
          f"encoder {embedder.encoder_id}")
    print(table(rows))
    print("first stage (reader off), gold evidence among the first k candidates: "
          + ", ".join(f"{k} {v:.2f}" for k, v in recall.items()))
    ours = by_reader[readers[-1]]
    if args.verbose:
        for o in ours:
            if o.answerable != o.found or (o.answerable and not o.evidence):
                print(f"  [{o.qid} {o.kind}] found={o.found} evidence={o.evidence}: {o.answer[:200]}")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "ours": summarize(ours), "baseline": summarize(theirs), "failed": failed, "recall": recall,
            "encoder": embedder.encoder_id,
            "by_reader": {("on" if r else "off"): summarize(o) for r, o in by_reader.items()},
            "outcomes": [asdict(o) for o in ours], "baseline_outcomes": [asdict(o) for o in theirs],
        }, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
