"""Uploads through the HTTP API: sanitised names, sniffed types, size limits, forced team visibility, jobs."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.api.auth import digest
from assistant.api.uploads import UploadRejected, safe_name, sniff
from assistant.config import ApiKey
from assistant.runtime import Runtime
from tests.utils import make_docx, make_pdf

KEYS = {"growth": "k-growth", "enterprise": "k-enterprise"}


@pytest.fixture
def client(make_runtime: Callable[..., Runtime]) -> Iterator[TestClient]:
    keys = [ApiKey(name=f"{t}-pm", team=t, key_sha256=digest(k)) for t, k in KEYS.items()]
    runtime = make_runtime(api_keys=keys, max_file_bytes=50_000)
    with TestClient(create_app(runtime=runtime)) as test_client:
        yield test_client


def auth(team: str) -> dict[str, str]:
    return {"X-API-Key": KEYS[team]}


def wait(client: TestClient, job_id: str, team: str) -> dict[str, object]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}", headers=auth(team)).json()
        if job["state"] in ("done", "failed"):
            return job  # type: ignore[no-any-return]
        time.sleep(0.2)
    raise AssertionError("job did not finish")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        (".hidden.md", "hidden.md"),
        ("Q3 plan (final)!!.MD", "Q3 plan_final.md"),
        ("", "upload"),
        ("\x00evil\n.md", "evil.md"),
    ],
)
def test_safe_name(raw: str, clean: str) -> None:
    assert safe_name(raw) == clean


@pytest.mark.parametrize(
    ("name", "data", "status"),
    [
        ("notes.md", b"", 422),
        ("report.pdf", b"just text, not a pdf", 415),
        ("notes.md", b"%PDF-1.4 pretending", 415),
        ("tool.md", b"MZ\x90\x00\x03\x00\x00\x00binary", 415),
        ("latin.md", "caf\xe9".encode("latin-1"), 415),
        ("archive.docx", b"PK\x03\x04not really a zip", 415),
        ("script.sh", b"echo hi", 415),
    ],
)
def test_sniff_rejects_with_status(name: str, data: bytes, status: int) -> None:
    with pytest.raises(UploadRejected) as caught:
        sniff(name, data)
    assert caught.value.status == status and caught.value.reason


def test_sniff_accepts_real_documents(tmp_path: Path) -> None:
    assert sniff("a.pdf", make_pdf(tmp_path / "a.pdf", ["Hello"]).read_bytes()) == ".pdf"
    assert (
        sniff("a.docx", make_docx(tmp_path / "a.docx", [("Heading 1", "Title"), ("Normal", "Body text")]).read_bytes())
        == ".docx"
    )
    assert sniff("a.csv", b"month,value\n2026-01,3\n") == ".csv"
    assert sniff("page.html", b"<html><body><h1>Plan</h1></body></html>") == ".html"
    assert sniff("page.mdx", b"# Plan\n\n<Callout>Soon</Callout>\n") == ".mdx"


def test_upload_is_ingested_with_the_uploaders_visibility(client: TestClient) -> None:
    body = (
        "---\nkind: note\ntitle: Growth secret plan\nvisibility: everyone\n---\n"
        "The zeppelin referral campaign launches in March with a budget of 40,000 dollars.\n"
    )
    files = [
        ("files", ("../../plan.md", body.encode(), "text/markdown")),
        ("files", ("evil.pdf", b"not a pdf", "application/pdf")),
    ]
    response = client.post("/v1/documents", files=files, headers=auth("growth"))
    assert response.status_code == 202
    upload = response.json()
    assert [a["path"] for a in upload["accepted"]] == ["growth/plan.md"]
    assert upload["rejected"][0]["path"] == "evil.pdf" and "not a PDF" in upload["rejected"][0]["error"]
    job = wait(client, upload["job_id"], "growth")
    assert job["state"] == "done" and job["added"] == 1 and job["embedded_chunks"] == job["total_chunks"] > 0
    assert [f["path"] for f in job["failed"]] == ["evil.pdf"]
    # The frontmatter said "everyone", but uploads take the uploader's team.
    mine = client.get("/v1/sources", headers=auth("growth")).json()
    record = next(s for s in mine if s["path"] == "growth/plan.md")
    assert record["visibility"] == ["growth"] and record["team"] == "growth"
    assert all(s["path"] != "growth/plan.md" for s in client.get("/v1/sources", headers=auth("enterprise")).json())
    hits = client.post("/v1/search", json={"query": "zeppelin referral campaign"}, headers=auth("enterprise")).json()
    assert all(h["source"] != "growth/plan.md" for h in hits)
    # Jobs belong to their uploader.
    assert client.get(f"/v1/jobs/{upload['job_id']}", headers=auth("enterprise")).status_code == 404


def test_upload_errors(client: TestClient) -> None:
    assert client.post("/v1/documents", headers=auth("growth")).status_code == 422
    big = [("files", ("big.md", b"a" * 60_000, "text/markdown"))]
    assert client.post("/v1/documents", files=big, headers=auth("growth")).status_code == 413
    bad = [("files", ("x.exe", b"MZ\x00\x00", "application/octet-stream"))]
    assert client.post("/v1/documents", files=bad, headers=auth("growth")).status_code == 415
    assert client.post("/v1/documents", files=bad).status_code == 401
