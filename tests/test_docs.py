"""The docs agree with the code: settings, links, and the layer rules CONTRIBUTING.md states."""
from __future__ import annotations

import ast
import re
from dataclasses import fields
from pathlib import Path

from settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]
NAME = re.compile(r"\bREPORTQA_[A-Z][A-Z0-9_]*")

# REPORTQA_* variables the docs name that are not service settings, and the file that reads each:
# gunicorn's own options (read by gunicorn.conf.py before any app exists) and test switches.
NOT_SETTINGS = {
    "REPORTQA_BIND": "gunicorn.conf.py",
    "REPORTQA_WORKERS": "gunicorn.conf.py",
    "REPORTQA_THREADS": "gunicorn.conf.py",
    "REPORTQA_TEST_LLM_URL": "tests/test_llm.py",
    "REPORTQA_TEST_LLM_MODEL": "tests/test_llm.py",
    "REPORTQA_WRITE_SCREENSHOT": "tests/test_page.py",
    "REPORTQA_MODEL_CACHE": "vectorstore/finetuned.py",
}


def setting_names() -> set[str]:
    return {f"REPORTQA_{f.name.upper()}" for f in fields(Settings)}


def readme_settings_table() -> str:
    text = (ROOT / "README.md").read_text()
    section = text.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    return "\n".join(line for line in section.splitlines() if line.startswith("| `REPORTQA_"))


def test_every_documented_variable_is_a_setting_or_read_where_named():
    settings = setting_names()
    for doc in DOCS:
        for name in set(NAME.findall(doc.read_text())):
            if name in settings:
                continue
            assert name in NOT_SETTINGS, f"{doc.relative_to(ROOT)} names {name}, which is no Settings field"
            reader = (ROOT / NOT_SETTINGS[name]).read_text()
            assert f'os.environ.get("{name}"' in reader, f"{name} is not read by {NOT_SETTINGS[name]}"


def test_every_setting_is_in_the_readme_table():
    table = readme_settings_table()
    missing = sorted(n for n in setting_names() if f"`{n}`" not in table)
    assert not missing, f"settings missing from the README's settings table: {missing}"
    assert set(NAME.findall(table)) <= setting_names()


def _prose(text: str) -> str:
    """Markdown without fenced code blocks and inline code (links inside them are not links)."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    return re.sub(r"`[^`\n]*`", "", text)


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", ""))
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = re.sub(r"^```.*?^```", "", path.read_text(), flags=re.S | re.M)
    return {_slug(m.group(1)) for m in re.finditer(r"^#{1,6}\s+(.+?)\s*#*$", text, flags=re.M)}


def test_every_link_resolves():
    checked = 0
    for doc in DOCS:
        for target in re.findall(r"\]\(([^)\s]+)\)", _prose(doc.read_text())):
            if re.match(r"^[a-z]+:", target):
                continue  # http(s), mailto: outside the repository
            file_part, _, anchor = target.partition("#")
            dest = (doc.parent / file_part).resolve() if file_part else doc
            assert dest.exists(), f"{doc.relative_to(ROOT)}: broken link {target}"
            if anchor:
                assert anchor in _anchors(dest), f"{doc.relative_to(ROOT)}: no heading for #{anchor} in {dest.name}"
            checked += 1
    assert checked >= 20


def test_readme_links_every_doc_page():
    readme = (ROOT / "README.md").read_text()
    for page in (ROOT / "docs").glob("*.md"):
        assert f"](docs/{page.name}" in readme, f"README does not link docs/{page.name}"
    assert len(readme.splitlines()) <= 150  # a newcomer's five minutes; the rest lives in docs/


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_layers_import_only_what_contributing_says():
    project = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()} | {"server", "settings"}
    allowed = {
        "vectorstore": set(),
        "ingest": {"vectorstore", "settings"},
        "qa": {"vectorstore", "settings"},
        "web": {"qa", "ingest", "settings"},
    }
    for layer, ok in allowed.items():
        for path in (ROOT / layer).rglob("*.py"):
            wrong = (_imports(path) & project) - ok - {layer}
            assert not wrong, f"{path.relative_to(ROOT)} imports {sorted(wrong)}"
    assert (_imports(ROOT / "server.py") & project) <= {"web", "qa", "ingest", "settings"}
    for path in [p for d in ("vectorstore", "ingest", "qa", "web", "bench") for p in (ROOT / d).rglob("*.py")]:
        assert "server" not in _imports(path), f"{path.relative_to(ROOT)} imports the server"
