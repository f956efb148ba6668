"""Every user mistake and unreachable dependency: one clear line on stderr naming what to fix, a non-zero exit,
never a traceback; --json output that is JSON and nothing else; tables that never cut what a user copies."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from assistant.cli.app import app
from assistant.config import find_env_file, get_settings
from evals.dataset import load_dataset
from tests.conftest import REPO
from tests.workspaces import make_workspace

runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def one_line_error(code: int, err: str) -> str:
    """The error line, after checking the shape every mistake must have."""
    assert code == 2, err
    assert "Traceback" not in err and err.startswith("error: "), err
    assert len(err.strip().splitlines()) == 1, err
    return err.strip()


@pytest.fixture
def ingested(tmp_path: Path, cli_env: Path) -> Iterator[Path]:
    code, _, err = run("ingest", str(make_workspace(tmp_path / "ws")), "--json")
    assert code == 0, err
    yield tmp_path / "ws"


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("PRODOPS_API_KEYS", "not json", 'PRODOPS_API_KEYS cannot be parsed: it must be a JSON list such as [{"name"'),
        ("PRODOPS_CHROMA_URL", "not-a-url", "PRODOPS_CHROMA_URL must start with http:// or https://"),
        ("PRODOPS_EMBEDDING_BACKEND", "foo", "PRODOPS_EMBEDDING_BACKEND='foo': Input should be 'torch', 'onnx'"),
        ("PRODOPS_CHUNK_SIZE", "abc", "PRODOPS_CHUNK_SIZE='abc': Input should be a valid integer"),
        ("PRODOPS_API_KEYS", '[{"name": "ana"}]', "PRODOPS_API_KEYS (entry 0.team): Field required"),
    ],
)
@pytest.mark.parametrize("command", [["ask", "What is KR1?"], ["sources"], ["checkin", "cadences"]])
def test_a_bad_setting_is_one_line_naming_it(cli_env: Path, monkeypatch: pytest.MonkeyPatch, variable: str,
                                             value: str, expected: str, command: list[str]) -> None:
    monkeypatch.setenv(variable, value)
    get_settings.cache_clear()
    code, out, err = run(*command)
    line = one_line_error(code, err)
    assert expected in line and "environment or the .env file" in line
    assert out == ""


def test_an_unreachable_store_is_an_error_not_an_abstention(cli_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRODOPS_CHROMA_URL", "http://127.0.0.1:9")
    get_settings.cache_clear()
    for command in (["ask", "What is KR1?", "--json"], ["search", "KR1"], ["sources"]):
        code, out, err = run(*command)
        line = one_line_error(code, err)
        assert line.startswith("error: cannot open the Chroma store at http://127.0.0.1:9")
        assert "chroma run" in line and out == ""


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["ask", "q", "--team", "marketing"], "--team 'marketing' is not a team in the store; known teams: growth, "
                                              "leadership"),
        (["search", "q", "--team", "nope"], "known teams: growth, leadership"),
        (["themes", "--team", "nope"], "known teams: growth, leadership"),
        (["ask", "q", "--since", "2026-10-01", "--until", "2026-09-01"],
         "--since 2026-10-01 is after --until 2026-09-01: nothing can match; swap the two dates"),
        (["themes", "--since", "2026-10-01", "--until", "2026-09-01"], "swap the two dates"),
        (["ask", "q", "--since", "2026-13-01"], "--since '2026-13-01' is not a date: use YYYY-MM-DD"),
        (["ask", "q", "--kind", "memo-ish"], "--kind 'memo-ish' is not a kind: use strategy, interview, metrics, note"),
        (["metrics", "--as-of", "tomorrow"], "--as-of 'tomorrow' is not a date"),
        (["ingest", "/no/such/folder"], "no such file or folder: /no/such/folder"),
        (["feedback", "export", "--rating", "meh"], "--rating 'meh': use up or down"),
    ],
)
def test_option_mistakes_are_refused_up_front(ingested: Path, args: list[str], expected: str) -> None:
    code, out, err = run(*args)
    assert expected in one_line_error(code, err)
    assert out == ""


def test_team_is_case_insensitive_and_roadmap_is_a_kind(ingested: Path) -> None:
    code, out, _ = run("search", "activation", "--team", "LEADERSHIP", "--json")
    assert code == 0 and json.loads(out)
    code, out, err = run("search", "activation", "--kind", "roadmap", "--json")
    assert code == 0, err
    hits = json.loads(out)
    assert hits and {h["source"] for h in hits} == {"strategy/plan.md"}  # roadmap = strategy documents


@pytest.mark.parametrize(("port", "expected"), [("99999", "--port 99999 is not a TCP port: use a number from 1 to "
                                                            "65535"), ("0", "--port 0 is not a TCP port")])
def test_serve_refuses_a_port_that_cannot_exist(cli_env: Path, port: str, expected: str) -> None:
    assert expected in one_line_error(*run("serve", "--port", port)[::2])


def test_serve_refuses_a_port_in_use(cli_env: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        line = one_line_error(*run("serve", "--port", str(port))[::2])
    assert f"cannot listen on 127.0.0.1:{port}" in line and "pick a free port with --port" in line


def test_sources_never_cut_a_path(ingested: Path) -> None:
    long_name = "interviews/2026-09-30-a-customer-with-a-rather-long-company-name-interview.md"
    target = ingested / long_name
    target.write_text("---\nkind: interview\nteam: growth\n---\nAna: We export every week.\n", encoding="utf-8")
    run("ingest", str(ingested), "--json")
    code, out, _ = run("sources", env={"COLUMNS": "80"})
    assert code == 0 and long_name in out.splitlines() and "…" not in out
    assert max(len(line) for line in out.splitlines()) <= 80
    code, out, _ = run("sources", "--wide", env={"COLUMNS": "80"})
    rows = [line for line in out.splitlines() if line.startswith(("interviews/", "strategy/", "metrics/"))]
    assert len(rows) == 4 and any(line.startswith(long_name) and "growth" in line for line in rows)
    records = {r["path"]: r for r in json.loads(run("sources", "--json")[1])}
    assert records[long_name]["title"] and records[long_name]["visibility"] == ["everyone"]


def test_checkin_cadences_never_cut_the_slug(cli_env: Path) -> None:
    code, out, err = run("checkin", "cadences", "--workspace", str(REPO / "examples" / "workspace"),
                         env={"COLUMNS": "60"})
    assert code == 0, err
    assert "monthly-roadmap-checkin" in out.split() and "quarterly-strategy-review" in out.split()


def test_report_commands_take_json(ingested: Path) -> None:
    for args in (["metrics"], ["align"], ["contacts"], ["themes", "--min-customers", "1"]):
        code, out, err = run(*args, "--json")
        assert code == 0, (args, err)
        assert json.loads(out) == json.loads(run(*args, "--format", "json")[1])


def test_workspace_paths_come_from_the_env_files_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "project"
    (project / "docs" / "cadences").mkdir(parents=True)
    (project / "docs" / "cadences" / "weekly.yaml").write_text(
        "name: Weekly sync\nperiod: month\nparticipants: [growth]\n", encoding="utf-8")
    (project / ".env").write_text("PRODOPS_WORKSPACE=docs\nPRODOPS_DATA_DIR=state\n", encoding="utf-8")
    elsewhere = project / "some" / "deep" / "folder"
    elsewhere.mkdir(parents=True)
    for name in ("PRODOPS_WORKSPACE", "PRODOPS_DATA_DIR", "PRODOPS_CHROMA_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(elsewhere)
    get_settings.cache_clear()
    try:
        assert find_env_file() == project / ".env"
        settings = get_settings()
        assert settings.workspace == project / "docs" and settings.data_dir == project / "state"
        code, out, err = run("checkin", "cadences", "--json")
        assert code == 0, err
        assert [c["slug"] for c in json.loads(out)] == ["weekly"]
        monkeypatch.setenv("PRODOPS_WORKSPACE", "other")  # from the environment: relative to the current folder
        get_settings.cache_clear()
        assert get_settings().workspace == elsewhere / "other"
        code, _, err = run("checkin", "cadences")
        assert f"PRODOPS_WORKSPACE {elsewhere / 'other'} is not a folder" in one_line_error(code, err)
    finally:
        get_settings.cache_clear()


def test_feedback_export_of_nothing_is_a_valid_empty_dataset(cli_env: Path, tmp_path: Path) -> None:
    out = tmp_path / "candidates.yaml"
    code, _, err = run("feedback", "export", "--out", str(out))
    assert code == 0 and "wrote 0 candidates" in err
    assert load_dataset(out).questions == [] and yaml.safe_load(out.read_text())["name"] == "feedback-candidates"


def _quiet_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRODOPS_", "HF_", "TRANSFORMERS_"))}
    return {**env, "PRODOPS_DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO), "COLUMNS": "80"}


def test_json_output_is_json_and_nothing_else_in_a_real_process(ingested: Path, cli_env: Path) -> None:
    """A real `prodops` process (model load included): stdout parses whole, and no third-party progress bar or
    warning reaches stderr."""
    for args in (["ask", "How did weekly active teams change?", "--json"], ["sources", "--json"],
                 ["search", "audit logs", "--json"]):
        done = subprocess.run([sys.executable, "-m", "assistant.cli", *args], capture_output=True, text=True,
                              env=_quiet_env(cli_env), timeout=300, cwd=REPO)
        assert done.returncode == 0, done.stderr
        json.loads(done.stdout)
        assert done.stdout.endswith("\n") and done.stdout.count("\n") == 1
        assert done.stderr == "", done.stderr
