"""A Chroma server that goes away: every endpoint that needs it answers 503 with a JSON message, /health names
the dependency that is down, the app recovers when the server is back, and a CLI ingest cut off mid-job prints
one line (no traceback) and is repaired by running it again."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.api.auth import digest
from assistant.config import ApiKey, Settings
from assistant.embeddings.minilm import SentenceTransformerEmbedder
from assistant.runtime import Runtime
from ingest.pipeline import ingest_paths
from tests.bad_inputs import make_crash_workspace
from tests.workspaces import make_workspace

pytestmark = pytest.mark.server
REPO = Path(__file__).resolve().parents[1]
KEY = "outage-growth-key"
AUTH = {"X-API-Key": KEY}


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def chroma(path: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """``chroma run`` on loopback (the conftest fixture's pattern), stopped on exit if still running."""
    exe = str(Path(sys.executable).parent / "chroma")
    with (path.parent / f"chroma-{port}.log").open("ab") as log:
        proc = subprocess.Popen([exe, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                                stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, "chroma run did not start"
            time.sleep(0.2)
    try:
        yield proc
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


Call = Callable[[TestClient], Any]
CALLS: dict[str, Call] = {
    "POST /v1/chat": lambda c: c.post("/v1/chat", json={"messages": [{"role": "user", "content": "SCIM?"}]},
                                      headers=AUTH),
    "POST /v1/chat (stream)": lambda c: c.post("/v1/chat", headers=AUTH, json={
        "messages": [{"role": "user", "content": "What slows dispatchers down?"}], "stream": True}),
    "POST /v1/search": lambda c: c.post("/v1/search", json={"query": "activation"}, headers=AUTH),
    "GET /v1/sources": lambda c: c.get("/v1/sources", headers=AUTH),
    "GET /v1/sources/{path}": lambda c: c.get("/v1/sources/strategy/plan.md", headers=AUTH),
    "GET /v1/chunks/{id}": lambda c: c.get("/v1/chunks/some-id", headers=AUTH),
    "POST /v1/themes": lambda c: c.post("/v1/themes", json={}, headers=AUTH),
    "POST /v1/drafts/strategy": lambda c: c.post("/v1/drafts/strategy", json={"title": "H1", "from": "strategy/"},
                                                 headers=AUTH),
    "GET /v1/alignment": lambda c: c.get("/v1/alignment", headers=AUTH),
    "GET /v1/metrics": lambda c: c.get("/v1/metrics", headers=AUTH),
    "GET /v1/contacts": lambda c: c.get("/v1/contacts", headers=AUTH),
    "POST /v1/contacts/check": lambda c: c.post("/v1/contacts/check", json={"company": "Delta Freight"},
                                                headers=AUTH),
    "POST /v1/checkins": lambda c: c.post("/v1/checkins", json={"cadence": "quarterly-strategy-review",
                                                                "period": "2026-Q3"}, headers=AUTH),
}
STORE_FREE = {  # answered from local files alone, so they keep working
    "GET /v1/jobs": lambda c: c.get("/v1/jobs", headers=AUTH),
    "GET /": lambda c: c.get("/"),
}


def test_every_endpoint_answers_503_while_chroma_is_down_and_recovers(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    port, db = _port(), tmp_path / "chroma-db"
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", chroma_url=f"http://127.0.0.1:{port}",  # type: ignore[call-arg]
                        api_keys=[ApiKey(name="growth-pm", team="growth", key_sha256=digest(KEY))],
                        workspace=REPO / "examples" / "workspace")
    runtime = Runtime(settings, embedder_factory=lambda: embedder)
    with chroma(db, port) as server:
        assert ingest_paths(runtime, [make_workspace(tmp_path / "ws")], show_progress=False).failed == []
        client = TestClient(create_app(runtime=runtime))
        assert client.get("/health").status_code == 200
        stop(server)
        rows = []
        for name, call in CALLS.items():
            response = call(client)
            body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
            rows.append((name, response.status_code, str(body.get("detail", ""))[:60]))
        print("\n" + "\n".join(f"{n:28} {s} {d}" for n, s, d in rows))
        assert [r for r in rows if r[1] != 503 or "Chroma" not in r[2]] == []
        for name, call in STORE_FREE.items():
            assert call(client).status_code == 200, name
        # An upload is accepted (it needs no store) and its job ends failed, saying why, instead of hanging.
        accepted = client.post("/v1/documents", headers=AUTH,
                               files=[("files", ("outage.md", b"# Outage\n\nA note written during the outage.\n",
                                                 "text/markdown"))])
        assert accepted.status_code == 202
        deadline = time.monotonic() + 60
        while (job := client.get(f"/v1/jobs/{accepted.json()['job_id']}", headers=AUTH).json())["state"] not in (
                "done", "failed"):
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert job["state"] == "failed" and "cannot reach the Chroma store" in job["error"]
        health = client.get("/health")
        assert health.status_code == 503
        deps = health.json()["dependencies"]
        assert deps["chroma"]["ok"] is False and "start the server" in deps["chroma"]["error"]
        assert deps["lexical"]["ok"] is True and "chroma" in health.json()["detail"]
    with chroma(db, port):  # the same server comes back: the running app recovers without a restart
        assert client.get("/health").status_code == 200
        assert CALLS["POST /v1/search"](client).status_code == 200
    runtime.close()


def _finished(data: Path) -> int:
    db = data / "lexical.sqlite3"
    if not db.exists():
        return 0
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.2)) as conn:
            return int(conn.execute("SELECT count(*) FROM lexical_sources").fetchone()[0])
    except sqlite3.Error:
        return 0


def test_a_chroma_outage_mid_ingest_is_one_clear_line(tmp_path: Path) -> None:
    import random

    port, db, data, ws = _port(), tmp_path / "chroma-db", tmp_path / "data", tmp_path / "ws"
    make_crash_workspace(ws, random.Random(7), files=80)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRODOPS_")} | {
        "PRODOPS_DATA_DIR": str(data), "PRODOPS_CHROMA_URL": f"http://127.0.0.1:{port}", "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "assistant.cli", "ingest", str(ws), "--json"]
    with chroma(db, port) as server:
        proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 240
        while _finished(data) == 0 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, "the ingest finished before the outage could be staged"
        stop(server)  # the first group is written; the next group's writes find no server
        out, err = proc.communicate(timeout=240)
    lines = [line for line in err.decode().splitlines() if line.strip() and not line.startswith("Loading weights")]
    print("\n" + "\n".join(lines[-5:]))
    assert proc.returncode == 2 and "Traceback" not in err.decode()
    assert any(line.startswith("error: cannot reach the Chroma store") for line in lines)
    with chroma(db, port):  # back again: a rerun finishes the job, without duplicates
        rerun = subprocess.run(command, env=env, capture_output=True, timeout=400, check=False)
        assert rerun.returncode == 0, rerun.stderr.decode()[-2000:]
        report = json.loads(rerun.stdout)
        assert report["failed"] == [] and report["added"] + report["updated"] + report["unchanged"] == 81
