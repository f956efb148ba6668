"""A document that reads like a plan but yields nothing is reported as unread, through the `prodops` command:
the alignment map and the check-in pack say "Could not read a plan from N documents: ..." and never claim
"Initiatives tied to no objective: none" about a plan they could not read."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from assistant.cli.app import app
from tests.utils import markdown, write

runner = CliRunner()
DRAFT = markdown("# Larkspur Q4 OKRs (draft)\n\nWe agree our objectives and key results at the offsite; each team "
                 "is drafting its own now and will paste them here.\n", kind="strategy", team="leadership",
                 date="2026-10-01")
PLAN = markdown("# Larkspur H2 plan\n\n## O1 — Grow self-serve\n\nKR1.1 — Reach 500 signups a week.\n",
                kind="strategy", team="leadership", date="2026-07-01")
ROADMAP = markdown("# Growth roadmap\n\n### LRK-1 Guided setup\n- Objective: O1\n- Status: on track\n\n"
                   "### LRK-2 Holiday themes\n- Status: at risk\n- Owner: Bo\n", kind="strategy", doc_type="roadmap",
                   team="growth", date="2026-09-01")


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_nothing_readable_is_reported_not_summarised_as_none(tmp_path: Path, cli_env: Path) -> None:
    write(tmp_path / "ws", "strategy/q4-okrs.md", DRAFT)
    run("ingest", str(tmp_path / "ws"), "--json")

    text = run("align")
    assert "Could not read a plan from 1 document: strategy/q4-okrs.md" in text
    assert "Initiatives tied to no objective: none" not in text and "no roadmap initiative was read" in text
    data = json.loads(run("align", "--format", "json"))
    assert data["unread_plans"] == ["strategy/q4-okrs.md"] and data["initiatives_read"] == 0
    assert "Could not read a plan" in run("align", "--format", "html")

    pack_md = run("checkin", "quarterly-strategy-review", "--period", "2026-Q4", "--no-save")
    assert "Could not read a plan from 1 document: strategy/q4-okrs.md" in pack_md
    assert "No objective, key result or initiative was read" in pack_md
    pack_html = run("checkin", "quarterly-strategy-review", "--period", "2026-Q4", "--no-save", "--format", "html")
    assert "Could not read a plan from 1 document: strategy/q4-okrs.md" in pack_html
    pack = json.loads(run("checkin", "quarterly-strategy-review", "--period", "2026-Q4", "--no-save",
                          "--format", "json"))
    assert pack["unread_plans"] == ["strategy/q4-okrs.md"] and pack["plan_read"] is False
    (risk,) = [r for r in pack["risks"] if r["kind"] == "unread_plan"]
    assert [c["source"] for c in risk["citations"]] == ["strategy/q4-okrs.md"]


def test_a_read_plan_next_to_an_unread_one(tmp_path: Path, cli_env: Path) -> None:
    for rel, body in [("strategy/q4-okrs.md", DRAFT), ("strategy/h2.md", PLAN), ("roadmaps/growth.md", ROADMAP)]:
        write(tmp_path / "ws", rel, body)
    run("ingest", str(tmp_path / "ws"), "--json")

    text = run("align")
    assert "Could not read a plan from 1 document: strategy/q4-okrs.md" in text
    assert "## O1 — Grow self-serve" in text
    assert "Initiatives tied to no objective: LRK-2 Holiday themes" in text  # real gaps are still listed
    pack = json.loads(run("checkin", "quarterly-strategy-review", "--period", "2026-Q4", "--no-save",
                          "--format", "json"))
    assert pack["plan_read"] is True and pack["unread_plans"] == ["strategy/q4-okrs.md"]
    assert [o["id"] for o in pack["objectives"]] == ["O1"]


def test_a_plan_outside_plan_folders_is_read(tmp_path: Path, cli_env: Path) -> None:
    """Content, not only the folder, makes a plan: an OKR page filed as a note is read."""
    body = "# Support team OKRs\n\n1. **OBJECTIVE: Answer faster**\n   - KR: Median first reply under 2 hours\n"
    write(tmp_path / "ws", "notes/support-okrs.md", markdown(body, kind="note", team="support"))
    run("ingest", str(tmp_path / "ws"), "--json")
    data = json.loads(run("align", "--format", "json"))
    assert [o["title"] for o in data["objectives"]] == ["Answer faster"] and data["unread_plans"] == []
