"""A table's header never stands in for its rows, even when the chunker splits the header from the body.

The fictional "Quarry Lane" company keeps a projects table whose header row is long enough that the chunker
puts it in a chunk of its own, and a project page that is still an unfilled template.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from assistant.chat import ChatService
from assistant.runtime import Runtime
from ingest.pipeline import ingest_paths

HEADER = ("| Project name (the working title used in planning, in the weekly report and in the quarterly review "
          "deck) | Engaged departments and teams | DRI | Executive sponsor | Status |")
ROWS = [
    "| Falcon billing rebuild | Finance, Engineering | Ana Ortiz | Lee Park | on track |",
    "| Heron support inbox | Support, Product | Raj Mehta | Lee Park | at risk |",
]
TABLE = "\n".join([HEADER, "| --- | --- | --- | --- | --- |", *ROWS]) + "\n"


def _workspace(root: Path) -> Path:
    projects = root / "roadmaps" / "projects.md"
    projects.parent.mkdir(parents=True)
    projects.write_text("---\nkind: strategy\nteam: leadership\n---\n# Cross-team projects\n\n" + TABLE)
    template = root / "notes" / "osprey.md"
    template.parent.mkdir(parents=True)
    template.write_text(
        "---\nkind: note\nteam: leadership\n---\n# Osprey admin console\n\n"
        "_The project lead is expected to keep this page up to date as the work progresses._\n\n"
        "_Each project has a lead and an executive sponsor who are accountable for its success._\n")
    return root


def test_a_chunk_that_starts_at_the_separator_keeps_its_header(
        tmp_path: Path, make_runtime: Callable[..., Runtime]) -> None:
    runtime = make_runtime(chunk_size=200, chunk_overlap=0)
    ingest_paths(runtime, [_workspace(tmp_path / "ws")], show_progress=False)
    chunks = sorted(runtime.store.iter_chunks(where={"source": "roadmaps/projects.md"}), key=lambda c: c.meta.position)
    body = [c for c in chunks if c.text.lstrip().startswith("| ---")]
    assert body, [c.text for c in chunks]  # the header row was split from its table's body
    assert HEADER in body[0].context


def test_who_is_answered_with_the_row_not_the_header(tmp_path: Path, make_runtime: Callable[..., Runtime]) -> None:
    runtime = make_runtime(chunk_size=200, chunk_overlap=0)
    ingest_paths(runtime, [_workspace(tmp_path / "ws")], show_progress=False)
    answer = ChatService(runtime).ask("Who is the DRI of the Falcon billing rebuild?")
    assert not answer.abstained and "Ana Ortiz" in answer.answer
    assert "Engaged departments; DRI" not in answer.answer

