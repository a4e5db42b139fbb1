"""Train the follow-up ranker (``qa/followup_rank.json``).

    .venv/bin/python -m bench.train_followup_rank                 # writes qa/followup_rank.json
    .venv/bin/python -m bench.train_followup_rank --check         # figures only, writes nothing
    .venv/bin/python -m bench.train_followup_rank --stores /tmp/s # keeps the built stores there

Data: the follow-up rows of the labelled sets named by ``--sets``. Each set's reports are
ingested into a store of its own; each follow-up row's earlier questions are asked of the real
service first (as ``bench.blind`` does), then the row's question. The ranker is replaced by a
recorder while asking, so what is recorded is what the ranker would be given: the follow-up's
candidates in the search's order, its own-words search and the last exchange. Every candidate the
ranker could put first (of the first ten, those that reach the follow-up's refusal threshold, when
the first one does) becomes one example, labelled 1 when the answer the service gives with that
candidate leading holds the row's gold evidence (``bench.blind.holds_evidence``: the metric
itself), as answered without the second sentence of the lead's report a follow-up's answer may
quote (:func:`qa.extractive.select_sentences`): the ranker learns which sentence should lead.
Rows of unanswerable follow-ups are left out, and so are rows none of whose candidates leads to
the evidence when training (no pick of theirs is right).

The model is a conditional logit over :data:`qa.followup_rank.FEATURES` (:func:`fit_choice`: per
row, a softmax over its candidates, fitted to pick one that leads to the evidence), with an L2
penalty, the best of ``--l2`` held out. Leave-one-set-out figures (fitted without a set,
measured on it: how many follow-ups are answered with the gold evidence, in the search's order and
led by the model's pick) are printed and stored in the weights file.

The blind sets (``bench.labelled.NEVER``) are never read here.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.labelled import add_options, collect, parse, set_service, write_weights  # noqa: E402
from bench.blind import history_of, holds_evidence, load_questions  # noqa: E402
from qa.followup_rank import FEATURES, WEIGHTS_FILE, choices  # noqa: E402
from vectorstore import SentenceEmbedder  # noqa: E402


class Recorder:
    """Stands in for the follow-up ranker while a question is asked: keeps what it was given and
    leaves the order as it is."""

    def __init__(self):
        self.calls: list[tuple] = []

    def rerank(self, question, last, candidates, own, prefer, floor, anchor=None):
        self.calls.append((question, last, list(candidates), list(own), prefer, floor, anchor))
        return list(candidates)


def leads_to_evidence(service, row: dict, question: str, candidates: list) -> bool:
    """Does the answer the service gives from ``candidates``, in this order, hold the row's gold
    evidence (``bench.blind.holds_evidence``, the metric), without a second sentence of the lead's
    report?"""
    answer = service.extractive.answer(question, candidates, followup=True, second=False)
    return answer.found and holds_evidence(answer.answer, row)


def examples(name: str, embedder: SentenceEmbedder, stores: Path) -> list[dict]:
    """One dict per answerable follow-up row of one set that the ranker would reorder: its
    candidates' features and labels, in the search's order."""
    service = set_service(name, embedder, stores, followup_rank=False)
    recorder = Recorder()
    service.followup_ranker = recorder
    out = []
    for row in load_questions(ROOT / "bench" / name / "questions.jsonl"):
        if row["kind"] != "followup" or not row["answerable"]:
            continue
        history = history_of(row, service)
        recorder.calls.clear()
        service.ask(row["question"], history)
        if not recorder.calls:
            continue  # not resolved as a follow-up: nothing for the ranker
        question, last, candidates, own, prefer, floor, anchor = recorder.calls[-1]
        if not candidates or candidates[0].answerability < floor:
            continue  # refused before any order matters
        options = choices(question, last, candidates, own, prefer, floor, anchor)
        # the label: would the answer hold the gold evidence with this candidate leading?
        labels = [int(leads_to_evidence(service, row, question, [candidates[i], *candidates[:i], *candidates[i + 1:]]))
                  for i, _ in options]
        out.append({"set": name, "id": row["id"],
                    "first": int(leads_to_evidence(service, row, question, candidates)),
                    "x": [x for _, x in options], "y": labels})
    return out


def fit_choice(rows: list[dict], l2: float, steps: int = 300, lr: float = 1.0) -> np.ndarray:
    """A conditional logit (a softmax over each row's candidates) by full-batch gradient descent,
    its target spread evenly over the candidates whose lead gives the evidence. Only rows where
    the pick matters (some candidates lead to the evidence, some do not) are fitted."""
    mixed = [(np.asarray(r["x"], dtype=np.float64), np.asarray(r["y"], dtype=np.float64))
             for r in rows if r["x"] and 0 < sum(r["y"]) < len(r["y"])]
    w = np.zeros(len(FEATURES))
    for _ in range(steps):
        grad = np.zeros_like(w)
        for x, y in mixed:
            z = x @ w
            p = np.exp(z - z.max())
            grad += x.T @ (p / p.sum() - y / y.sum())
        w -= lr * (grad / len(mixed) + l2 * np.r_[0.0, w[1:]])
    return w


def figures(w: np.ndarray, rows: list[dict]) -> dict[str, int]:
    """Rows whose answer holds the gold evidence, in the search's order and led by the model's pick."""
    before = sum(r["first"] for r in rows)
    after = sum(r["y"][int(np.argmax(np.asarray(r["x"]) @ w))] if r["x"] else r["first"] for r in rows)
    best = sum(max(r["y"]) if r["x"] else r["first"] for r in rows)
    return {"rows": len(rows), "evidence, search order": before, "evidence, ranked": after, "evidence, best pick": best}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Train qa/followup_rank.json from the labelled sets' follow-ups.")
    add_options(ap)
    ap.add_argument("--l2", type=float, nargs="+", default=[0.001, 0.01, 0.1],
                    help="penalties tried; the best leave-one-set-out figure is kept (ties: the larger)")
    args = parse(ap, argv)
    data = collect(args, examples)

    def train(names: list[str], l2: float) -> np.ndarray:
        return fit_choice([r for n in names for r in data[n]], l2)

    tried = {}
    for l2 in sorted(args.l2, reverse=True):
        held_out = {}
        for name in args.sets:
            held_out[name] = figures(train([n for n in args.sets if n != name], l2), data[name])
        total = {k: sum(h[k] for h in held_out.values()) for k in next(iter(held_out.values()))}
        tried[l2] = (held_out, total)
        print(f"l2 {l2:g}: held out, all sets: {total}", flush=True)
    l2 = max(tried, key=lambda k: (tried[k][1]["evidence, ranked"], k))
    held_out, total = tried[l2]
    for name, got in held_out.items():
        print(f"held out {name:7s} (l2 {l2:g}): {got['evidence, search order']} -> "
              f"{got['evidence, ranked']} of {got['rows']} follow-ups answered with the gold evidence")
    w = train(list(args.sets), l2)
    counts = {n: {"rows": len(data[n]), "examples": sum(len(r["y"]) for r in data[n]),
                  "positive": sum(sum(r["y"]) for r in data[n])} for n in args.sets}
    print("examples:", counts)
    print("weights:", dict(zip(FEATURES, np.round(w, 3).tolist())))
    print("all sets, in sample:", figures(w, [r for n in args.sets for r in data[n]]))
    if args.check:
        return 0
    write_weights(WEIGHTS_FILE, "bench.train_followup_rank", argv, args, counts,
                  model={"features": list(FEATURES), "weights": [round(float(v), 5) for v in w]},
                  fit={"l2": l2, "l2_tried": {str(k): v[1] for k, v in tried.items()}},
                  figures={"held_out": held_out, "held_out_total": total})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
