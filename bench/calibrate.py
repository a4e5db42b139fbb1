"""Choose the refusal threshold on real-style questions, through the service's own code path.

    .venv/bin/python -m bench.calibrate            # prints the curve and the chosen threshold
    .venv/bin/python -m bench.calibrate --write    # also stores it in qa/answerability.json

The threshold is the minimum answerability of the best sentence for an answer at all. It is
chosen on questions the eval never reports: the training set's 174 questions over its own 10
reports (``bench/train``) and the dev split of the QA sets, each asked through ``QAService.ask``
over a store of its own corpus. The choice maximises balanced accuracy (answerable questions
answered, unanswerable ones refused), the midpoint of the best run of cut points. A second curve
and threshold (``typed_threshold``) cover the questions that ask for a typed thing: there the
score is the best sentence that holds an answer of that type (``qa.typed``).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.eval import CORPORA, load_set  # noqa: E402
from ingest import Ingestor  # noqa: E402
from qa import Turn, build_service  # noqa: E402
from qa.answerability import WEIGHTS_FILE  # noqa: E402
from qa.followup import resolve_followup  # noqa: E402
from qa.scoring import REFUSAL_THRESHOLD, TYPED_THRESHOLD  # noqa: E402
from qa.typed import typed_lead  # noqa: E402
from settings import Settings  # noqa: E402
from vectorstore import ReportStore, SentenceEmbedder  # noqa: E402

SETS = {"fresh": "fresh", "sample": "dev", "fixture": "dev"}  # eval set -> the split asked (never "test")


def best_scores(embedder: SentenceEmbedder) -> tuple[list[tuple[float, bool]], list[tuple[float, bool]]]:
    """(best sentence's answerability, answerable?) for every calibration question, and for the
    questions asking for a typed thing (:mod:`qa.typed`), (the answerability of the best sentence
    holding that type — 0 when none does —, answerable?)."""
    out, typed = [], []
    for name, split in SETS.items():
        rows = [r for r in load_set(name) if r["split"] == split]
        with tempfile.TemporaryDirectory(prefix="calibrate-") as folder:
            store = ReportStore(embedder, path=Path(folder) / "store")
            Ingestor(store).ingest_paths([CORPORA[name]])
            # The extractive answerer (an LLM set in the environment would leave no confidence).
            service = build_service(Settings.from_env(store=Path(folder) / "store", llm_url=""), store)
            for r in rows:
                history = [Turn("user", q) for q in r.get("history", [])]
                query = resolve_followup(r["question"], history)
                candidates = service.retriever.candidates(query)
                out.append((candidates[0].answerability if candidates else 0.0, bool(r["answerable"])))
                is_typed, lead = typed_lead(query, candidates)
                if is_typed:
                    typed.append((candidates[lead].answerability if lead is not None else 0.0, bool(r["answerable"])))
    return out, typed


def choose(scores: list[tuple[float, bool]]) -> tuple[float, float]:
    """(threshold, balanced accuracy): the midpoint below the lowest cut of the best run."""
    pos = [p for p, a in scores if a]
    neg = [p for p, a in scores if not a]
    cuts = sorted({p for p, _ in scores})

    def bal(t: float) -> float:
        return (sum(p >= t for p in pos) / len(pos) + sum(p < t for p in neg) / len(neg)) / 2

    top = max(bal(t) for t in cuts)
    first = min(t for t in cuts if bal(t) >= top - 1e-9)
    below = max((p for p in cuts if p < first), default=first)
    return round((below + first) / 2, 3), top


def curve(scores: list[tuple[float, bool]]) -> None:
    """The trade-off table: at each threshold, the share of answerable questions answered and of
    unanswerable ones refused."""
    pos = [p for p, a in scores if a]
    neg = [p for p, a in scores if not a]
    print(f"{len(scores)} questions: {len(pos)} answerable, {len(neg)} unanswerable")
    print("| threshold | answerable answered | unanswerable refused | balanced |")
    print("|---|---|---|---|")
    for t in (0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.69, 0.72, 0.75, 0.78, 0.8, 0.85, 0.9):
        a = sum(p >= t for p in pos) / len(pos) if pos else 0.0
        r = sum(p < t for p in neg) / len(neg) if neg else 0.0
        print(f"| {t:.2f} | {a:.2f} | {r:.2f} | {(a + r) / 2:.2f} |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--write", action="store_true", help="store the chosen threshold in qa/answerability.json")
    args = ap.parse_args(argv)
    embedder = SentenceEmbedder(threads=int(os.environ.get("REPORTQA_TORCH_THREADS", "1") or 1))
    scores, typed = best_scores(embedder)
    print("All questions: the best sentence's answerability against the refusal threshold")
    curve(scores)
    threshold, top = choose(scores)
    print(f"chosen threshold {threshold} (balanced accuracy {top:.2f}; shipped {REFUSAL_THRESHOLD})\n")
    print("Questions asking for a typed thing (a name, an amount, a count, a date): the best sentence")
    print("holding that type (0 when none does) against the typed threshold")
    curve(typed)
    typed_threshold, typed_top = choose(typed)
    print(f"chosen typed threshold {typed_threshold} (balanced accuracy {typed_top:.2f}; shipped {TYPED_THRESHOLD})")
    if args.write:
        data = json.loads(WEIGHTS_FILE.read_text())
        data["threshold"] = threshold
        data["typed_threshold"] = typed_threshold
        WEIGHTS_FILE.write_text(json.dumps(data, indent=1) + "\n")
        print(f"wrote {WEIGHTS_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
