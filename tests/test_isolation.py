"""Per-file isolation at ingest: every hostile input (tests/hostile_inputs.py) is reported with a reason and
costs neither the job, nor the good files, nor anything stored; memory stays bounded; nothing is deleted unless
it is really gone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assistant.runtime import Runtime
from ingest.pipeline import ingest_paths
from tests.bad_inputs import GOOD_NOTE
from tests.hostile_inputs import HOSTILE, Hostile
from tests.test_reliability import chunk_ids_by_source
from tests.workspaces import make_workspace

REPO = Path(__file__).resolve().parents[1]
PARSE_BUDGET = 2.0  # seconds; the slow DOCX needs several times that, every other file a few milliseconds
RSS_BOUND_MB = 1200  # the whole CLI ingest (model included) must stay under this with every bomb in the workspace
BOMB_PARSE_RSS_MB = 300  # parsing one bomb (no model loaded) must stay under this


def _make_all(ws: Path, scratch: Path) -> tuple[list[Hostile], list[Hostile]]:
    made, skipped = [], []
    for hostile in HOSTILE:
        (made if hostile.make(ws, scratch) else skipped).append(hostile)
    return made, skipped


def test_every_hostile_input_is_reported_and_nothing_stored_is_lost(
    tmp_path: Path, make_runtime: Callable[..., Runtime]
) -> None:
    ws = make_workspace(tmp_path / "ws")
    runtime = make_runtime(parse_timeout_seconds=PARSE_BUDGET)
    assert ingest_paths(runtime, [ws], show_progress=False).failed == []
    before = chunk_ids_by_source(runtime)
    made, skipped = _make_all(ws, tmp_path / "scratch")
    (ws / "notes" / "fine.md").write_text(GOOD_NOTE, encoding="utf-8")

    started = time.monotonic()
    report = ingest_paths(runtime, [ws], show_progress=False)
    took = time.monotonic() - started

    failed = {f.path: f.error for f in report.failed}
    rows = []
    for hostile in made:
        reason = failed.get(hostile.name, "")
        handled = hostile.reason.lower() in reason.lower()
        rows.append((hostile.category, hostile.name, "handled" if handled else f"FAILED: {reason or 'not reported'}"))
    print("\n" + "\n".join(f"{c:15} {n:32} {r}" for c, n, r in rows))
    print("skipped: " + ", ".join(f"{h.name} (mknod not permitted)" for h in skipped))
    assert all(r == "handled" for _, _, r in rows), rows
    assert set(failed) == {h.name for h in made}, set(failed) ^ {h.name for h in made}
    # The good file is stored, everything stored before is intact, nothing was deleted, and the job was quick.
    after = chunk_ids_by_source(runtime)
    assert {p: after[p] for p in before} == before and "notes/fine.md" in after
    assert (report.added, report.deleted, report.deleted_paths) == (1, 0, [])
    assert "MARROWBONE" not in " ".join(c.text for c in runtime.store.iter_chunks())
    assert took < 120, f"the job took {took:.0f} s"
    # A second run reports the same files again and changes nothing.
    again = ingest_paths(runtime, [ws], show_progress=False)
    assert {f.path for f in again.failed} == set(failed) and again.embedded == 0


@pytest.fixture
def unreadable(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Path], None]]:
    """Make a folder unreadable: really (chmod 000, for a non-root user) or, as root (who ignores permissions),
    by making listing it fail with the same PermissionError the kernel would raise."""
    mode = request.param
    locked: list[Path] = []
    if mode == "chmod" and os.geteuid() == 0:
        pytest.skip("running as root: chmod 000 does not stop root from reading; the 'simulated' case covers it")
    real_scandir = os.scandir

    def scandir(path: object = ".") -> object:
        if any(Path(str(path)) == folder for folder in locked):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)  # type: ignore[arg-type]

    def lock(folder: Path) -> None:
        locked.append(folder)
        if mode == "chmod":
            folder.chmod(0)
        else:
            monkeypatch.setattr(os, "scandir", scandir)

    yield lock
    for folder in locked:
        folder.chmod(0o755)


@pytest.mark.parametrize("unreadable", ["chmod", "simulated"], indirect=True)
def test_only_what_is_really_gone_is_deleted(
    tmp_path: Path, make_runtime: Callable[..., Runtime], unreadable: Callable[[Path], None]
) -> None:
    ws = make_workspace(tmp_path / "ws")
    (ws / "notes" / "team").mkdir(parents=True)
    (ws / "notes" / "team" / "fine.md").write_text(GOOD_NOTE, encoding="utf-8")
    (ws / "notes" / "pipe.md").write_text(GOOD_NOTE.replace("quokka", "numbat"), encoding="utf-8")
    runtime = make_runtime()
    assert ingest_paths(runtime, [ws], show_progress=False).failed == []
    before = chunk_ids_by_source(runtime)

    unreadable(ws / "notes" / "team")  # a folder that exists but cannot be listed
    (ws / "notes" / "pipe.md").unlink()
    os.mkfifo(ws / "notes" / "pipe.md")  # a stored file replaced by something that is not a file
    (ws / "interviews" / "delta.md").unlink()  # really gone
    report = ingest_paths(runtime, [ws], show_progress=False)

    assert (report.deleted, report.deleted_paths) == (1, ["interviews/delta.md"])
    failed = {f.path: f.error for f in report.failed}
    assert "cannot be read" in failed["notes/team"] and "kept" in failed["notes/team"]
    assert "named pipe" in failed["notes/pipe.md"]
    after = chunk_ids_by_source(runtime)
    for kept in ("notes/team/fine.md", "notes/pipe.md", "strategy/plan.md"):
        assert after[kept] == before[kept], kept
    assert "interviews/delta.md" not in after
    assert runtime.lexical.count() == runtime.store.count()


def test_cli_json_lists_deleted_paths(tmp_path: Path, cli_env: Path) -> None:
    from typer.testing import CliRunner

    from assistant.cli.app import app

    ws = make_workspace(tmp_path / "ws")
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(ws), "--json"]).exit_code == 0
    (ws / "metrics" / "wat.csv").unlink()
    result = runner.invoke(app, ["ingest", str(ws), "--json"])
    report = json.loads(result.stdout)
    assert (report["deleted"], report["deleted_paths"]) == (1, ["metrics/wat.csv"])


_PARSE_ONE = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from assistant.config import Settings
    from assistant.errors import SourceError
    from ingest.isolation import parse_file
    root, rel = Path(sys.argv[1]), sys.argv[2]
    settings = Settings(_env_file=None, parse_isolation=False)  # in this process: what the limits alone cost
    try:
        parse_file(root, root / rel, rel, settings)
        outcome = "parsed"
    except SourceError as exc:
        outcome = exc.reason
    # VmHWM, not ru_maxrss: Linux carries the forking parent's peak (pytest with torch) into ru_maxrss at exec.
    status = Path("/proc/self/status").read_text()
    peak = int(next(l for l in status.splitlines() if l.startswith("VmHWM:")).split()[1]) / 1024
    print(json.dumps({"outcome": outcome, "peak_mb": peak}))
""")


def _child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRODOPS_")}
    return env | {"PYTHONPATH": os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])}


def test_bombs_cost_little_memory(tmp_path: Path) -> None:
    """Each zip bomb and deep JSON, parsed in a fresh process without the worker's ceiling: refused from the zip
    directory (or the bracket scan) before anything is inflated, at a small peak RSS."""
    ws = tmp_path / "ws"
    bombs = [h for h in HOSTILE if h.category in ("zip bombs", "deep JSON", "malformed DOCX")]
    rows = []
    for hostile in bombs:
        assert hostile.make(ws, tmp_path / "scratch")
        size = (ws / hostile.name).stat().st_size
        out = subprocess.run([sys.executable, "-c", _PARSE_ONE, str(ws), hostile.name], env=_child_env(),
                             capture_output=True, text=True, timeout=120, check=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append((hostile.name, size, result["peak_mb"], result["outcome"]))
        assert hostile.reason.lower() in result["outcome"].lower(), result
    print("\n" + "\n".join(f"{n:32} {s / 1024:8.0f} KB  peak {p:6.0f} MB  {o[:70]}" for n, s, p, o in rows))
    assert max(p for _, _, p, _ in rows) < BOMB_PARSE_RSS_MB


# Runs its arguments as a child and prints the child tree's peak RSS. A small launcher is needed: Linux carries
# the forking process's RSS high-water mark into a child's ru_maxrss at exec, and pytest holds the model.
_MEASURE = textwrap.dedent("""
    import json, resource, subprocess, sys
    code = subprocess.run(sys.argv[1:]).returncode
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the CLI and the worker it waited for
    print(json.dumps({"exit": code, "peak_mb": peak}), file=sys.stderr)
""")


def test_cli_ingest_of_every_hostile_input_stays_under_the_memory_bound(tmp_path: Path) -> None:
    """The real CLI over a workspace holding every hostile input: exit 0, each reported, peak RSS of the whole
    process tree (CLI with the model loaded, plus its parse worker) under RSS_BOUND_MB, measured by wait4."""
    ws = make_workspace(tmp_path / "ws")
    made, _ = _make_all(ws, tmp_path / "scratch")
    env = _child_env() | {"PRODOPS_DATA_DIR": str(tmp_path / "data"),
                          "PRODOPS_PARSE_TIMEOUT_SECONDS": str(PARSE_BUDGET)}
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        launched = subprocess.run(
            [sys.executable, "-c", _MEASURE, sys.executable, "-m", "assistant.cli", "ingest", str(ws), "--json"],
            env=env, stdout=stdout, stderr=stderr, timeout=400, check=False)
    measured = json.loads(err.read_text().strip().splitlines()[-1])
    code, peak_mb = measured["exit"], measured["peak_mb"]
    print(f"\nCLI ingest with {len(made)} hostile inputs: exit {code}, peak RSS {peak_mb:.0f} MB")
    assert launched.returncode == 0 and code == 0, err.read_text()[-2000:]
    report = json.loads(out.read_text())
    assert {f["path"] for f in report["failed"]} == {h.name for h in made}
    assert report["added"] == 3
    assert peak_mb < RSS_BOUND_MB
