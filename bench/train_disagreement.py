"""Train the same-subject judge of dated disagreements (``qa/disagreement.json``).

    .venv/bin/python -m bench.train_disagreement                 # writes qa/disagreement.json
    .venv/bin/python -m bench.train_disagreement --check         # figures only, writes nothing
    .venv/bin/python -m bench.train_disagreement --stores /tmp/s # keeps the built stores there

Data: the labelled sets named by ``--sets``. Each set's reports are ingested into a store of its
own and each of its single questions (facts and dated conflicts; no follow-ups) is asked of the
real service. Every pair the answer could set up as a disagreement
(:func:`qa.extractive.conflict_pairs`: the answer's valued sentence against another report's
sentence with a different value) becomes one example:

- positive: a conflict row's pair whose two sentences are the row's two gold sentences (or give
  their values, from their reports);
- negative: a fact row's pair (those rows have one answer: the metric counts any disagreement
  shown on them as a false one), or a conflict row's pair whose answer sentence is gold and
  whose other sentence is not;
- left out: a conflict row's pair whose answer sentence is not gold (the answer is wrong
  before any disagreement is looked at; no label says what its pair is).

The model is a class-balanced L2 logistic regression (``bench.train_answerability.fit``) over
:data:`qa.disagreement.FEATURES`. The threshold is the lowest at which at most ``--max-false``
of the fact rows would show a disagreement on the training data. Leave-one-set-out figures
(fit and threshold without a set, measured on it) are printed and stored in the weights file.

The blind sets (``bench.labelled.NEVER``, bench/blind17) are never read here.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import qa.extractive as extractive  # noqa: E402
from bench.blind import load_questions  # noqa: E402
from bench.eval import _norm  # noqa: E402
from bench.labelled import add_options, collect, parse, set_service, write_weights  # noqa: E402
from bench.train_answerability import fit  # noqa: E402
from qa.disagreement import FEATURES, WEIGHTS_FILE, load_judge, pair_features  # noqa: E402
from qa.scoring import REFUSAL_THRESHOLD  # noqa: E402
from qa.subject import asked_kind, candidates_same_subject, value_for  # noqa: E402
from vectorstore import SentenceEmbedder  # noqa: E402


class Recorder:
    """Stands in for :func:`qa.extractive.find_conflicts` while a question is asked: keeps what the
    answerer passed (its chosen sentences and ranked candidates) and finds no conflict."""

    def __init__(self):
        self.calls: list[tuple] = []

    def __call__(self, question, chosen, candidates, *args, **kwargs):
        self.calls.append((question, list(chosen), list(candidates)))
        return []


def gold_side(row: dict, c, kind: str, file_of: dict[str, str]) -> int | None:
    """Which of a conflict row's two reports ``c`` speaks for: it holds that report's gold
    sentence, or it is from that report and gives the gold sentence's value."""
    for i, gold in enumerate(row["gold_evidence"][:2]):
        if _norm(gold) in _norm(c.text):
            return i
    for i, (gold, report) in enumerate(zip(row["gold_evidence"][:2], row.get("reports", []))):
        if file_of.get(c.doc_id) == report:
            want, got = value_for(row["question"], kind, gold), value_for(row["question"], kind, c.text)
            if want is not None and got is not None and want.value.same_as(got.value):
                return i
    return None


def examples(name: str, embedder: SentenceEmbedder, stores: Path) -> list[dict]:
    """One dict per candidate pair of one set: features, label, the row's id and kind."""
    service = set_service(name, embedder, stores)
    file_of = {d.doc_id: Path(d.path).name for d in service.store.list_documents()}
    rows = [r for r in load_questions(ROOT / "bench" / name / "questions.jsonl")
            if r["kind"] in ("fact", "conflict") and not r.get("history")]
    recorder = Recorder()
    real = extractive.find_conflicts
    extractive.find_conflicts = recorder
    out = []
    try:
        for row in rows:
            recorder.calls.clear()
            service.ask(row["question"])
            if not recorder.calls:
                continue
            question, chosen, candidates = recorder.calls[-1]
            kind = asked_kind(question)
            for best, c, mine, theirs in extractive.conflict_pairs(question, chosen, candidates):
                if row["kind"] == "fact":
                    label = 0
                else:
                    a, b = gold_side(row, best, kind, file_of), gold_side(row, c, kind, file_of)
                    if a is None:
                        continue  # the answer itself is wrong: no label for its pair
                    label = int(b is not None and b != a)
                rule = candidates_same_subject(question, best, c, mine, theirs, REFUSAL_THRESHOLD)
                out.append({"set": name, "id": row["id"], "kind": row["kind"], "label": label, "rule": bool(rule),
                            "x": pair_features(question, best, c, mine, theirs)})
    finally:
        extractive.find_conflicts = real
    return out


def probabilities(w: np.ndarray, data: list[dict]) -> np.ndarray:
    x = np.asarray([d["x"] for d in data], dtype=np.float64)
    return 1 / (1 + np.exp(-(x @ w)))


def question_figures(w: np.ndarray | None, threshold: float, data: list[dict]) -> dict[str, float]:
    """Per question, as the answerer decides (the likeliest pair at or above the threshold):
    the share of conflict rows whose pick is a gold pair, and the share of fact rows with none.
    ``w`` None: the hand rule this model replaced (its first passing pair)."""
    if w is None:
        p = np.asarray([1.0 - 0.001 * i if d["rule"] else 0.0 for i, d in enumerate(data)])
    else:
        p = probabilities(w, data) if data else np.zeros(0)
    best: dict[str, tuple[float, int, str]] = {}
    for d, pi in zip(data, p):
        if pi >= threshold and pi > best.get(d["id"], (-1.0, 0, ""))[0]:
            best[d["id"]] = (float(pi), d["label"], d["kind"])
    conflicts = {d["id"] for d in data if d["kind"] == "conflict" and d["label"] == 1}
    facts = {d["id"] for d in data if d["kind"] == "fact"}
    right = sum(1 for i in conflicts if best.get(i, (0, 0, ""))[1] == 1)
    false = sum(1 for i in facts if i in best)
    return {"conflicts with a gold pair": len(conflicts), "found": right,
            "facts with a pair": len(facts), "false": false}


def choose_threshold(w: np.ndarray, data: list[dict], max_false: float, fact_rows: int) -> float:
    """The lowest threshold at which at most ``max_false`` of the fact rows show a disagreement."""
    for t in np.arange(0.30, 0.96, 0.01):
        if question_figures(w, float(t), data)["false"] <= max_false * fact_rows:
            return round(float(t), 2)
    return 0.95


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Train qa/disagreement.json from the labelled sets.")
    add_options(ap)
    ap.add_argument("--l2", type=float, default=0.1, help="chosen by the leave-one-set-out figures (0.001-0.3 tried)")
    ap.add_argument("--max-false", type=float, default=0.02, help="share of fact rows allowed a disagreement")
    args = parse(ap, argv)
    data = collect(args, examples)
    fact_rows = {name: sum(1 for r in load_questions(ROOT / "bench" / name / "questions.jsonl")
                           if r["kind"] == "fact" and not r.get("history")) for name in args.sets}

    def train(names: list[str]) -> tuple[np.ndarray, float]:
        rows = [d for n in names for d in data[n]]
        x = np.asarray([d["x"] for d in rows], dtype=np.float64)
        y = np.asarray([d["label"] for d in rows], dtype=np.float64)
        w = fit(x, y, l2=args.l2)
        return w, choose_threshold(w, rows, args.max_false, sum(fact_rows[n] for n in names))

    shipped = load_judge()  # the judge in qa/disagreement.json now: what a retrained one must beat
    held_out = {}
    for name in args.sets:
        w, t = train([n for n in args.sets if n != name])
        got = question_figures(w, t, data[name])
        got["fact rows"] = fact_rows[name]
        rule = question_figures(None, 0.5, data[name])
        got["rule"] = {"found": rule["found"], "false": rule["false"]}
        held_out[name] = got
        now = question_figures(np.asarray(shipped.weights), shipped.threshold, data[name])
        print(f"held out {name:7s} threshold {t:.2f}: {got['found']}/{got['conflicts with a gold pair']} gold pairs "
              f"found; {got['false']}/{fact_rows[name]} fact rows with a disagreement "
              f"(the hand rule: {rule['found']} found, {rule['false']} false; the shipped judge: {now['found']} found, "
              f"{now['false']} false)", flush=True)
    w, t = train(list(args.sets))
    counts = {n: {"pairs": len(data[n]), "positive": sum(d["label"] for d in data[n])} for n in args.sets}
    print("pairs:", counts)
    print("weights:", dict(zip(FEATURES, np.round(w, 3).tolist())), "threshold:", t)
    print("all sets:", question_figures(w, t, [d for n in args.sets for d in data[n]]))
    if args.check:
        return 0
    write_weights(WEIGHTS_FILE, "bench.train_disagreement", argv, args, counts,
                  model={"features": list(FEATURES), "weights": [round(float(v), 5) for v in w], "threshold": t},
                  fit={"l2": args.l2, "max_false": args.max_false}, figures={"held_out": held_out})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
