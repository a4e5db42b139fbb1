"""Issue 19: ingest never loses a good report. Hostile files (``bench/hostile.py`` makes them;
the bench measures them at full size) each ingest or are refused in one line, next to a good
report that is always stored; no passage is longer than the maximum, whatever the punctuation."""
from __future__ import annotations

import json

import pytest

from bench.hostile import KINDS, gzip_bomb, write_kind
from ingest.chunking import MAX_PASSAGE_CHARS, MAX_SENTENCE_CHARS
from ingest.pipeline import IngestSummary, prepare_paths
from ingest.readers import MAX_FILE_BYTES

from .conftest import run_cli
from .pageserver import Page, PageServer

GOOD = ("Title: Laborers sent to Laos\nDate: 2023-07-01\n\n"
        "North Korean laborers in Vientiane hold passports kept by their managers, a source said.\n")
SMALL = {"nested-html": 60_000, "nul-mixed": 14_000, "many-pages-pdf": 12_000, "big-text": MAX_FILE_BYTES}
REFUSED = {"big-text.txt": "too much text", "bomb.html": "once decompressed"}


def test_every_hostile_kind_ingests_or_is_refused_in_one_line(tmp_path):
    folder = tmp_path / "hostile"
    folder.mkdir()
    names = []
    for kind in KINDS:
        if kind != "gzip-bomb":
            names.append(write_kind(kind, SMALL.get(kind, 6_000), folder)[0].name)
    (folder / "good.txt").write_text(GOOD)
    with PageServer() as pages:
        pages.pages["/bomb.html"] = Page(gzip_bomb(50_000_000)[1], headers={"Content-Encoding": "gzip"})
        out = run_cli("--store", str(tmp_path / "store"), "--json", "-q", str(folder), pages.url("/bomb.html"),
                      timeout=900)
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stderr + out.stdout
    assert all(line.startswith(("error: ", "warning: ")) or " added, " in line for line in out.stderr.splitlines()), out.stderr
    summary = json.loads(out.stdout)
    failed = {f["file"].rsplit("/", 1)[-1]: f["message"] for f in summary["failed"]}
    assert set(failed) == set(REFUSED), failed
    for name, reason in REFUSED.items():
        assert reason in failed[name] and name in failed[name]
    assert len([line for line in out.stderr.splitlines() if line.startswith("error: ")]) == len(REFUSED)
    assert len(summary["added"]) == len(names) + 1 - 1  # every file but the 20 MB one, and good.txt

    from vectorstore import ReportStore

    class NoModel:
        pass

    store = ReportStore(NoModel(), path=tmp_path / "store")
    assert "Laborers sent to Laos" in {d.title for d in store.list_documents()}
    passages = store.passages_col.get(include=["documents"])["documents"]
    sentences = store.sentences_col.get(include=["documents"])["documents"]
    assert max(map(len, passages)) <= MAX_PASSAGE_CHARS and max(map(len, sentences)) <= MAX_SENTENCE_CHARS


@pytest.mark.parametrize("kind", [k for k in KINDS if k not in ("gzip-bomb", "big-text")])
def test_megabyte_hostile_files_split_within_the_limits(kind, tmp_path):
    """The --preview path (no model) at bench sizes; the bench prints how long each takes."""
    path, _ = write_kind(kind, min(KINDS[kind][1], 1_000_000), tmp_path)
    summary = IngestSummary()
    [(_, _, report)] = prepare_paths([str(path)], summary)
    assert not summary.failed
    assert max(len(p.text) for p in report.passages) <= MAX_PASSAGE_CHARS
    assert max(len(s.text) for s in report.sentences) <= MAX_SENTENCE_CHARS
    owned = [s.index for s in report.sentences]
    assert owned == list(range(len(owned))), "every sentence has one home passage"
