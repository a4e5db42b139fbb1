"""Train the answerability scorer (``qa/answerability.json``) offline, from the reports themselves.

    .venv/bin/python -m bench.train_answerability            # writes qa/answerability.json
    .venv/bin/python -m bench.train_answerability --check    # train and print accuracy, write nothing

Training pairs are generated from every sentence of the sample reports and the fixture corpus,
and joined by the questions of the *dev* split of the QA sets (``bench/qa``; the test split is
never read here, so its figures stay honest; ``--no-dev`` trains on generated pairs only).

The training set (``bench/train``: 10 more reports and 174 real-style questions, 51 of them
unanswerable, written apart from the eval sets) measures the scorer on reports and questions
it has never seen ("fresh questions" in the output). ``--with-train-set`` also trains on it
(its reports' pseudo-questions and its questions, checked on the half of its reports held out);
measured worse on the eval sets, so the shipped weights are trained without it:

- positives: a pseudo-question made from the sentence — a wh-phrase for a kind of answer the
  sentence holds ("How long" for a duration, "How much" for an amount, "Who", "Where", "Why", ...)
  plus a random 30–70 % of its remaining content words (the answer span itself removed);
- near-topic negatives: the same words with a wh-phrase for a kind of answer the sentence does
  not hold, the same question about a place no report names, or asking for a person's name;
- ranking negatives: the question paired with the three other sentences that share most words.

Features are computed by the same function the service uses (``qa.answerability.features``);
the model is an L2-regularised logistic regression fitted by gradient descent (numpy). Training
pairs are typed by the regexes of ``qa.answertype`` (no entities passed), while serving types
sentences by their stored named entities (``qa.typed``): both mean "the sentence holds the kind
of answer asked", and weights retrained on entity-typed pairs measured worse on the validation
questions (fewer answers quoting the gold evidence, more false refusals), so the shipped weights
stay the regex-trained ones.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.calibrate import choose  # noqa: E402
from ingest.chunking import split_sentences  # noqa: E402
from ingest.clean import clean_body  # noqa: E402
from ingest.header import parse_header  # noqa: E402
from qa import answertype  # noqa: E402
from qa.answerability import FEATURES, WEIGHTS_FILE, features, leans_back, negated  # noqa: E402
from qa.followup import resolve_followup  # noqa: E402
from qa.keyword import KeywordIndex  # noqa: E402
from qa.paraphrase import NearVocabulary  # noqa: E402
from qa.types import Turn  # noqa: E402
from qa.scoring import REFUSAL_THRESHOLD, weighted_overlap  # noqa: E402
from qa.subject import opening_setting  # noqa: E402
from qa.text import STOPWORDS, terms  # noqa: E402
from vectorstore import SentenceEmbedder  # noqa: E402

TRAIN_DIR = ROOT / "bench" / "train"
SAMPLE_ONE = ROOT / "tests" / "fixtures" / "sample-one"  # the user's first report (the sample set's corpus)
CORPORA = [SAMPLE_ONE, ROOT / "tests" / "fixtures" / "corpus", TRAIN_DIR / "corpus"]  # the last: --with-train-set
QUESTION_SETS = {0: ROOT / "bench" / "qa" / "sample.jsonl", 1: ROOT / "bench" / "qa" / "fixture.jsonl",
                 2: TRAIN_DIR / "questions.jsonl"}  # corpus index -> its real-style questions
WH = {"age": "How old", "duration": "How long", "amount": "How much", "count": "How many", "date": "On what date", "when": "When", "frequency": "How often", "who": "Who",
      "place": "Where", "reason": "Why", "document": "What documents", "": "What"}
SPAN = {"duration": answertype._DURATION, "amount": answertype._AMOUNT, "count": answertype._COUNT,
        "date": answertype._DATE}
REPEATS = int(os.environ.get("AQ_REPEATS", "3"))  # pseudo-questions per (sentence, answer kind)
SWAP = float(os.environ.get("AQ_SWAP", "0.5"))  # chance a kept word is swapped for a near word
NEAR: dict[str, list[str]] = {}  # word -> near words of the corpus vocabulary, filled by near_words()
UNITS = ["hour", "day", "week", "month", "year"]
# Words real questions use that a report may not (paraphrase, framing): pseudo-questions get some too.
ASIDE = ["purpose", "age", "happened", "kind", "exactly", "usually", "typically", "allowed", "term", "main",
         "actually", "reason", "situation", "currently", "overall", "type", "handle", "involved"]
FOREIGN = ["Peru", "Brazil", "Kenya", "Poland", "Cuba", "Egypt", "Nepal", "Chile", "Angola", "Cambodia"]


def load_reports() -> tuple[list[tuple[str, list[str]]], list[int]]:
    """(title, sentences) per report, and the index of the corpus each comes from."""
    out, corpus_of = [], []
    for c, corpus in enumerate(CORPORA):
        for path in sorted(corpus.glob("*.txt")) if corpus.is_dir() else []:
            parsed = parse_header(path.read_text(encoding="utf-8"))
            body = clean_body(parsed.body)
            sentences = [body[s:e] for s, e in split_sentences(body)]
            # what the service passes as a sentence's title: the report's title and its setting
            # (the names of its opening), where a report names its subject once
            out.append((f"{parsed.meta.get('title', path.stem)} {opening_setting(sentences)}", sentences))
            corpus_of.append(c)
    return out, corpus_of


def pseudo_question(kind: str, sentence: str, rng: random.Random, context: list[str] = ()) -> str | None:
    text = SPAN[kind].sub(" ", sentence) if kind in SPAN else sentence
    if kind == "reason":  # "Why X?" restates the effect; the cause is the answer, not in the question
        text = answertype.cause_split(sentence)[0]
    content = [w for w in re.findall(r"[^\W_]+(?:[’'-][^\W_]+)*", text) if w.lower() not in STOPWORDS]
    rate = rng.uniform(0.2, 0.6)  # real questions share only some of the answer's words
    keep = [w for w in content if rng.random() < rate]
    if len(keep) < 2:
        return None
    # Real questions also use words the answer sentence lacks (topic words, paraphrases): add
    # one or two content words from elsewhere in the same report.
    for _ in range(rng.choice((0, 1, 1, 2))):
        if context:
            keep.insert(rng.randrange(len(keep) + 1), rng.choice(context))
    if rng.random() < 0.4:
        keep.insert(rng.randrange(len(keep) + 1), rng.choice(ASIDE))
    # Paraphrase: some words swapped for a near word of the corpus vocabulary (by MiniLM), as a
    # user says "workers" or "come back" where the report says "laborers" or "return".
    keep = [rng.choice(NEAR[w.lower()]) if NEAR.get(w.lower()) and rng.random() < SWAP else w for w in keep]
    return f"{WH[kind]} {' '.join(keep)}?"


def near_words(reports, embedder: SentenceEmbedder, k: int = 3, floor: float = 0.55) -> dict[str, list[str]]:
    """For each content word of the reports, up to k other words (another stem) whose MiniLM vectors are close."""
    vocab = sorted({w.lower() for _, sents in reports for s in sents for w in re.findall(r"[^\W_]+", s)
                    if w.lower() not in STOPWORDS and len(w) > 3 and not w.isdigit()})
    vecs = np.asarray(embedder.encode(vocab))
    sims = vecs @ vecs.T
    out = {}
    for a, word in enumerate(vocab):
        order = np.argsort(-sims[a])
        near = [vocab[b] for b in order[1 : 4 * k] if sims[a, b] >= floor and terms(vocab[b]) != terms(word)][:k]
        if near:
            out[word] = near
    return out


def make_pairs(reports, rng: random.Random):
    """(question, report index, sentence index, label) tuples."""
    pairs = []
    flat = [(d, i, s) for d, (_, sents) in enumerate(reports) for i, s in enumerate(sents)]
    for d, i, s in flat:
        near = " ".join(reports[d][1][max(0, i - 3) : i] + reports[d][1][i + 1 : i + 4])
        context = [w for w in re.findall(r"[^\W_]+", near) if w.lower() not in STOPWORDS and len(w) > 3]
        kinds = [k for k in answertype.TYPES if answertype.sentence_has(k, s)] + [""]
        missing = [k for k in answertype.TYPES if not answertype.sentence_has(k, s)]
        for kind in [k for k in kinds for _ in range(REPEATS)]:
            q = pseudo_question(kind, s, rng, context)
            if not q:
                continue
            pairs.append((q, d, i, 1))
            body = q[len(WH[kind]) + 1 :]
            if missing:
                pairs.append((f"{WH[rng.choice(missing)]} {body}", d, i, 0))
            pairs.append((q[:-1] + f" in {rng.choice(FOREIGN)}?", d, i, 0))
            if kind in ("duration", "amount", "count"):  # the right kind of value, in another unit
                unit = rng.choice([u for u in UNITS if not answertype.has_unit(u, s)] or ["hour"])
                asked = f"How many {unit}s {body}" if kind == "duration" else f"{q[:-1]} per {unit}?"
                if not answertype.has_unit(unit, s):
                    pairs.append((asked, d, i, 0))
            # Negation: "Why ... not <verb>?" is answered by a sentence that denies it, not one that asserts it.
            own = [w for w in re.findall(r"[a-z]{4,}", s) if w not in STOPWORDS]
            denied = negated(s, first_only=True)
            if denied and rng.random() < 0.7:
                verb = next(w for w in own if terms(w) and terms(w)[0] in denied) if any(
                    terms(w) and terms(w)[0] in denied for w in own) else None
                if verb:
                    pairs.append((f"{q[:-1]} not {verb}?", d, i, 1))
            asserted = [w for w in own if terms(w) and terms(w)[0] not in negated(s)]
            if asserted and rng.random() < 0.3:
                pairs.append((f"{q[:-1]} not {rng.choice(asserted)}?", d, i, 0))
            # "Why <cause>?" is not answered by "<effect> because <cause>": it explains something else.
            cause = answertype.cause_split(s)[1] if kind == "reason" else ""
            for _ in range(3 if cause else 0):  # few sentences give a cause: several such pairs each
                cq = pseudo_question("", cause, rng)
                if cq:
                    pairs.append(("Why" + cq[len(WH[""]):], d, i, 0))
            # "Which hospital ...?" against a sentence that only says "a hospital".
            generic = re.findall(r"\b(?:a|an) ([a-z]{4,})\b", s)
            if generic and rng.random() < 0.5:
                pairs.append((f"Which {rng.choice(generic)} {body}", d, i, 0))
            if not answertype.has_person_name(s) and rng.random() < 0.3:
                pairs.append((f"What is the name of the {body}", d, i, 0))
            sterms = set(terms(q))
            others = sorted((o for o in flat if (o[0], o[1]) != (d, i)),
                            key=lambda o: -len(sterms & set(terms(o[2]))))[:3]
            pairs += [(q, od, oi, 0) for od, oi, _ in others]
        # A sentence that leans on the previous one ("They feel this way because ...") answers a
        # question worded like that previous sentence.
        if i > 0 and leans_back(s):
            for kind in kinds:
                q = pseudo_question(kind, reports[d][1][i - 1], rng, context)
                if q:
                    pairs.append((q, d, i, 1))
                    # "Why do they not want to return?" is answered by "They feel this way because ..."
                    # after "Most do not want to return."
                    denied = negated(reports[d][1][i - 1], first_only=True)
                    verb = next((w for w in re.findall(r"[a-z]{4,}", reports[d][1][i - 1])
                                 if terms(w) and terms(w)[0] in denied), None)
                    if verb:
                        pairs.append((f"{q[:-1]} not {verb}?", d, i, 1))
                    if kind and not answertype.sentence_has(kind, reports[d][1][i - 1]):
                        pairs.append((q, d, i - 1, 0))
    return pairs


def real_pairs(reports, corpus_of: list[int], dev: bool = True, train: bool = True):
    """Pairs from real-style questions: the training questions (all of them) and the dev split of
    the QA sets (never the test split). Returns (pairs, group of each pair) — the group is
    "<corpus>:<question id>", so held-out checks can leave whole questions out.

    Positives: sentences holding the gold evidence. Negatives: every other sentence of that
    question's corpus (for unanswerable questions, all of them).
    """
    pairs, groups = [], []
    for c, path in QUESTION_SETS.items():
        if not path.exists() or (c == 2 and not train) or (c != 2 and not dev):
            continue
        for line in path.read_text().splitlines():
            row = json.loads(line) if line.strip() else None
            if not row or (c != 2 and row["split"] != "dev"):
                continue
            history = [Turn("user", q) for q in row.get("history", [])]
            query = resolve_followup(row["question"], history)
            for d, (_, sents) in enumerate(reports):
                if corpus_of[d] != c:
                    continue
                for i, s in enumerate(sents):
                    gold = row["answerable"] and any(g in s for g in row["gold_evidence"])
                    pairs.append((query, d, i, int(gold)))
                    groups.append(f"{c}:{row.get('report', '')}:{row['id']}")
    return pairs, groups


def question_check(w: np.ndarray, x: np.ndarray, pairs, groups: list[str], threshold: float) -> str:
    """Per held-out question: is the best-scored sentence a gold one (answerable), is it refused
    at ``threshold`` (unanswerable)? The figures the eval measures, on questions not trained on."""
    by_q: dict[str, list[int]] = {}
    for j, g in enumerate(groups):
        by_q.setdefault(g, []).append(j)
    top1 = answerable = refused = unanswerable = false_ref = 0
    for rows in by_q.values():
        z = x[rows] @ w
        best = rows[int(np.argmax(z))]
        p = 1 / (1 + np.exp(-z.max()))
        if any(pairs[j][3] for j in rows):
            answerable += 1
            top1 += pairs[best][3] == 1 and p >= threshold
            false_ref += p < threshold
        else:
            unanswerable += 1
            refused += p < threshold
    return (f"top-1 gold and answered {top1}/{answerable}, false refusals {false_ref}/{answerable}, "
            f"refused {refused}/{unanswerable} unanswerable (threshold {threshold:.2f})")


def best_threshold(w: np.ndarray, x: np.ndarray, pairs, groups: list[str]) -> float:
    """The threshold that best separates answerable from unanswerable questions by their best
    sentence's probability (:func:`bench.calibrate.choose` on it)."""
    by_q: dict[str, list[int]] = {}
    for j, g in enumerate(groups):
        by_q.setdefault(g, []).append(j)
    best = [(float(1 / (1 + np.exp(-(x[rows] @ w).max()))), any(pairs[j][3] for j in rows)) for rows in by_q.values()]
    if all(a for _, a in best) or not any(a for _, a in best):
        return 0.5
    return choose(best)[0]


SCALE = 20.0  # q*s products are ~1/20 in size: scaled up so gradient descent moves their weights


def featurize(pairs, reports, embedder: SentenceEmbedder) -> tuple[np.ndarray, np.ndarray]:
    """Scalar features (the ``interaction`` column left 0) and the q*s products, one row per pair."""
    index = KeywordIndex()
    for d, (_, sents) in enumerate(reports):
        index.add(str(d), [(f"{d}:{i}", s) for i, s in enumerate(sents)])
    svec = {(d, i): v for d, (_, sents) in enumerate(reports) for i, v in enumerate(embedder.encode(sents))}
    questions = list(dict.fromkeys(q for q, *_ in pairs))
    qvec = dict(zip(questions, embedder.encode(questions)))
    rows, products = [], []
    unseen = index.idf("\x00never-indexed\x00")
    vocabulary = NearVocabulary(embedder.word_vectors)  # as the service does: paraphrases are not unknown
    vocabulary.update(index.vocabulary())
    near_of: dict[str, set[str]] = {}
    for q, d, i, _ in pairs:
        title, sents = reports[d]
        qterms = list(dict.fromkeys(terms(q)))
        idf = {t: index.idf(t) for t in qterms}
        known = {t for t in qterms if idf[t] < unseen - 1e-9}
        if q not in near_of:
            near_of[q] = vocabulary.near([t for t in qterms if t not in known])
        neigh = [j for j in (i - 1, i + 1) if 0 <= j < len(sents)]
        dense = float(np.dot(qvec[q], svec[(d, i)]))
        context = max((float(np.dot(qvec[q], svec[(d, j)])) for j in neigh), default=0.0)
        overlap = weighted_overlap(qterms, set(terms(sents[i])), idf)
        prev = float(np.dot(qvec[q], svec[(d, i - 1)])) if i > 0 else 0.0
        rows.append(features(q, qterms, idf, sents[i], title, dense, context, overlap,
                             " ".join(sents[j] for j in neigh), known=known,
                             prev_text=sents[i - 1] if i > 0 else "", prev_dense=prev, near=near_of[q]))
        products.append(qvec[q] * svec[(d, i)] * SCALE)
    return np.asarray(rows, dtype=np.float64)[:, :-1], np.asarray(products, dtype=np.float64)


def fit(x: np.ndarray, y: np.ndarray, l2: float | np.ndarray = 3e-3, steps: int = 4000, lr: float = 0.5,
        sample_weight: np.ndarray | None = None) -> np.ndarray:
    """Class-balanced, weighted logistic regression by full-batch gradient descent."""
    w = np.zeros(x.shape[1])
    sw = np.ones(len(y)) if sample_weight is None else sample_weight
    pos = (sw * y).sum() / sw.sum()
    weight = sw * np.where(y == 1, 0.5 / pos, 0.5 / (1 - pos))
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(x @ w)))
        grad = x.T @ ((p - y) * weight) / len(y) + l2 * np.r_[0, w[1:]]
        w -= lr * grad
    return w


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Train qa/answerability.json from pseudo-questions.")
    ap.add_argument("--check", action="store_true", help="print held-out accuracy, write nothing")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--no-dev", action="store_true", help="leave out the dev-split questions of the QA sets")
    ap.add_argument("--with-train-set", action="store_true",
                    help="also train on bench/train (reports and questions); default: use it only to measure")
    ap.add_argument("--real-weight", "--dev-weight", dest="real_weight", type=float, default=1.0,
                    help="real-style question pairs weigh this many times all generated pairs together")
    ap.add_argument("--no-interaction", dest="interaction", action="store_false",
                    help="scalar features only (no learned q*s interaction vector)")
    ap.add_argument("--l2-interaction", type=float, default=1e-3, help="L2 penalty of the interaction weights")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    reports, corpus_of = load_reports()
    fresh = [r for r, c in zip(reports, corpus_of) if c == 2]  # the training set's reports
    if not args.with_train_set:  # kept apart: only measured on, below
        reports, corpus_of = [r for r, c in zip(reports, corpus_of) if c != 2], [c for c in corpus_of if c != 2]
    embedder = SentenceEmbedder(threads=1)
    NEAR.update(near_words(reports, embedder))
    pairs = make_pairs(reports, rng)
    real, groups = real_pairs(reports, corpus_of, dev=not args.no_dev, train=args.with_train_set)
    scalars, products = featurize(pairs + real, reports, embedder)
    k = scalars.shape[1]
    x = np.c_[scalars, products] if args.interaction else scalars
    # The 384 interaction weights get a stronger penalty than the few scalar ones.
    l2 = np.r_[np.full(k, 3e-3), np.full(x.shape[1] - k, args.l2_interaction)]
    y = np.asarray([p[3] for p in pairs + real], dtype=np.float64)
    n = len(pairs)

    def weights(real_mask: np.ndarray) -> np.ndarray:
        # Real questions (paraphrases, near-topic unanswerables) weigh as much as all generated pairs together.
        return np.r_[np.ones(n), np.where(real_mask, args.real_weight * n / max(1, int(real_mask.sum())), 0.0)]

    everything = np.ones(len(real), dtype=bool)
    # Check 1: generated pairs of every fifth report held out.
    held = np.r_[[p[1] % 5 == 0 for p in pairs], np.zeros(len(real), dtype=bool)]
    w = fit(x[~held], y[~held], l2=l2, sample_weight=weights(everything)[~held])
    acc = float((((x[held] @ w) > 0) == (y[held] == 1)).mean())
    print(f"{n} generated pairs ({int(y[:n].sum())} positive), {len(real)} real-question pairs "
          f"({len(set(groups))} questions); held-out report accuracy {acc:.3f}")
    # Check 2: the training questions of every other training report held out (their reports'
    # generated pairs stay: at serving time the scorer has seen the reports, never the questions).
    train_reports = sorted({g.split(":")[1] for g in groups if g.startswith("2:")})
    out_reports = set(train_reports[1::2])
    out = np.asarray([g.split(":")[1] in out_reports for g in groups if g], dtype=bool)
    if out.any():
        keep = np.r_[np.ones(n, dtype=bool), ~out]
        w = fit(x[keep], y[keep], l2=l2, sample_weight=weights(~out)[keep])
        rx = x[n:]
        kept = [j for j in range(len(real)) if not out[j]]
        t = best_threshold(w, rx[kept], [real[j] for j in kept], [groups[j] for j in kept]) if kept else 0.5
        print("held-out training questions: " + question_check(
            w, rx[out], [r for r, o in zip(real, out) if o], [g for g, o in zip(groups, out) if o], t))
    w = fit(x, y, l2=l2, sample_weight=weights(everything))
    threshold = best_threshold(w, x[n:], real, groups) if real else 0.5
    if real:
        print("all real questions (trained on): " + question_check(w, x[n:], real, groups, threshold))
    if fresh and not args.with_train_set:
        # The training set's questions over its own reports, a store the scorer has never seen.
        m_pairs, m_groups = real_pairs(fresh, [2] * len(fresh), dev=False)
        ms, mp = featurize(m_pairs, fresh, embedder)
        mx = np.c_[ms, mp] if args.interaction else ms
        for t in sorted({round(threshold, 2), REFUSAL_THRESHOLD}):
            print("fresh questions on unseen reports: " + question_check(w, mx, m_pairs, m_groups, t))
    u = w[k:] * SCALE
    w = np.r_[w[:k], 1.0 if args.interaction else 0.0]  # the interaction feature is already weighted by u
    for name, v in zip(FEATURES, w):
        print(f"  {name:16s} {v:+.3f}")
    if args.interaction:
        print(f"  interaction vector |u| = {np.linalg.norm(u):.2f}")
    print(f"  refusal threshold from the real questions' gap: {threshold:.3f}")
    if not args.check:
        WEIGHTS_FILE.write_text(json.dumps({"features": list(FEATURES), "weights": [round(float(v), 5) for v in w],
                                            "interaction": [round(float(v), 4) for v in u],
                                            "threshold": round(float(threshold), 3),
                                            "trained_by": "bench/train_answerability.py", "seed": args.seed,
                                            "pairs": n, "real_pairs": len(real)}, indent=1) + "\n")
        print(f"wrote {WEIGHTS_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
