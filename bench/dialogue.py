"""Follow-ups, dated disagreements and single facts on every evaluation set (the issue-20 figures).

    .venv/bin/python -m bench.dialogue                      # validation and blind sets, reader as set
    .venv/bin/python -m bench.dialogue --sets blind4 --reader on
    .venv/bin/python -m bench.dialogue --json F             # also every outcome
    .venv/bin/python -m bench.dialogue --judge-threshold 0.65  # the disagreement judge at another threshold

Per set, from the same runs as ``bench.blind`` (each set's corpus in a fresh store):
- follow-ups (rows with a history; ``kind`` "followup", or bench/train's rows with one): evidence in
  the answer and false refusals on the answerable ones, refusal accuracy on the unanswerable ones,
  and recall@1/10 of the resolved query (the gold sentence among the first stage's candidates);
- conflicts (two dated reports give different values on one subject): the share answered with both
  values, each report cited with its date (``bench.blind.shows_both_sides``), and the share with
  either gold sentence;
- single facts (``kind`` "fact"): the share answered without a disagreement (``others`` empty);
- timeline rows (a set's ``timeline.jsonl``: every report that gives the asked value, dated or not):
  the share of expected points the timeline gives (recall, undated ones under ``undated``), and the
  share of points it gives that are expected (precision: a value of another subject is a miss).

bench/train, bench/blind, bench/blind2 and bench/val5 are validation (looked at while tuning);
bench/blind3 to blind16 were blind when written and train the disagreement judge and the follow-up
ranker now (``bench.labelled.SETS``); bench/blind17 is blind (``bench.labelled.NEVER``): report it
as it comes.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from settings import Settings  # noqa: E402
from vectorstore import SentenceEmbedder  # noqa: E402

from .blind import Outcome, first_stage_recall, load_questions, run_ours  # noqa: E402
from .labelled import NEVER, SETS, set_service  # noqa: E402

VALIDATION = ("train", "blind", "blind2", "val5")
# blind when written; the trained models' data now, with the validation sets
MODEL_TRAINED = tuple(name for name in SETS if name not in VALIDATION)


def share(items: list, pred) -> float:
    return sum(map(pred, items)) / len(items) if items else float("nan")


def figures(rows: list[dict], outcomes: list[Outcome], recall: dict[str, float]) -> dict[str, float]:
    kind = {r["id"]: r["kind"] for r in rows}
    history = {r["id"] for r in rows if r.get("history")}
    follow = [o for o in outcomes if o.qid in history and o.answerable]
    follow_un = [o for o in outcomes if o.qid in history and not o.answerable]
    conflicts = [o for o in outcomes if kind[o.qid] == "conflict"]
    facts = [o for o in outcomes if kind[o.qid] == "fact"]
    return {
        "follow n": len(follow) + len(follow_un),
        "follow evidence": share(follow, lambda o: o.evidence),
        "follow false ref": share(follow, lambda o: not o.found),
        "follow refusal acc": share(follow_un, lambda o: not o.found),
        **{f"follow {k}": v for k, v in recall.items()},
        "conflict n": len(conflicts),
        "both sides": share(conflicts, lambda o: o.both_sides),
        "conflict evidence": share(conflicts, lambda o: o.evidence),
        "fact n": len(facts),
        "facts without disagreement": share(facts, lambda o: not o.disagreement),
    }


def timeline_figures(service, rows: list[dict]) -> dict[str, float]:
    """Recall and precision of ``/api/timeline``'s points against the expected ones (report and value)."""
    from qa.timeline import build_timeline

    from .eval import _norm

    names = {d.doc_id: Path(d.path).name for d in service.store.list_documents()}
    expected = given = hit_expected = hit_given = 0
    for row in rows:
        data = build_timeline(service, row["question"])
        got = [(names.get(p["citation"]["doc_id"], ""), p["value"], p["date"]) for p in data["points"] + data.get("undated", [])]
        want = [(p["report"], p["value"], p["date"]) for p in row["points"]]

        def matches(a, b) -> bool:
            return a[0] == b[0] and (_norm(a[1]) in _norm(b[1]) or _norm(b[1]) in _norm(a[1]))

        expected += len(want)
        given += len(got)
        hit_expected += sum(any(matches(g, w) for g in got) for w in want)
        hit_given += sum(any(matches(g, w) for w in want) for g in got)
    return {"timeline recall": hit_expected / expected if expected else float("nan"),
            "timeline precision": hit_given / given if given else float("nan")}


def run_set(embedder: SentenceEmbedder, name: str, folder: Path, reader: bool) -> tuple[dict, list[Outcome]]:
    root = ROOT / "bench" / name
    service = set_service(name, embedder, folder, reader=reader)
    rows = load_questions(root / "questions.jsonl")
    outcomes = run_ours(service, rows)
    follow = [r for r in rows if r.get("history")]
    recall = first_stage_recall(service, follow, ks=(1, 10))
    got = figures(rows, outcomes, recall)
    series = root / "timeline.jsonl"
    rows_t = [json.loads(x) for x in series.read_text().splitlines() if x.strip()] if series.exists() else []
    got.update(timeline_figures(service, rows_t) if rows_t
               else {"timeline recall": float("nan"), "timeline precision": float("nan")})
    return got, outcomes


COLUMNS = ("follow n", "follow evidence", "follow false ref", "follow refusal acc", "follow recall@1",
           "follow recall@10", "conflict n", "both sides", "conflict evidence", "fact n",
           "facts without disagreement", "timeline recall", "timeline precision")


def table(results: list[tuple[str, dict]]) -> str:
    def cell(c: str, v: float) -> str:
        return "–" if v != v else f"{v:.0f}" if c.endswith(" n") else f"{v:.2f}"

    lines = ["| set | " + " | ".join(COLUMNS) + " |", "|" + "---|" * (len(COLUMNS) + 1)]
    lines += [f"| {name} | " + " | ".join(cell(c, m[c]) for c in COLUMNS) + " |" for name, m in results]
    return "\n".join(lines)


def pooled(results: list[tuple[str, dict]]) -> str:
    """Both sides and facts without disagreement over every row of the sets run: what the judge's
    threshold trades (docs/evaluation.md, thirteenth round)."""
    def over(n: str, share: str) -> float:
        rows = [(m[n], m[share]) for _, m in results if m[n] and m[share] == m[share]]
        total = sum(k for k, _ in rows)
        return sum(k * v for k, v in rows) / total if total else float("nan")

    return (f"pooled over {len(results)} sets: both sides {over('conflict n', 'both sides'):.3f}, "
            f"facts without disagreement {over('fact n', 'facts without disagreement'):.3f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sets", nargs="+", default=[*VALIDATION, *MODEL_TRAINED, *NEVER],
                    help="folders under bench/ (default: the validation sets, the models' other training sets, "
                         "then the blind ones)")
    ap.add_argument("--reader", choices=("default", "off", "on"), default="default",
                    help="the trained reader: as REPORTQA_READER says, off or on")
    ap.add_argument("--json", help="write the figures and every outcome to this file")
    ap.add_argument("--judge-threshold", type=float,
                    help="the disagreement judge's weights at this threshold (the calibration sweep; "
                         "default: qa/disagreement.json's)")
    args = ap.parse_args(argv)
    if args.judge_threshold is not None:
        import qa.extractive
        from qa.disagreement import load_judge

        judge = load_judge()
        judge.threshold = args.judge_threshold
        qa.extractive.load_judge = lambda: judge
    settings = Settings.from_env()
    reader = {"off": False, "on": True}.get(args.reader, settings.reader)
    embedder = SentenceEmbedder(settings.embedding_path, threads=settings.torch_threads)
    embedder.warm_up()
    results, everything = [], {}
    with tempfile.TemporaryDirectory(prefix="eval-dialogue-") as folder:
        for name in args.sets:
            if not (ROOT / "bench" / name / "questions.jsonl").exists():
                print(f"skipped {name}: no bench/{name}/questions.jsonl")
                continue
            got, outcomes = run_set(embedder, name, Path(folder), reader)
            role = "validation" if name in VALIDATION else "model-trained" if name in MODEL_TRAINED else "blind"
            label = f"{name} ({role})"
            results.append((label, got))
            everything[name] = {"figures": got, "outcomes": [asdict(o) for o in outcomes]}
            print(table([(label, got)]).splitlines()[-1], flush=True)
    print(f"encoder {embedder.encoder_id}; reader {'on' if reader else 'off'}")
    print(table(results))
    if len(results) > 1:
        print(pooled(results))
    if args.json:
        Path(args.json).write_text(json.dumps(everything, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
