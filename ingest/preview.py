"""``python -m ingest --preview [--json] PATH...``: read and split reports exactly as an ingest
would, and show the result, without embedding or writing anything.

Users check a new outlet's pages with it before ingesting. It loads neither the embedding model
nor the store, so it is fast enough to run over a whole folder.
"""
from __future__ import annotations

import json
import sys
import textwrap
import time
from collections.abc import Sequence
from typing import TextIO

from .pipeline import IngestSummary, prepare_paths

META_KEYS = ("title", "date", "source", "outlet", "author")


def preview(paths: Sequence[str], as_json: bool = False, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Print what ingesting ``paths`` would store; returns the exit status (1 if any failed)."""
    started = time.perf_counter()
    summary = IngestSummary()
    results = prepare_paths(paths, summary)
    # Folder notes (skipped file types) are the warnings not tied to one report.
    report_warnings = {f"{item}: {w}" for item, parsed, _ in results for w in parsed.warnings}
    for note in summary.warnings:
        if note not in report_warnings:
            print(f"warning: {note}", file=err)
    if as_json:
        reports = []
        for item, parsed, prepared in results:
            record = prepared.record
            reports.append({
                "path": item, **{k: getattr(record, k) for k in META_KEYS}, "text": record.text,
                "passages": [{"text": p.text, "start": p.start, "end": p.end, "heading": p.heading, "page": p.page}
                             for p in prepared.passages],
                "warnings": list(parsed.warnings),
            })
        failed = [{"path": name, "error": message} for name, message in summary.failed]
        json.dump({"reports": reports, "failed": failed}, out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        for item, parsed, prepared in results:
            record = prepared.record
            print(f"== {item}", file=out)
            for key in META_KEYS:
                print(f"   {key}: {getattr(record, key) or '-'}", file=out)
            for warning in parsed.warnings:
                print(f"   warning: {warning}", file=out)
            print(f"   {len(prepared.passages)} passages, {len(record.text)} characters", file=out)
            for p in prepared.passages:
                where = " ".join(x for x in (f"p. {p.page}" if p.page else "", f"§ {p.heading}" if p.heading else "") if x)
                print(f"   [{p.index + 1}] {p.start}-{p.end}{'  ' + where if where else ''}", file=out)
                print(textwrap.indent(p.text, "       "), file=out)
            print(file=out)
        for _, message in summary.failed:
            print(f"error: {message}", file=err)
    seconds = time.perf_counter() - started
    print(f"previewed {len(results)} reports, {len(summary.failed)} failed, "
          f"{sum(len(r[2].passages) for r in results)} passages in {seconds:.1f} s; nothing was written", file=err)
    return 1 if summary.failed else 0
