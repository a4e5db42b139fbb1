"""Hostile input for ``python -m ingest``: files made to break a reader, the sentence splitter or
memory, and what reading each one costs (seconds, seconds per MB, peak RSS) and gives (passages,
or the one-line reason it was refused).

    .venv/bin/python bench/hostile.py                        # every kind, the scaling runs, the 20 MB ingest
    .venv/bin/python bench/hostile.py --kinds one-paragraph --sizes 100k,500k,2.5M
    .venv/bin/python bench/hostile.py --ingest-all           # also each kind at 100 KB through the real CLI
    .venv/bin/python bench/hostile.py --kinds big-text --scaling '' --ingest-sizes 500k,2M,3M   # RSS vs text size

Every kind is read in a fresh process, so its peak RSS is its own: ``--preview``'s path (read,
decode, structure, split, chunk: no model) timed inside the child after a warm-up, which is the
seconds-per-MB figure; and the real CLI (``python -m ingest --store TMP``: model, entities,
Chroma) for the 20 MB text file, the file size limit. URL kinds are served by a local HTTP server.
``tests/test_hostile.py`` runs the same generators at small sizes. The kinds:

    no-stop-line     one megabyte line of clauses and no full stop (the file of issue 19)
    one-paragraph    real sentences, one paragraph, no line break
    hard-wrapped     real sentences wrapped at 72 columns, no blank line
    no-punctuation   words only, hard-wrapped, not one punctuation mark
    tiny-headings    thousands of Markdown headings with a sentence now and then
    long-items       a megabyte list item and a megabyte table header row
    markup-runs      lines of "[[[[", "** ** **", "!!!!", "|--|--|", "_ _ _" a quarter megabyte each
    long-urls        100 KB URLs, bare and in Markdown links
    nul-mixed        NUL bytes past the first 8 KB, UTF-8 and Latin-1 lines mixed
    nested-html      a page nested thousands of <div>s deep around its text
    many-pages-pdf   a PDF with hundreds of pages
    big-text         the 20 MB file size limit filled with real paragraphs
    gzip-bomb        (URL) a small gzip response that inflates past the 20 MB limit
"""
from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import PYTHON, ROOT, machine_note, real_sentences  # noqa: E402

CLAUSE = "North Korean workers at the site in Vladivostok were seen by a source who counted 77 of them on one day; "
MB = 1_000_000


def _sentences(size: int, seed: int = 19) -> list[str]:
    """Real sentences, recombined with a seed, about ``size`` characters in all."""
    pool = real_sentences()
    rng = random.Random(seed)
    out, total = [], 0
    while total < size:
        s = rng.choice(pool)
        out.append(s)
        total += len(s) + 1
    return out


def _wrap(text: str, width: int = 72) -> str:
    """Hard-wrap ``text`` at ``width`` columns (linear; textwrap is slow on megabytes)."""
    lines, line = [], []
    length = 0
    for word in text.split(" "):
        if length + len(word) > width and line:
            lines.append(" ".join(line))
            line, length = [], 0
        line.append(word)
        length += len(word) + 1
    lines.append(" ".join(line))
    return "\n".join(lines)


def no_stop_line(size: int) -> tuple[str, bytes]:
    return "no-stop-line.txt", ("Title: H\n\n" + CLAUSE * max(1, size // len(CLAUSE))).encode()


def one_paragraph(size: int) -> tuple[str, bytes]:
    return "one-paragraph.txt", ("Title: One paragraph\n\n" + " ".join(_sentences(size)) + "\n").encode()


def hard_wrapped(size: int) -> tuple[str, bytes]:
    return "hard-wrapped.txt", ("Title: Hard wrapped\n\n" + _wrap(" ".join(_sentences(size))) + "\n").encode()


def no_punctuation(size: int) -> tuple[str, bytes]:
    words = re.sub(r"[^\w\s]", "", " ".join(_sentences(size)))
    return "no-punctuation.txt", ("Title: No punctuation\n\n" + _wrap(words) + "\n").encode()


def tiny_headings(size: int) -> tuple[str, bytes]:
    sentences = _sentences(size // 10)
    parts, total, i = [], 0, 0
    while total < size:
        part = f"## {i // 100}.{i % 100} Part {i}\n\n" + (f"{sentences[i // 20 % len(sentences)]}\n\n" if i % 20 == 19 else "")
        parts.append(part)
        total += len(part)
        i += 1
    return "tiny-headings.md", ("# Tiny headings\n\n" + "".join(parts)).encode()


def long_items(size: int) -> tuple[str, bytes]:
    half = " ".join(_sentences(size // 2))
    return "long-items.md", (f"# Long items\n\nWorkers listed what they lacked:\n\n- {half}\n- Passports.\n\n"
                             f"| {half[: size // 2].replace('|', '/')} | pay |\n|---|---|\n| Kazan | 400 dollars |\n").encode()


def markup_runs(size: int) -> tuple[str, bytes]:
    n = max(8, size // 8)
    runs = ["[" * n, "** " * (n // 3), "!" * n, "|--" * (n // 3) + "|", "_ " * (n // 2), "*a" * (n // 2),
            "# " + "#" * n, "Workers said: " + "." * n]
    return "markup-runs.md", ("# Markup runs\n\nNorth Korean workers in Kazan were paid 400 dollars, a source said.\n\n"
                              + "\n\n".join(runs) + "\n").encode()


def long_urls(size: int) -> tuple[str, bytes]:
    n = max(100, size // 6)
    url = "https://example.org/" + "a1b2c3d4e5" * (n // 10)
    body = (f"Title: Long URLs\n\nNorth Korean workers in Kazan were paid 400 dollars, a source said ({url}).\n\n"
            f"See [the report]({url}) for the figures.\n\n{url}\n\n<{url}>\n\n"
            f"[{'x' * (n // 2)}]({url} \"title\")\n")
    return "long-urls.md", body.encode()


def nul_mixed(size: int) -> tuple[str, bytes]:
    out = io.BytesIO()
    out.write(b"Title: Mixed encodings\n\n")
    for i, s in enumerate(_sentences(size)):
        line = (s + " Caf\u00e9 workers, s\u00e9oul.\n") if i % 7 == 0 else s + "\n"
        out.write(line.encode("latin-1", "replace") if i % 2 else line.encode("utf-8"))
        if out.tell() > 9000 and i % 50 == 0:
            out.write(b"\x00\x00 NUL \x00\n")
    return "nul-mixed.txt", out.getvalue()


def nested_html(size: int) -> tuple[str, bytes]:
    depth = max(10, size // 12)
    article = "".join(f"<p>{s}</p>" for s in _sentences(3000))
    return "nested.html", (f"<html><head><title>Nested</title></head><body><article>{article}</article>"
                           + "<div>" * depth + "<p>North Korean workers deep in the page.</p>" + "</div>" * depth
                           + "</body></html>").encode()


def many_pages_pdf(size: int) -> tuple[str, bytes]:
    from tests.pdfwriter import make_pdf

    lines = _wrap(" ".join(_sentences(size)), 90).split("\n")
    pages = [lines[i : i + 45] for i in range(0, len(lines), 45)]
    return "many-pages.pdf", make_pdf(pages, info={"Title": "Many pages"})


def big_text(size: int) -> tuple[str, bytes]:
    """Paragraphs of four real sentences drawn with a seed: each paragraph differs (repeated
    ones would be dropped as duplicates and make the file cheaper than a real one)."""
    pool = real_sentences()
    rng = random.Random(19)
    paras, total = [], 0
    while total < size:
        para = " ".join(rng.sample(pool, 4))
        paras.append(para)
        total += len(para) + 2
    return "big-text.txt", ("Title: Big text\n\n" + "\n\n".join(paras) + "\n").encode()[:size]


def gzip_bomb(size: int) -> tuple[str, bytes]:
    """A gzip stream of ``size`` bytes of HTML (mostly spaces), compressed to about size/1000."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip container
    out = [comp.compress(b"<html><head><title>Bomb</title></head><body><p>")]
    block = b" " * MB
    for _ in range(size // MB):
        out.append(comp.compress(block))
    out.append(comp.compress(b"</p></body></html>"))
    out.append(comp.flush())
    return "bomb.html", b"".join(out)


KINDS: dict[str, tuple[Callable[[int], tuple[str, bytes]], int]] = {  # generator, bench size
    "no-stop-line": (no_stop_line, 1_100_000),
    "one-paragraph": (one_paragraph, 2_500_000),
    "hard-wrapped": (hard_wrapped, 1 * MB),
    "no-punctuation": (no_punctuation, 1 * MB),
    "tiny-headings": (tiny_headings, 1 * MB),
    "long-items": (long_items, 1 * MB),
    "markup-runs": (markup_runs, 2 * MB),
    "long-urls": (long_urls, 1 * MB),
    "nul-mixed": (nul_mixed, 1 * MB),
    "nested-html": (nested_html, 1 * MB),
    "many-pages-pdf": (many_pages_pdf, 1_500_000),
    "big-text": (big_text, 20 * 1024 * 1024),
    "gzip-bomb": (gzip_bomb, 1000 * MB),
}
URL_KINDS = {"gzip-bomb"}


def write_kind(kind: str, size: int, folder: Path) -> tuple[Path, bytes | None]:
    """Write one hostile file into ``folder``: ``(path, None)``, or for a URL kind
    ``(path of its name, the response body)`` to serve (see :class:`GzipServer`)."""
    name, data = KINDS[kind][0](size)
    path = folder / name
    if kind in URL_KINDS:
        return path, data
    path.write_bytes(data)
    return path, None


class GzipServer:
    """A loopback HTTP server answering every GET with ``body`` as gzip-encoded HTML."""

    def __init__(self, body: bytes):
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/bomb.html"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# ----------------------------------------------------------------------------- measuring
def child(target: str) -> None:
    """In a fresh process: read and split ``target`` as ``--preview`` does; print one JSON line."""
    from ingest.pipeline import IngestSummary, prepare_paths

    with tempfile.TemporaryDirectory() as tmp:  # warm-up: lazy imports (trafilatura, pypdf) and caches
        warm = Path(tmp) / "warm.html"
        warm.write_text("<html><body><article><p>North Korean workers in Kazan were paid, a source said.</p>"
                        "</article></body></html>")
        prepare_paths([str(warm)], IngestSummary())
    summary = IngestSummary()
    started = time.perf_counter()
    results = prepare_paths([target], summary)
    seconds = time.perf_counter() - started
    passages = [p for _, _, r in results for p in r.passages]
    print(json.dumps({
        "seconds": seconds, "rss_mb": _hwm_mb(os.getpid()),
        "passages": len(passages), "max_passage": max((len(p.text) for p in passages), default=0),
        "failed": [m for _, m in summary.failed],
    }))


def _hwm_mb(pid: int) -> float:
    """A process's peak resident memory so far (``VmHWM``), in MB; 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_child(args: list[str], timeout: float = 900) -> tuple[int, float, float, str, str]:
    """Run a process; ``(exit status, wall seconds, peak RSS MB, stdout, stderr)``.

    The peak is the child's own ``VmHWM``, polled until it exits: ``wait4``'s ``ru_maxrss``
    would report the parent's size at fork time when that is larger (Linux carries the
    high-water mark across exec), and this process holds the 20 MB file it just wrote.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(args, cwd=ROOT, stdout=out, stderr=err)
        peak = 0.0
        while proc.poll() is None:
            peak = max(peak, _hwm_mb(proc.pid))
            if time.perf_counter() - started > timeout:
                proc.kill()
            time.sleep(0.02)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return proc.returncode, wall, peak, out.read().decode(errors="replace"), err.read().decode(errors="replace")


def _size(text: str) -> int:
    m = re.fullmatch(r"([\d.]+)\s*([kKmM]?)", text.strip())
    if not m:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 100k, 2.5M)")
    return int(float(m.group(1)) * {"": 1, "k": 1000, "m": MB}[m.group(2).lower()])


def _fmt_size(n: int) -> str:
    return f"{n / MB:.1f} MB" if n >= MB else f"{n / 1000:.0f} KB"


def _outcome(result: dict) -> str:
    if result["failed"]:
        return "refused: " + result["failed"][0].split(": ", 1)[-1][:90]
    return f"{result['passages']} passages, longest {result['max_passage']} chars"


def measure_preview(kind: str, size: int, folder: Path) -> dict:
    path, served = write_kind(kind, size, folder)
    server = GzipServer(served) if served is not None else None
    try:
        target = server.url if server else str(path)
        code, wall, rss, out, err = run_child([PYTHON, str(Path(__file__).resolve()), "--child", target])
    finally:
        if server:
            server.close()
    on_disk = len(served) if served is not None else path.stat().st_size
    if code != 0 or not out.strip():
        return {"kind": kind, "bytes": on_disk, "error": (err.strip().splitlines() or ["?"])[-1]}
    result = json.loads(out.strip().splitlines()[-1])
    path.unlink(missing_ok=True)
    return {"kind": kind, "bytes": on_disk, "size": size, "wall": wall, **result,
            "child_rss": max(rss, result["rss_mb"])}  # its own figure at the end is exact; polling may miss


def measure_ingest(kind: str, size: int, folder: Path) -> dict:
    """The real CLI with a fresh store: model, entities, Chroma."""
    path, served = write_kind(kind, size, folder)
    server = GzipServer(served) if served is not None else None
    try:
        target = server.url if server else str(path)
        code, wall, rss, out, err = run_child([PYTHON, "-m", "ingest", "--store", str(folder / f"store-{kind}"),
                                               "--json", "-q", target])
    finally:
        if server:
            server.close()
    try:
        summary = json.loads(out)
    except json.JSONDecodeError:
        summary = {}
    traceback = "Traceback" in err
    failed = [f["message"] for f in summary.get("failed", [])]
    path.unlink(missing_ok=True)
    return {"kind": kind, "bytes": len(served) if served is not None else size, "exit": code, "wall": wall,
            "rss_mb": rss, "passages": summary.get("passages", 0), "failed": failed, "traceback": traceback}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kinds", default=",".join(KINDS), help="comma-separated kinds (default: all)")
    ap.add_argument("--sizes", type=lambda s: [_size(x) for x in s.split(",")], default=None,
                    help="sizes for every chosen kind instead of each kind's bench size (e.g. 100k,2.5M)")
    ap.add_argument("--scaling", default="one-paragraph,hard-wrapped",
                    help="kinds read at 100 KB, 500 KB and 2.5 MB for the time-per-MB ratio ('' for none)")
    ap.add_argument("--no-ingest", action="store_true", help="skip the real CLI ingests (the 20 MB file, --ingest-sizes)")
    ap.add_argument("--ingest-sizes", type=lambda s: [_size(x) for x in s.split(",")], default=[500_000],
                    help="sizes of real text also ingested through the CLI, for peak RSS (default 500k; "
                         "2M takes minutes)")
    ap.add_argument("--ingest-all", action="store_true", help="also every kind at 100 KB through the real CLI")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child)
        return 0
    kinds = [k for k in args.kinds.split(",") if k]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        ap.error(f"unknown kinds: {', '.join(unknown)} (known: {', '.join(KINDS)})")

    print(f"# hostile-input bench; {machine_note()}")
    print("# read + split as --preview does, in a fresh process per file; seconds exclude start-up (warm-up first)")
    print(f"{'kind':<16} {'size':>9} {'seconds':>8} {'s/MB':>7} {'peak RSS':>9}  result")
    worst_rss, longest = 0.0, 0
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        folder = Path(tmp)
        for kind in kinds:
            for size in args.sizes or [KINDS[kind][1]]:
                r = measure_preview(kind, size, folder)
                if "error" in r:
                    print(f"{kind:<16} {_fmt_size(r['bytes']):>9}  CRASHED: {r['error']}")
                    continue
                worst_rss = max(worst_rss, r["child_rss"])
                longest = max(longest, r["max_passage"])
                per_mb = r["seconds"] / (r["bytes"] / MB)
                print(f"{kind:<16} {_fmt_size(r['bytes']):>9} {r['seconds']:>8.2f} {per_mb:>7.2f} {r['child_rss']:>6.0f} MB  "
                      f"{_outcome(r)}", flush=True)
        for kind in [k for k in args.scaling.split(",") if k]:
            rates = {}
            for size in (100_000, 500_000, 2_500_000):
                r = measure_preview(kind, size, folder)
                rates[size] = r["seconds"] / (r["bytes"] / MB)
                print(f"scaling {kind:<16} {_fmt_size(r['bytes']):>9} {r['seconds']:>7.2f} s {rates[size]:>6.2f} s/MB "
                      f"(peak RSS {r['child_rss']:.0f} MB)", flush=True)
            print(f"scaling {kind}: time per MB at 2.5 MB / at 100 KB = {rates[2_500_000] / rates[100_000]:.2f}")
            path, _ = write_kind(kind, 2_500_000, folder)
            code, wall, rss, out, _ = run_child([PYTHON, "-m", "ingest", "--preview", str(path)])
            print(f"scaling {kind}: python -m ingest --preview of the 2.5 MB file (start-up and printing "
                  f"{len(out) / MB:.1f} MB included): {wall:.1f} s, exit {code}, peak RSS {rss:.0f} MB", flush=True)
            path.unlink()
        print(f"longest passage of all: {longest} characters; highest peak RSS reading: {worst_rss:.0f} MB")
        todo = []
        if not args.no_ingest:
            # The 20 MB limit, and a text the CLI does ingest, to show what memory grows with.
            todo += [("big-text", KINDS["big-text"][1])] + [("big-text", size) for size in args.ingest_sizes]
        if args.ingest_all:
            todo += [(k, 100_000) for k in kinds if k != "big-text"]
        if todo:
            print("# the real CLI: python -m ingest --store TMP --json -q FILE (model, entities, Chroma)")
        for kind, size in todo:
            r = measure_ingest(kind, size, folder)
            result = "refused: " + r["failed"][0].split(": ", 1)[-1][:90] if r["failed"] else f"{r['passages']} passages"
            print(f"ingest {kind:<16} {_fmt_size(r['bytes']):>9} exit {r['exit']}, {r['wall']:.1f} s, "
                  f"peak RSS {r['rss_mb']:.0f} MB, {'TRACEBACK, ' if r['traceback'] else ''}{result}", flush=True)
    print(f"# end; {machine_note()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
