"""HTML reader benchmark: how much of each page's main text the reader keeps and how much of its
boilerplate it drops, for the trafilatura reader and for the old BeautifulSoup reader side by
side, and the throughput of ``python -m ingest --preview``.

    .venv/bin/python bench/html_reader.py [--pages bench/html] [--rounds 5]

Each ``bench/html/NAME.html`` has a ``NAME.json`` with ``main`` snippets (text the report must
keep: sentences, a heading, table cells, a caption) and ``boilerplate`` snippets (menus, sidebars,
comments, footers, ads); the pages were written for this bench in the styles found on real sites.
A snippet counts as kept when it appears in the reader's body (whitespace collapsed, case
ignored). The old reader is run with its old decoding (UTF-8 only), as it shipped: a page it
refuses keeps nothing and drops everything.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def new_reader(data: bytes, name: str) -> str:
    from ingest.readers import parse_bytes

    return parse_bytes(data, name).body


def old_reader(data: bytes, name: str) -> str:
    from ingest.html_fallback import parse_html_bs4

    text = data.decode("utf-8-sig")  # the old reader refused anything else ("not valid UTF-8")
    return parse_html_bs4(text, name, legacy=True).body


def score(body: str, spec: dict) -> tuple[int, int]:
    """(main snippets kept, boilerplate snippets dropped)."""
    text = _norm(body)
    kept = sum(_norm(s) in text for s in spec["main"])
    dropped = sum(_norm(s) not in text for s in spec["boilerplate"])
    return kept, dropped


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=Path, default=ROOT / "bench" / "html")
    parser.add_argument("--rounds", type=int, default=5, help="preview runs for the throughput (best is kept)")
    args = parser.parse_args()

    pages = sorted(args.pages.glob("*.html"))
    rows = []
    totals = {"new": [0, 0], "old": [0, 0]}
    n_main = n_boiler = 0
    for page in pages:
        spec = json.loads(page.with_suffix(".json").read_text())
        data = page.read_bytes()
        row = [page.stem]
        for label, reader in (("new", new_reader), ("old", old_reader)):
            try:
                body = reader(data, page.name)
            except Exception as exc:  # noqa: BLE001 - a refused page scores as read empty
                body = ""
                print(f"{label} reader refused {page.name}: {exc}", file=sys.stderr)
            kept, dropped = score(body, spec)
            totals[label][0] += kept
            totals[label][1] += dropped
            row += [f"{kept}/{len(spec['main'])}", f"{dropped}/{len(spec['boilerplate'])}"]
        n_main += len(spec["main"])
        n_boiler += len(spec["boilerplate"])
        rows.append(row)

    print(f"{len(pages)} pages, {n_main} main-text snippets, {n_boiler} boilerplate snippets\n")
    print("| page | new: main kept | new: boilerplate dropped | old: main kept | old: boilerplate dropped |")
    print("|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    pct = lambda a, b: f"**{100 * a / b:.0f}%**"  # noqa: E731
    print(f"| **all** | {pct(totals['new'][0], n_main)} | {pct(totals['new'][1], n_boiler)} | "
          f"{pct(totals['old'][0], n_main)} | {pct(totals['old'][1], n_boiler)} |")

    # Throughput: the real CLI over the folder (start-up included), and reading+splitting alone.
    best = float("inf")
    for _ in range(args.rounds):
        started = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "ingest", "--preview", "--json", str(args.pages)],
                             cwd=ROOT, capture_output=True, text=True)
        best = min(best, time.perf_counter() - started)
        if out.returncode not in (0, 1) or not out.stdout.startswith("{"):
            print(out.stderr[-2000:], file=sys.stderr)
            return 1
    previewed = len(json.loads(out.stdout)["reports"])

    from ingest.pipeline import IngestSummary, prepare_paths

    prepare_paths([str(args.pages)], IngestSummary())  # warm: imports, trafilatura's first-use setup
    started = time.perf_counter()
    for _ in range(args.rounds):
        prepare_paths([str(args.pages)], IngestSummary())
    per_round = (time.perf_counter() - started) / args.rounds
    print(f"\n`--preview` throughput: {previewed / best:.1f} pages/s for the whole CLI run over {previewed} pages "
          f"({best:.2f} s, start-up included); {len(pages) / per_round:.0f} pages/s reading and splitting alone "
          f"({1000 * per_round / len(pages):.0f} ms a page; best of {args.rounds} CLI runs, mean of {args.rounds} in-process rounds)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
