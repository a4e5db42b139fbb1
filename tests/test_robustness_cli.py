"""``python -m ingest`` fed bad input: a readable one-line message per bad file, the right exit
status, never a traceback — and the good reports in the same batch are ingested."""
from __future__ import annotations

import json

from .conftest import run_cli

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
    pdf.write_bytes(b"%PDF-1.4")
    store = tmp_path / "store"

    out = run_cli("--store", str(store), "--json", "-q", str(batch), str(empty_dir), str(pdf),
                  str(tmp_path / "missing.txt"), str(tmp_path / "missing-dir"))
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stderr and "Traceback" not in out.stdout
    summary = json.loads(out.stdout)
    failed = {f["file"].rsplit("/", 1)[-1]: f["message"] for f in summary["failed"]}
    expected = {
        "binary.txt": "binary", "latin1.txt": "UTF-8", "empty.md": "empty", "header-only.txt": "no text",
        "huge.txt": "too large", "empty-dir": "no report files", "report.pdf": "unsupported",
        "missing.txt": "no such file", "missing-dir": "no such file",
    }
    assert set(failed) == set(expected), failed
    for name, phrase in expected.items():
        assert phrase in failed[name], (name, failed[name])
    errors = [line for line in out.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == len(expected)  # one line per bad file, each naming it
    for name in expected:
        assert any(name in line for line in errors), name
    # The good report and the one with a malformed header are in; the header's problems are warnings.
    assert len(summary["added"]) == 2 and summary["passages"] >= 2
    warnings = "\n".join(summary["warnings"])
    assert "unreadable date" in warnings and "not an http(s) URL" in warnings and "unknown header field" in warnings

    again = run_cli("--store", str(store), "-q", "--json", str(batch / "good.txt"), str(malformed))
    assert again.returncode == 0, again.stderr
    assert len(json.loads(again.stdout)["unchanged"]) == 2


def test_nothing_usable_exits_1_and_bad_settings_exit_2(tmp_path):
    out = run_cli("--store", str(tmp_path / "store"), "-q", str(tmp_path / "missing.txt"), timeout=120)
    assert out.returncode == 1 and "missing.txt: no such file" in out.stderr and "Traceback" not in out.stderr
    bad_env = run_cli("--store", str(tmp_path / "store"), str(tmp_path), env={"REPORTQA_TOP_K": "many"}, timeout=120)
    assert bad_env.returncode == 2 and "REPORTQA_TOP_K" in bad_env.stderr and "Traceback" not in bad_env.stderr
