"""docs/operations.md's commands, run as written: upgrading, a fresh store, resetting, backups
(the CLI, flock, cp, mv, rm in a temporary folder: ``data/store`` and ``/backup`` are moved
there, ``data/reports`` is the one-report sample to keep it quick), and deploy/reportqa.service's
``ExecStartPre`` and ``ExecStart`` with the unit's environment, stopped by its ``KillSignal``."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from .conftest import SAMPLE_ONE, free_port, run_cli

ROOT = Path(__file__).resolve().parents[1]
OPERATIONS = ROOT / "docs" / "operations.md"
UNIT = ROOT / "deploy" / "reportqa.service"
# Commands of these sections that a test cannot run: fetching code, and a full install.
NOT_HERE = ("git pull",)


def section_commands(title: str) -> list[str]:
    """The command lines of the ```sh blocks under one ``## title`` of docs/operations.md."""
    text = OPERATIONS.read_text()
    body = text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]
    lines = []
    for block in re.findall(r"^```sh\n(.*?)^```", body, flags=re.S | re.M):
        lines += [line.split("  #", 1)[0].strip() for line in block.splitlines() if line.strip() and not line.startswith("#")]
    return lines


def run_as_written(lines: list[str], tmp: Path) -> list[subprocess.CompletedProcess]:
    """Each line in bash from the project folder, with the store and backups moved into ``tmp``."""
    env = {**os.environ, "REPORTQA_STORE": str(tmp / "store")}
    done = []
    for line in lines:
        if line.startswith(NOT_HERE):
            continue
        cmd = (line.replace("data/store", str(tmp / "store")).replace("/backup/", f"{tmp}/backup/")
               .replace("data/reports", str(SAMPLE_ONE)))
        out = subprocess.run(["bash", "-c", cmd], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, f"{line}\n{out.stdout[-1500:]}\n{out.stderr[-1500:]}"
        done.append(out)
    return done


def reports_in(store: Path) -> dict:
    out = run_cli("--store", str(store), "--json", "-q", str(SAMPLE_ONE))
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def stored(store: Path) -> int:
    """How many reports the store holds, read by a fresh process: the commands rebuilt the folder
    in other processes, and Chroma caches one system per folder in this one, which would still
    show the folder as it was (an empty store, at random: when the cache was not yet collected)."""
    summary = reports_in(store)
    return len(summary["unchanged"]) if not summary["added"] else 0


def test_upgrade_fresh_store_reset_and_backup_commands_run_as_written(tmp_path):
    (tmp_path / "backup").mkdir()
    first = run_cli("--store", str(tmp_path / "store"), "-q", str(SAMPLE_ONE))
    assert first.returncode == 0, first.stderr

    upgrade = section_commands("Upgrading")
    assert any(c.startswith("flock ") for c in upgrade) and any("ingest --store data/store-new" in c for c in upgrade)
    run_as_written(upgrade, tmp_path)
    backups = list((tmp_path / "backup").glob("reportqa-store-*"))
    assert len(backups) == 1 and (backups[0] / "chroma.sqlite3").exists(), "the backup is a copy of the store"
    assert reports_in(backups[0])["unchanged"], "a re-ingest into the backup finds every report there"
    assert (tmp_path / "store-old").is_dir(), "the old store was moved aside"
    assert stored(tmp_path / "store") == 1, "the fresh store holds the reports"

    reset = section_commands("Resetting the store")
    assert reset[0].startswith("rm -rf data/store")
    (tmp_path / "store" / "leftover").write_text("gone after the reset")
    run_as_written(reset, tmp_path)
    assert not (tmp_path / "store" / "leftover").exists()
    assert stored(tmp_path / "store") == 1

    shutil.rmtree(tmp_path / "backup")
    (tmp_path / "backup").mkdir()
    run_as_written(section_commands("Backups of the store"), tmp_path)
    assert len(list((tmp_path / "backup").glob("reportqa-store-*"))) == 1


def test_reembed_as_the_upgrade_docs_say(tmp_path):
    """``python -m ingest --reembed`` (docs/operations.md#upgrading) re-embeds the store it is given."""
    if "--reembed" not in run_cli("--help").stdout:
        pytest.skip("this checkout's ingest has no --reembed yet (it comes with the retriever change)")
    assert "`.venv/bin/python -m ingest --reembed`" in OPERATIONS.read_text()
    assert run_cli("--store", str(tmp_path / "store"), "-q", str(SAMPLE_ONE)).returncode == 0
    out = run_cli("--reembed", env={"REPORTQA_STORE": str(tmp_path / "store")})
    assert out.returncode == 0, out.stderr


def unit_entries(path: Path) -> dict[str, list[tuple[str, str]]]:
    """The unit file as {section: [(key, value), ...]}, keys kept in order and repeated (Environment=)."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), [])
        else:
            key, _, value = line.partition("=")
            current.append((key.strip(), value.strip()))
    return sections


def test_the_systemd_unit_starts_serves_and_stops(tmp_path, corpus_store_dir):
    unit = unit_entries(UNIT)
    service = dict(unit["Service"])
    assert dict(unit["Install"])["WantedBy"] == "multi-user.target"
    assert service["KillSignal"] == "SIGTERM" and service["Restart"] == "on-failure" and service["User"] == "reportqa"
    home, state = service["WorkingDirectory"], "/var/lib/reportqa"
    assert {v for k, v in unit["Service"] if k == "ReadWritePaths"} == {state}, "the service writes only its state folder"

    def here(value: str) -> str:
        return value.replace(home, str(ROOT)).replace(state, str(tmp_path))

    port = free_port()
    env = dict(os.environ)
    for key, value in unit["Service"]:
        if key == "Environment":
            name, _, val = value.partition("=")
            env[name] = here(val)
    env["REPORTQA_BIND"] = f"127.0.0.1:{port}"  # the unit's 127.0.0.1:8000 may be taken on a test machine
    assert env["REPORTQA_STORE"] == str(tmp_path / "store")
    shutil.copytree(corpus_store_dir, tmp_path / "store")  # as after an earlier start: the pre-start ingest finds it all

    pre = here(service["ExecStartPre"]).lstrip("-").split()
    out = subprocess.run(pre, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and "0 failed" in out.stdout + out.stderr, out.stdout + out.stderr

    proc = subprocess.Popen(here(service["ExecStart"]).split(), cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180
        while True:
            assert proc.poll() is None, proc.stdout.read()[-3000:]
            try:
                if requests.get(url + "/api/health", timeout=5).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or the worker still warming up
                pass
            assert time.monotonic() < deadline, "gunicorn did not answer within 180 s"
            time.sleep(0.5)
        data = requests.post(url + "/api/ask", json={"question": "Which countries are the laborers sent to?"}, timeout=120).json()
        assert data["found"] and data["citations"], data
        proc.send_signal(getattr(signal, service["KillSignal"]))
        proc.wait(timeout=int(service["TimeoutStopSec"]))
        assert proc.returncode == 0, "a graceful stop"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
