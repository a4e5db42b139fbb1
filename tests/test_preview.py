"""``python -m ingest --preview [--json]`` as a subprocess: what would be stored, with no model
loaded and nothing written."""
from __future__ import annotations

import json

from .conftest import run_cli
from .pdfwriter import make_pdf
from .test_readers import ARTICLE, PAGE1, PAGE2

# Loading a model from here fails loudly: a preview that loaded one could not succeed.
NO_MODEL = {"REPORTQA_EMBEDDING_MODEL": "/nonexistent/model-must-not-be-loaded"}


def folder_of_reports(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "workers.html").write_text(ARTICLE)
    (folder / "panel.pdf").write_bytes(make_pdf([PAGE1, PAGE2], info={"Title": "Panel report", "CreationDate": "D:2023"}))
    (folder / "laos.txt").write_text("Title: Laborers in Laos\nDate: 2023-07-01\n\n"
                                     "North Korean laborers in Vientiane hold passports kept by their managers.\n")
    (folder / "scan.pdf").write_bytes(make_pdf([PAGE1], text_layer=False))
    return folder


def test_preview_json_shape_without_model_or_store(tmp_path):
    folder = folder_of_reports(tmp_path)
    store = tmp_path / "store"
    out = run_cli("--preview", "--json", "--store", str(store), str(folder), env=NO_MODEL, timeout=120)
    assert out.returncode == 1, out.stderr  # scan.pdf failed
    assert not store.exists()
    data = json.loads(out.stdout)
    assert set(data) == {"reports", "failed"}
    assert data["failed"] == [{"path": str(folder / "scan.pdf"), "error": f"{folder / 'scan.pdf'}: the PDF has no text layer (a scan or images only); run OCR on it first"}]
    reports = {r["path"].rsplit("/", 1)[-1]: r for r in data["reports"]}
    assert set(reports) == {"workers.html", "panel.pdf", "laos.txt"}
    for report in reports.values():
        assert set(report) == {"path", "title", "date", "source", "outlet", "author", "text", "passages", "warnings"}
        assert report["passages"]
        for p in report["passages"]:
            assert set(p) == {"text", "start", "end", "heading", "page"}
            assert report["text"][p["start"]:p["end"]] == p["text"]  # offsets point into the stored text
    html = reports["workers.html"]
    assert (html["title"], html["date"], html["source"], html["outlet"], html["author"]) == (
        "Workers sent to Russia despite sanctions", "2021-04", "https://example.org/news/workers-abroad",
        "Daily Example", "Kim Min-ji")
    assert "Sinuiju" in html["text"] and "Most read" not in html["text"]
    assert all(p["page"] is None for p in html["passages"])
    pdf = reports["panel.pdf"]
    assert pdf["title"] == "Panel report" and pdf["date"] == "2023" and "250 welders" in pdf["text"]
    assert all(p["page"] is None or isinstance(p["page"], int) for p in pdf["passages"])
    assert reports["laos.txt"]["date"] == "2023-07-01" and reports["laos.txt"]["warnings"] == []


def test_preview_text_lists_metadata_and_passages(tmp_path):
    folder = folder_of_reports(tmp_path)
    out = run_cli("--preview", str(folder / "workers.html"), str(folder / "laos.txt"), env=NO_MODEL, timeout=120)
    assert out.returncode == 0, out.stderr
    assert f"== {folder / 'workers.html'}" in out.stdout and "   outlet: Daily Example" in out.stdout
    assert "   title: Laborers in Laos" in out.stdout and "[1] 0-" in out.stdout
    assert "passport" in out.stdout
    assert "previewed 2 reports, 0 failed" in out.stderr and "nothing was written" in out.stderr
