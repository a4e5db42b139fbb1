"""``python -m ingest [--store DIR] PATH|URL...`` — add, update and prune reports in the store;
``--preview`` shows what would be stored, ``--watch`` keeps following folders."""
from __future__ import annotations

import argparse
import json
import signal
import sys

EXIT_OK, EXIT_FILE_FAILED, EXIT_USAGE, EXIT_STORE = 0, 1, 2, 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ingest",
        description=(
            "Ingest reports into the Report QA store: files (.txt, .md, .html, .htm, .pdf), folders "
            "(recursively) and http(s) URLs of HTML pages or PDFs, mixed freely. "
            "Unchanged reports are skipped, changed ones replaced; a running server sees the result at once."
        ),
        epilog=(
            "In a folder, files of other types and hidden files are skipped, with one warning per folder "
            "that counts them; a file of another type named on the command line is an error. "
            "A report that cannot be read (damaged, encrypted or scanned PDF, binary data, no text) is "
            "reported on one line and the others are ingested. "
            "Exit status: 0 all ingested, 1 some files failed (the rest were ingested), 2 bad arguments, "
            "3 the store could not be opened or is locked by another ingest; --watch exits 0 on Ctrl-C. "
            "Settings also come from REPORTQA_* environment variables (see the README)."
        ),
    )
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="report files, folders or http(s) URLs (URLs: HTML or PDF; the stored source is the final URL)")
    parser.add_argument("--store", metavar="DIR", help="embedded store folder (default: $REPORTQA_STORE or data/store)")
    parser.add_argument("--chroma-url", metavar="URL", help="use a `chroma run` server instead (default: $REPORTQA_CHROMA_URL)")
    parser.add_argument("--collection", metavar="NAME", help="collection name prefix (default: $REPORTQA_COLLECTION or reportqa)")
    parser.add_argument("--prune", action="store_true", help="remove stored reports whose files are gone from the given folders")
    parser.add_argument("--wait", action="store_true", help="wait for another running ingest instead of refusing")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar; errors and the summary only")
    parser.add_argument("--json", action="store_true", help="print the summary (with --preview: the reports) as JSON on stdout")
    parser.add_argument("--preview", action="store_true",
                        help="read and split only: print each report's metadata, warnings and passages; "
                             "no embedding model, nothing written")
    parser.add_argument("--watch", action="store_true",
                        help="after ingesting the given folders, keep ingesting new and changed files and "
                             "removing reports of deleted ones, one line per change, until Ctrl-C")
    parser.add_argument("--reembed", action="store_true",
                        help="embed every stored report again with the current encoder when the store was embedded "
                             "by another one (after an encoder change: the server and ingest say so; "
                             "nothing to do otherwise), then ingest any PATHs given")
    parser.add_argument("--interval", type=float, default=2.0, metavar="SECONDS",
                        help="with --watch: seconds between polls of the folders (default 2)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.paths and not args.reembed:
        parser.error("the following arguments are required: PATH")
    if args.preview and args.watch:
        parser.error("--preview and --watch cannot be combined")
    if args.preview:
        from .preview import preview

        return preview(args.paths, as_json=args.json)
    if args.watch:
        from pathlib import Path

        from .fetch import is_url

        not_folders = [p for p in args.paths if is_url(p) or not Path(p).expanduser().is_dir()]
        if not_folders:
            parser.error(f"--watch follows folders; not a folder: {', '.join(not_folders)}")
        if args.interval <= 0:
            parser.error("--interval must be positive")

    from settings import Settings

    try:
        settings = Settings.from_env(store=args.store, chroma_url=args.chroma_url, collection=args.collection)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE

    from vectorstore import SentenceEmbedder, StoreError, StoreLocked, open_store

    from .pipeline import Ingestor
    from .progress import make_progress
    from .questions import QuestionGenerator

    embedder = SentenceEmbedder(settings.embedding_path, threads=settings.torch_threads)
    progress = make_progress(sys.stderr, quiet=args.quiet)  # a bar on a terminal, a few lines in a log

    def on_error(message: str) -> None:
        print(f"error: {message}", file=sys.stderr)

    try:
        store = open_store(embedder, path=str(settings.store), url=settings.chroma_url, prefix=settings.collection)
        ingestor = Ingestor(store, questions=QuestionGenerator.from_settings(settings))
        if args.reembed:
            from .reembed import reembed

            out = sys.stderr if args.quiet or args.json else sys.stdout
            if store.encoder_mismatch() is None:  # empty, or already this encoder's vectors
                print(f"the store is embedded with {embedder.encoder_id} already: nothing to re-embed", file=out)
            else:
                counts = reembed(store)
                print(f"re-embedded {counts['reports']} reports ({counts['sentences']} sentences) with "
                      f"{embedder.encoder_id}", file=out)
            if not args.paths:
                return EXIT_OK
        else:
            mismatch = store.encoder_mismatch()
            if mismatch:
                print(f"error: {mismatch}", file=sys.stderr)
                return EXIT_STORE
        if args.watch:
            return _watch(ingestor, args)
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
        progress.close()
    for warning in summary.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.json:
        print(json.dumps(summary.as_dict(), indent=2))
    else:
        print(summary.line(), file=sys.stderr if args.quiet else sys.stdout)
    return EXIT_FILE_FAILED if summary.failed else EXIT_OK


def _watch(ingestor, args) -> int:
    """First pass, then poll until Ctrl-C; Ctrl-C is the normal way out (exit 0)."""
    from pathlib import Path

    from .watch import Watcher

    def say(line: str) -> None:
        print(line, flush=True)  # a pipe would otherwise hold the lines back

    watcher = Watcher(ingestor, [Path(p) for p in args.paths], interval=args.interval, say=say)
    # Ctrl-C (SIGINT) is how a watch ends, also when it was started from a script in the background,
    # where the shell hands it down ignored (Python then never raises KeyboardInterrupt).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        watcher.first_pass()
        say(f"watching {len(watcher.folders)} folder(s) every {args.interval:g} s; Ctrl-C to stop")
        watcher.run()
    except KeyboardInterrupt:
        say("stopped watching")
    return EXIT_OK
