"""Why-questions: how many are answered with their evidence, and how many the reports do not answer
are refused.

    .venv/bin/python -m bench.reasons                   # bench/why (120 questions, about 2 minutes)
    .venv/bin/python -m bench.reasons --labelled        # also the why-questions of the labelled sets (5 minutes)
    .venv/bin/python -m bench.reasons --rank-by-mark    # the ranking before the thirteenth round's change
    .venv/bin/python -m bench.reasons --answer-all      # no refusal for want of a marked reason

bench/why holds 60 answerable and 60 near-topic unanswerable why-questions over the corpora of
bench/blind12-14 (validation); 40 of them (half answerable) are follow-ups after one exchange. A
why-question is ranked by the answerability without the check that a sentence marks its reason
("because", "citing"), and a first question is refused when no sentence that marks one reaches
the refusal threshold (``qa.extractive.reason_given``; a follow-up is not asked for the mark). ``--rank-by-mark``
ranks by the marked answerability as well, as before: the ablation that shows what the change does;
``--answer-all`` drops the refusal for want of a marked reason: what that refusal costs and saves.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import qa.extractive  # noqa: E402
import qa.retrieval  # noqa: E402
from bench.blind import history_of, holds_evidence, load_questions  # noqa: E402
from bench.labelled import NEVER, SETS, set_service  # noqa: E402
from qa.answertype import question_type  # noqa: E402
from qa.chain import build_embedder  # noqa: E402
from settings import Settings  # noqa: E402

WHY = ROOT / "bench" / "why" / "questions.jsonl"


def rows_by_corpus(labelled: bool) -> dict[str, list[dict]]:
    """bench/why's rows by the corpus they ask about; with ``labelled``, also every why-question of
    the labelled sets (never a blind one)."""
    out: dict[str, list[dict]] = defaultdict(list)
    for row in load_questions(WHY):
        out[row["corpus"]].append(row)
    for name in SETS if labelled else ():
        assert name not in NEVER
        for row in load_questions(ROOT / "bench" / name / "questions.jsonl"):
            if question_type(row["question"]) == "reason":
                out[name].append({**row, "corpus": name, "labelled": True})
    return out


def figures(outcomes: list[tuple[dict, bool, bool]]) -> dict[str, float]:
    answerable = [(found, ev) for row, found, ev in outcomes if row["answerable"]]
    unanswerable = [found for row, found, _ in outcomes if not row["answerable"]]
    return {"answerable": len(answerable), "evidence": sum(ev for _, ev in answerable),
            "refused": sum(not found for found, _ in answerable),
            "unanswerable": len(unanswerable), "unanswerable refused": sum(not found for found in unanswerable)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--labelled", action="store_true", help="also the why-questions of the labelled sets")
    ap.add_argument("--rank-by-mark", action="store_true", help="rank by the marked answerability too (the ablation)")
    ap.add_argument("--answer-all", action="store_true", help="no refusal for want of a marked reason (the ablation)")
    ap.add_argument("--json", help="write every outcome to this file")
    args = ap.parse_args(argv)
    if args.rank_by_mark:
        qa.retrieval.without_marker_check = list  # answerability = the marked one, as before the change
    if args.answer_all:
        qa.extractive.reason_given = lambda candidates, floor: list(candidates)
    settings = Settings.from_env()
    embedder = build_embedder(settings)
    outcomes: dict[str, list] = defaultdict(list)
    for corpus, rows in rows_by_corpus(args.labelled).items():
        with tempfile.TemporaryDirectory(prefix="reasons-") as tmp:
            service = set_service(corpus, embedder, Path(tmp))
            for row in rows:
                answer = service.ask(row["question"], history_of(row, service))
                evidence = answer.found and row["answerable"] and holds_evidence(answer.answer, row)
                group = "labelled sets" if row.get("labelled") else "bench/why"
                group += ", follow-ups" if row.get("history") else ""
                outcomes[group].append((row, answer.found, bool(evidence)))
    how = "ranked by the marked answerability (ablation)" if args.rank_by_mark else "ranked as shipped"
    never = ", never refused for want of a marked reason (ablation)" if args.answer_all else ""
    print(f"why-questions, {how}{never}")
    print("| questions | answerable | with evidence | refused | unanswerable | refused |")
    print("|---|---|---|---|---|---|")
    for group, got in outcomes.items():
        f = figures(got)
        print(f"| {group} | {f['answerable']} | {f['evidence']} | {f['refused']} | {f['unanswerable']} | "
              f"{f['unanswerable refused']} |")
    if args.json:
        Path(args.json).write_text(json.dumps({g: [{"id": r["id"], "found": fd, "evidence": ev} for r, fd, ev in got]
                                               for g, got in outcomes.items()}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
