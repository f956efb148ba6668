"""The `prodops` command's JSON contracts and exit codes, through Typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from assistant.cli.app import app
from tests.workspaces import make_workspace

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout


def test_ingest_and_sources_json_contract(tmp_path: Path, cli_env: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    (ws / "notes").mkdir()
    (ws / "notes" / "broken.pdf").write_bytes(b"%PDF-1.4 truncated")
    code, out = run("ingest", str(ws), "--json")
    assert code == 0
    report = json.loads(out)
    assert set(report) == {"added", "updated", "unchanged", "deleted", "deleted_paths", "chunks", "failed"}
    assert (report["added"], report["updated"], report["unchanged"], report["deleted"]) == (3, 0, 0, 0)
    assert isinstance(report["chunks"], int) and report["chunks"] > 3
    assert [f["path"] for f in report["failed"]] == ["notes/broken.pdf"] and report["failed"][0]["error"]

    code, out = run("sources", "--json")
    rows = {row["path"]: row for row in json.loads(out)}
    assert set(rows) == {"strategy/plan.md", "interviews/delta.md", "metrics/wat.csv"}
    assert rows["interviews/delta.md"]["kind"] == "interview" and rows["interviews/delta.md"]["team"] == "growth"
    assert rows["strategy/plan.md"]["date"] == "2026-07-01"
    assert sum(r["chunks"] for r in rows.values()) == report["chunks"]

    code, out = run("ingest", str(ws), "--json")
    assert json.loads(out)["unchanged"] == 3


def test_ask_and_search_json_contract(tmp_path: Path, cli_env: Path) -> None:
    run("ingest", str(make_workspace(tmp_path / "ws")), "--json")
    code, out = run("ask", "How long does creating dispatcher accounts by hand take?", "--json")
    assert code == 0
    answer = json.loads(out)
    assert not answer["abstained"]
    assert answer["citations"][0]["source"] == "interviews/delta.md"
    assert {"n", "chunk_id", "source", "text"} <= set(answer["citations"][0])
    assert all({"text", "citations", "supported", "score"} <= set(s) for s in answer["sentences"])

    code, out = run("search", "weekly active teams", "--k", "2", "--json")
    hits = json.loads(out)
    assert len(hits) == 2 and set(hits[0]) == {"chunk_id", "source", "score", "text"}
    assert hits[0]["source"] == "metrics/wat.csv"

    code, out = run("search", "audit logs", "--kind", "interview", "--json")
    assert all(h["source"] == "interviews/delta.md" for h in json.loads(out))


def test_metric_question_is_computed_from_the_table(tmp_path: Path, cli_env: Path) -> None:
    run("ingest", str(make_workspace(tmp_path / "ws")), "--json")
    code, out = run("ask", "How did weekly active teams change?", "--json")
    answer = json.loads(out)
    assert "1,902" in answer["answer"] and "1,875" in answer["answer"]
    assert answer["citations"][0]["source"] == "metrics/wat.csv"
    assert all(s["supported"] for s in answer["sentences"])


def test_unreachable_store_is_a_clear_error(tmp_path: Path, cli_env: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from assistant.config import get_settings

    monkeypatch.setenv("PRODOPS_CHROMA_URL", "http://127.0.0.1:9")
    get_settings.cache_clear()
    result = runner.invoke(app, ["ingest", str(make_workspace(tmp_path / "ws")), "--json"])
    assert result.exit_code == 2
    assert "cannot open the Chroma store" in result.stderr and "Traceback" not in result.stderr
