"""Uploads and their jobs: limits enforced while streaming, Unicode names kept, a per-job chunk budget, progress
from the first second, queued jobs visible, stalled files ending the job anyway, and jobs that survive a
server killed right after its 202."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.api.auth import digest
from assistant.api.serving import serve_in_thread
from assistant.config import ApiKey
from assistant.runtime import Runtime
from tests.hostile_inputs import docx_slow

REPO = Path(__file__).resolve().parents[1]
KEY = "jobs-growth-key"
AUTH = {"X-API-Key": KEY}
KEYS = [ApiKey(name="growth-pm", team="growth", key_sha256=digest(KEY))]


def note(topic: str, paragraphs: int = 1) -> bytes:
    body = "\n\n".join(f"The {topic} review found item {i} needs an owner and a date before the quarterly planning "
                       f"meeting, so the {topic} team will follow up with finance and support next week."
                       for i in range(paragraphs))
    return f"# {topic.title()} notes\n\n{body}\n".encode()


def wait(client: Any, job_id: str, seconds: float = 180) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/v1/jobs/{job_id}", headers=AUTH).json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish in {seconds:.0f} s")


def upload(client: Any, *files: tuple[str, bytes]) -> Any:
    return client.post("/v1/documents", files=[("files", (n, d, "application/octet-stream")) for n, d in files],
                       headers=AUTH)


@pytest.fixture
def client_for(make_runtime: Callable[..., Runtime]) -> Iterator[Callable[..., TestClient]]:
    made: list[TestClient] = []

    def factory(**settings: object) -> TestClient:
        client = TestClient(create_app(runtime=make_runtime(api_keys=KEYS, **settings)))
        client.__enter__()
        made.append(client)
        return client

    yield factory
    for client in made:
        client.__exit__(None, None, None)


def test_size_limit_stops_the_upload_while_it_streams(make_runtime: Callable[..., Runtime]) -> None:
    """A 200 MB upload against a 1 MB limit: 413 naming the file, the connection closed after a few MB (not the
    whole body read or spooled), and nothing of the request left on disk."""
    runtime = make_runtime(api_keys=KEYS, max_file_bytes=1_000_000)
    sent = 0

    def body() -> Iterator[bytes]:
        nonlocal sent
        head = b'--B0und\r\nContent-Disposition: form-data; name="files"; filename="huge.md"\r\n\r\n'
        block = b"A line of an enormous meeting transcript.\n" * 1500
        for piece in [head, *([block] * 3200)]:
            sent += len(piece)
            yield piece
        yield b"\r\n--B0und--\r\n"

    with serve_in_thread(create_app(runtime=runtime)) as url:
        response = httpx.post(f"{url}/v1/documents", content=body(), timeout=60,
                              headers={**AUTH, "Content-Type": "multipart/form-data; boundary=B0und"})
    assert response.status_code == 413
    assert response.json()["detail"][0]["path"] == "huge.md" and "1,000,000-byte limit" in response.text
    print(f"\nsent {sent / 1e6:.1f} MB of a 201.6 MB body before the server closed the connection")
    assert sent < 50e6
    uploads = runtime.settings.data_dir / "uploads"
    assert [p for p in uploads.rglob("*") if p.is_file()] == []


def test_a_declared_length_that_cannot_fit_is_refused_before_reading(client_for: Callable[..., TestClient]) -> None:
    client = client_for(max_file_bytes=1000, max_upload_files=1)
    response = client.post("/v1/documents", content=b"x" * 200_000,
                           headers={**AUTH, "Content-Type": "multipart/form-data; boundary=B"})
    assert response.status_code == 413 and "PRODOPS_MAX_UPLOAD_FILES" in response.text


def test_unicode_names_are_kept_and_stored_under_an_ascii_slug(client_for: Callable[..., TestClient]) -> None:
    client = client_for()
    response = upload(client, ("会议纪要.md", note("onboarding")), ("Café notes.md", note("pricing")))
    assert response.status_code == 202, response.text
    accepted = {a["name"]: a["path"] for a in response.json()["accepted"]}
    assert set(accepted) == {"会议纪要.md", "Café notes.md"}
    assert accepted["Café notes.md"] == "growth/Cafe notes.md"
    assert accepted["会议纪要.md"].startswith("growth/upload-") and accepted["会议纪要.md"].isascii()
    job = wait(client, response.json()["job_id"])
    assert job["state"] == "done" and job["added"] == 2 and job["failed"] == []
    assert {f["name"] for f in job["files"]} == {"会议纪要.md", "Café notes.md"}
    sources = {s["path"] for s in client.get("/v1/sources", headers=AUTH).json()}
    assert set(accepted.values()) <= sources


def test_a_job_has_a_chunk_budget(client_for: Callable[..., TestClient]) -> None:
    client = client_for(max_job_chunks=6, chunk_size=400, chunk_overlap=0)
    response = upload(client, ("small.md", note("billing")), ("long.md", note("roadmap", 40)))
    job = wait(client, response.json()["job_id"])
    assert job["state"] == "done" and job["added"] == 1
    (failure,) = job["failed"]
    assert failure["path"] == "growth/long.md" and "budget of 6" in failure["error"]
    assert "PRODOPS_MAX_JOB_CHUNKS" in failure["error"]


def test_progress_from_the_first_second_and_queued_jobs_are_visible(client_for: Callable[..., TestClient]) -> None:
    client = client_for(chunk_size=400, chunk_overlap=0, embedding_batch_size=16)
    started = time.monotonic()
    big = [upload(client, (f"big-{i}.md", note(f"topic{i}", 200))).json()["job_id"] for i in range(2)]
    queued = upload(client, ("later.md", note("support"))).json()["job_id"]
    seen: dict[str, list[tuple[float, str, int, int]]] = {j: [] for j in [*big, queued]}
    while time.monotonic() - started < 240:
        jobs = {j["id"]: j for j in client.get("/v1/jobs", headers=AUTH).json()}
        for job_id, job in jobs.items():
            seen[job_id].append((time.monotonic() - started, job["phase"], job["processed_files"],
                                 job["embedded_chunks"]))
        if all(j["state"] in ("done", "failed") for j in jobs.values()):
            break
        time.sleep(0.1)
    first = seen[big[0]]
    sample = first[:: max(1, len(first) // 12)]
    print("\n" + "\n".join(f"{t:5.1f}s {p:9} files={f} chunks={c}" for t, p, f, c in sample))
    assert any(t <= 1.5 and p != "queued" for t, p, _, _ in first), first[:5]  # working within a second or so
    assert len({c for _, _, _, c in first}) >= 4, "chunk progress moves in steps, not 0 then done"
    assert any(p == "queued" for _, p, _, _ in seen[queued])
    assert client.get(f"/v1/jobs/{queued}", headers=AUTH).json()["state"] == "done"


def test_a_file_that_parses_too_long_is_reported_and_the_job_ends(
    client_for: Callable[..., TestClient], tmp_path: Path
) -> None:
    client = client_for(parse_timeout_seconds=2.0)
    response = upload(client, ("slow.docx", docx_slow(tmp_path)), ("fine.md", note("hiring")))
    job = wait(client, response.json()["job_id"])
    assert job["state"] == "done" and job["added"] == 1
    (failure,) = job["failed"]
    assert failure["name"] == "slow.docx" and "longer than 2 s" in failure["error"]


# -- a server killed right after its 202 ----------------------------------------------------------------------


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(data: Path, port: int, log: Path, workers: int = 1) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRODOPS_")} | {
        "PRODOPS_DATA_DIR": str(data), "PYTHONPATH": str(REPO),
        "PRODOPS_API_KEYS": json.dumps([k.model_dump(exclude_none=True) for k in KEYS]),
    }
    with log.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "serve", "--port", str(port),
                                 "--workers", str(workers)], env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)  # its own process group: killed with its workers
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code in (200, 503):
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
        assert proc.poll() is None, log.read_text()[-2000:]
    proc.kill()
    raise AssertionError("the server did not start in 120 s")


def _job_states(data: Path) -> dict[str, str]:
    with closing(sqlite3.connect(data / "jobs.sqlite3")) as db:
        return dict(db.execute("SELECT id, state FROM jobs").fetchall())


def test_an_accepted_upload_survives_a_server_killed_after_its_202(tmp_path: Path) -> None:
    data, log = tmp_path / "data", tmp_path / "server.log"
    port = _port()
    server = _serve(data, port, log)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            response = upload(client, ("survivor.md", note("renewal", 30)))
            assert response.status_code == 202, response.text
            server.send_signal(signal.SIGKILL)
            server.wait()
            job_id = response.json()["job_id"]
            assert _job_states(data)[job_id] in ("queued", "running"), "recorded before the 202, not finished"
        server = _serve(data, port, log)  # same data dir: the job is picked up again at start-up
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            job = wait(client, job_id)
            assert job["state"] == "done" and job["added"] == 1 and job["resumed"] == 1, job
            paths = {s["path"] for s in client.get("/v1/sources", headers=AUTH).json()}
            assert "growth/survivor.md" in paths
    finally:
        server.kill()
        server.wait()


def test_workers_share_jobs_and_a_killed_servers_job_is_resumed_once(tmp_path: Path) -> None:
    """Two server processes on one port: a job is visible from either (every poll on a new connection, so
    both answer), and after the whole server is killed, the restarted workers resume the job exactly once."""
    data, log = tmp_path / "data", tmp_path / "server.log"
    port = _port()
    server = _serve(data, port, log, workers=2)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            first = upload(client, ("first.md", note("pricing", 3)))
            assert first.status_code == 202, first.text
        deadline, seen = time.monotonic() + 180, []
        while time.monotonic() < deadline:
            polled = httpx.get(f"http://127.0.0.1:{port}/v1/jobs/{first.json()['job_id']}", headers=AUTH,
                               timeout=30)  # a new connection each time: either worker may answer
            assert polled.status_code == 200, polled.text
            seen.append(polled.json()["state"])
            if seen[-1] in ("done", "failed"):
                break
            time.sleep(0.05)
        assert seen[-1] == "done" and polled.json()["resumed"] == 0, polled.json()
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            second = upload(client, ("second.md", note("renewal", 30)))
            assert second.status_code == 202, second.text
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
        job_id = second.json()["job_id"]
        assert _job_states(data)[job_id] in ("queued", "running")
        server = _serve(data, port, log, workers=2)  # both new workers start and look for unfinished jobs
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            job = wait(client, job_id)
            assert job["state"] == "done" and job["added"] == 1 and job["resumed"] == 1, job
            assert len(client.get("/v1/jobs", headers=AUTH).json()) == 2
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait()
