"""``python -m ingest [--store DIR] PATH...`` — add, update and prune reports in the store."""
from __future__ import annotations

import argparse
import json
import sys

EXIT_OK, EXIT_FILE_FAILED, EXIT_USAGE, EXIT_STORE = 0, 1, 2, 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ingest",
        description=(
            "Ingest report files (.txt, .md, .html) and folders (recursively) into the Report QA store. "
            "Unchanged reports are skipped, changed ones replaced; a running server sees the result at once."
        ),
        epilog=(
            "Exit status: 0 all ingested, 1 some files failed (the rest were ingested), 2 bad arguments, "
            "3 the store could not be opened or is locked by another ingest. "
            "Settings also come from REPORTQA_* environment variables (see the README)."
        ),
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="report files or folders to ingest")
    parser.add_argument("--store", metavar="DIR", help="embedded store folder (default: $REPORTQA_STORE or data/store)")
    parser.add_argument("--chroma-url", metavar="URL", help="use a `chroma run` server instead (default: $REPORTQA_CHROMA_URL)")
    parser.add_argument("--collection", metavar="NAME", help="collection name prefix (default: $REPORTQA_COLLECTION or reportqa)")
    parser.add_argument("--prune", action="store_true", help="remove stored reports whose files are gone from the given folders")
    parser.add_argument("--wait", action="store_true", help="wait for another running ingest instead of refusing")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar; errors and the summary only")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    from settings import Settings

    try:
        settings = Settings.from_env(store=args.store, chroma_url=args.chroma_url, collection=args.collection)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE

    from tqdm import tqdm

    from vectorstore import SentenceEmbedder, StoreError, StoreLocked, open_store

    from .pipeline import Ingestor

    embedder = SentenceEmbedder(settings.embedding_model, threads=settings.torch_threads)
    bar: list[tqdm] = []

    def progress(done: int, total: int) -> None:
        if args.quiet:
            return
        if not bar:
            bar.append(tqdm(total=total, unit="sent", desc="embedding", file=sys.stderr, dynamic_ncols=True))
        bar[0].update(done - bar[0].n)

    def on_error(message: str) -> None:
        print(f"error: {message}", file=sys.stderr)

    try:
        store = open_store(embedder, path=str(settings.store), url=settings.chroma_url, prefix=settings.collection)
        ingestor = Ingestor(store)
        summary = ingestor.ingest_paths(args.paths, prune=args.prune, progress=progress, on_error=on_error,
                                        wait=args.wait)
    except StoreLocked as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_STORE
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_STORE
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_STORE
    except KeyboardInterrupt:
        print("interrupted: reports written so far are complete; run again to finish", file=sys.stderr)
        return 130
    finally:
        if bar:
            bar[0].close()
    for warning in summary.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.json:
        print(json.dumps(summary.as_dict(), indent=2))
    else:
        print(summary.line(), file=sys.stderr if args.quiet else sys.stdout)
    return EXIT_FILE_FAILED if summary.failed else EXIT_OK
