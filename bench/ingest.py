"""Ingest benchmark: our ingest vs raw ``SentenceTransformer.encode`` vs the tutorial baseline,
on ~2,000 passages of real text, and the re-ingest of the unchanged corpus.

    .venv/bin/python bench/ingest.py [--passages 2000] [--batch-size 32] [--seed 6]

The corpus is made of real sentences (the sample report and the test fixtures) recombined with
a seed into reports with headers, so it is reproducible. Our ingest embeds each *sentence* once
and derives each passage's vector as the mean of its sentences'; the figure to compare is
passages/s of the whole ingest (read, clean, chunk, embed, write to Chroma) against the raw
encode of the *same passage texts* with the same model and batch size. Raw encode is timed
before and after the others, because the machine is shared and the load moves.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import machine_note, write_synthetic_reports  # noqa: E402


def make_corpus(folder: Path, target: int, seed: int) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """Write reports until they hold ``target`` passages; returns passage texts, sentence texts
    and (name, cleaned text) pairs for the baseline."""
    from ingest.pipeline import prepare_report
    from ingest.readers import read_report

    passages: list[str] = []
    sentences: list[str] = []
    texts: list[tuple[str, str]] = []
    batch = 0
    while len(passages) < target:
        for path in write_synthetic_reports(folder / f"b{batch}", 50, seed=seed * 1000 + batch):
            report = prepare_report(read_report(path), path.name, str(path))
            passages += [p.text for p in report.passages]
            sentences += [s.text for s in report.sentences]
            texts.append((path.name, report.record.text))
            if len(passages) >= target:
                for extra in sorted(path.parent.glob("*.txt")):
                    if extra.name > path.name:
                        extra.unlink()
                break
        batch += 1
    return passages, sentences, texts


def raw_encode_rate(model, texts: list[str], batch_size: int) -> float:
    started = time.perf_counter()
    model.encode(texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    return len(texts) / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--passages", type=int, default=2000)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--seed", type=int, default=6)
    args = ap.parse_args(argv)

    from bench.baseline import TutorialBaseline
    from ingest import Ingestor
    from vectorstore import ReportStore, SentenceEmbedder

    print(f"# ingest benchmark; {machine_note()}")
    tmp = Path(tempfile.mkdtemp(prefix="ingest-bench-"))
    try:
        corpus = tmp / "reports"
        passages, sentences, texts = make_corpus(corpus, args.passages, args.seed)
        chars = sum(len(t) for _, t in texts)
        print(f"corpus: {len(texts)} reports, {len(passages)} passages "
              f"(mean {sum(map(len, passages)) / len(passages):.0f} chars), {len(sentences)} sentences, {chars:,} chars")

        embedder = SentenceEmbedder(batch_size=args.batch_size)
        model = embedder.model  # load and warm before any timing
        model.encode(passages[:64], batch_size=args.batch_size)

        raw_before = raw_encode_rate(model, passages, args.batch_size)
        print(f"raw SentenceTransformer.encode of the passages (batch {args.batch_size}): {raw_before:.1f} passages/s")

        store = ReportStore(embedder, path=tmp / "store")
        started = time.perf_counter()
        summary = Ingestor(store).ingest_paths([corpus])
        first = time.perf_counter() - started
        assert not summary.failed and summary.passages == len(passages), summary.line()
        print(f"our ingest (read, clean, chunk, embed sentences, write): {first:.1f} s = "
              f"{len(passages) / first:.1f} passages/s, {len(sentences) / first:.1f} sentences/s")

        started = time.perf_counter()
        again = Ingestor(store).ingest_paths([corpus])
        second = time.perf_counter() - started
        assert again.passages == 0 and len(again.unchanged) == len(texts), again.line()
        print(f"re-ingest unchanged: {second:.2f} s = {100 * second / first:.1f}% of the first ingest")

        started = time.perf_counter()
        baseline = TutorialBaseline(embedder, texts, folder=str(tmp / "baseline"))
        base_s = time.perf_counter() - started
        print(f"baseline ingest (split 1000/200, embed chunks, Chroma add): {base_s:.1f} s for {baseline.chunks} chunks "
              f"= {baseline.chunks / base_s:.1f} chunks/s, {chars / base_s:,.0f} chars/s (ours {chars / first:,.0f} chars/s)")
        baseline.close()

        raw_after = raw_encode_rate(model, passages, args.batch_size)
        raw_sent = raw_encode_rate(model, sentences, args.batch_size)
        raw = (raw_before + raw_after) / 2
        print(f"raw encode again: {raw_after:.1f} passages/s; raw encode of the sentences: {raw_sent:.1f} sentences/s")
        print(f"ours / raw encode (passages/s, mean of the two raw runs): {len(passages) / first / raw:.2f}")
        print(f"ours / baseline (time for the same corpus): ours takes {first / base_s:.2f}x the baseline's time")
        print(f"# end; {machine_note()}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
