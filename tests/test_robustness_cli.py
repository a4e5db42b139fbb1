"""``python -m ingest`` fed bad input: a readable one-line message per bad file, the right exit
status, never a traceback — and the good reports in the same batch are ingested."""
from __future__ import annotations

import json
import os

from .conftest import run_cli
from .pdfwriter import make_pdf

GOOD = ("Title: Laborers sent to Laos\nDate: 2023-07-01\nOutlet: Synthetic test fixture\n\n"
        "North Korean laborers in Vientiane hold passports kept by their managers, a source said.\n")


def test_bad_files_are_reported_and_the_rest_ingested(tmp_path):
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "good.txt").write_text(GOOD)
    (batch / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (batch / "latin1.txt").write_bytes("Title: Café\n\nLes ouvriers nord-coréens à l'étranger.\n".encode("latin-1"))
    (batch / "empty.md").write_bytes(b"")
    (batch / "header-only.txt").write_text("Title: Nothing follows\nDate: 2022-01-01\n\n")
    (batch / "huge.txt").write_bytes(b"Title: Huge\n\n" + b"word " * (10 * 1024 * 1024))  # 50 MB
    (batch / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n")  # not a report type: ignored in a folder
    malformed = batch / "malformed-header.txt"
    malformed.write_text("Title: Malformed header report\nDate: the spring of last year\nSource: not a url\n"
                         "Colour: blue\n\nNorth Korean loggers in the Russian Far East earn little, a source said.\n")
    empty_dir = tmp_path / "empty-dir"
    empty_dir.mkdir()
    (empty_dir / "notes.docx").write_bytes(b"PK\x03\x04")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.4")  # a header and nothing else
    store = tmp_path / "store"

    out = run_cli("--store", str(store), "--json", "-q", str(batch), str(empty_dir), str(pdf),
                  str(tmp_path / "missing.txt"), str(tmp_path / "missing-dir"))
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stderr and "Traceback" not in out.stdout
    summary = json.loads(out.stdout)
    failed = {f["file"].rsplit("/", 1)[-1]: f["message"] for f in summary["failed"]}
    expected = {
        "binary.txt": "binary", "empty.md": "empty", "header-only.txt": "no text",
        "huge.txt": "too large", "empty-dir": "no report files", "report.pdf": "damaged",
        "missing.txt": "no such file", "missing-dir": "no such file",
    }
    assert set(failed) == set(expected), failed
    for name, phrase in expected.items():
        assert phrase in failed[name], (name, failed[name])
    errors = [line for line in out.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == len(expected)  # one line per bad file, each naming it
    for name in expected:
        assert any(name in line for line in errors), name
    # The good report, the latin-1 one and the one with a malformed header are in; the header's
    # problems and the guessed charset are warnings, and so are the skipped file types.
    assert len(summary["added"]) == 3 and summary["passages"] >= 3
    warnings = "\n".join(summary["warnings"])
    assert "unreadable date" in warnings and "not an http(s) URL" in warnings and "unknown header field" in warnings
    assert "latin1.txt: not UTF-8" in warnings
    assert "1 file(s) of other types skipped (.png)" in warnings and "(.docx)" in warnings

    again = run_cli("--store", str(store), "-q", "--json", str(batch / "good.txt"), str(malformed))
    assert again.returncode == 0, again.stderr
    assert len(json.loads(again.stdout)["unchanged"]) == 2


def test_nothing_usable_exits_1_and_bad_settings_exit_2(tmp_path):
    out = run_cli("--store", str(tmp_path / "store"), "-q", str(tmp_path / "missing.txt"), timeout=120)
    assert out.returncode == 1 and "missing.txt: no such file" in out.stderr and "Traceback" not in out.stderr
    bad_env = run_cli("--store", str(tmp_path / "store"), str(tmp_path), env={"REPORTQA_TOP_K": "many"}, timeout=120)
    assert bad_env.returncode == 2 and "REPORTQA_TOP_K" in bad_env.stderr and "Traceback" not in bad_env.stderr


HOSTILE_ARTICLE = ("<html><head><title>Loggers in the Far East</title></head><body><article><h1>Loggers in the Far East</h1>"
                   + "<p>North Korean loggers in the Russian Far East earn little and sleep in cabins, a source said.</p>" * 3)


def write_hostile_folder(folder) -> dict[str, str]:
    """The files users' folders really hold; returns the expected failures (file -> phrase)."""
    folder.mkdir()
    (folder / "truncated.html").write_text(HOSTILE_ARTICLE + "<p>The loggers are watched by an officer who <b>rep")
    (folder / "feed.html").write_text('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Feed'
                                      "</title><item><title>Workers</title><description>North Korean workers in Russia."
                                      "</description></item></channel></rss>")
    (folder / "oneline.html").write_text("<html><body><p>" + "word " * 4_000_000 + "</p></body></html>")  # one 20 MB line
    (folder / "zero-width.html").write_text(
        "<html><head><title>Control</title></head><body><article><p>North\u200b Korean\u200d workers\x01 in\x07 "
        "Mongolia\ufeff are\x0b paid in cash, a source in Ulaanbaatar said this week.</p><p>The workers hand over "
        "most of the money to their managers every month, he said.</p></article></body></html>")
    (folder / "scan.pdf").write_bytes(make_pdf([["a", "b", "c"]] * 2, text_layer=False))
    (folder / "binary.html").write_bytes(os.urandom(50_000))
    (folder / "latin1.html").write_bytes(
        "<html><head><title>Ouvriers</title></head><body><article><p>Les ouvriers nord-coréens à Oulan-Bator "
        "reçoivent très peu d'argent, a déclaré une source à notre journal.</p><p>Ils travaillent sur des "
        "chantiers de construction pendant trois ans.</p></article></body></html>".encode("latin-1"))
    links = "".join(f'<li><a href="/n{i}">Headline number {i} about the economy</a></li>' for i in range(40))
    (folder / "nav.html").write_text(f"<html><body><div><a href='/'>Home</a> | <a href='/n'>News</a></div>"
                                     f"<ul>{links}</ul><footer><a href='/c'>Contact</a></footer></body></html>")
    (folder / "empty.html").write_bytes(b"")
    os.symlink("loop.html", folder / "loop.html")  # a link to itself
    (folder / "sub").mkdir()
    os.symlink("..", folder / "sub" / "up")  # a folder loop: not followed
    (folder / "good.txt").write_text(GOOD)
    return {"feed.html": "XML document", "oneline.html": "too much text", "scan.pdf": "no text layer",
            "binary.html": "binary", "nav.html": "no readable text", "empty.html": "empty",
            "loop.html": "symbolic links"}


def test_hostile_folder_one_line_per_bad_file_and_the_rest_ingested(tmp_path):
    expected = write_hostile_folder(tmp_path / "hostile")
    out = run_cli("--store", str(tmp_path / "store"), "--json", "-q", str(tmp_path / "hostile"))
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stderr + out.stdout
    # stderr holds only our one-line messages: no library warnings, no stack frames
    assert all(line.startswith(("error: ", "warning: ")) or " added, " in line for line in out.stderr.splitlines()), out.stderr
    summary = json.loads(out.stdout)
    failed = {f["file"].rsplit("/", 1)[-1]: f["message"] for f in summary["failed"]}
    assert set(failed) == set(expected), failed
    for name, phrase in expected.items():
        assert phrase in failed[name] and name in failed[name], (name, failed[name])
    # truncated.html, zero-width.html, latin1.html and good.txt
    assert len(summary["added"]) == 4, summary

    from vectorstore import ReportStore

    class NoModel:
        pass

    store = ReportStore(NoModel(), path=tmp_path / "store")
    docs = {d.title: d for d in store.list_documents()}
    assert set(docs) == {"Loggers in the Far East", "Control", "Ouvriers", "Laborers sent to Laos"}
    assert "nord-coréens à Oulan-Bator" in store.get_document(docs["Ouvriers"].doc_id).text
    assert "North Korean workers in Mongolia are paid" in store.get_document(docs["Control"].doc_id).text
