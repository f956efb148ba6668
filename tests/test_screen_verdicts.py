"""Screen verdicts are remembered only while the lexical index is unchanged: a write here or a commit by
another process (an ingestion job) is seen by the very next screen, and the answers equal a fresh screen's."""

from __future__ import annotations

from pathlib import Path

from assistant.schemas import Chunk, ChunkMeta, Kind, SearchFilters
from assistant.store.lexical import LexicalIndex


def _chunks(source: str, team: str, visibility: list[str], n: int = 3) -> list[Chunk]:
    meta = ChunkMeta(source=source, kind=Kind.STRATEGY, title=source, position=0, source_hash=source, team=team,
                     visibility=visibility)
    return [Chunk(id=f"{source}#{i}", text=f"plan {i} for {team}", meta=meta) for i in range(n)]


GROWTH = SearchFilters(teams=["growth"])
IDS = ["a.md#0", "a.md#1", "b.md#0", "gone#0"]


def test_repeated_screens_agree_with_a_fresh_index_and_leave_unknown_ids_out(tmp_path: Path) -> None:
    path = tmp_path / "lexical.sqlite3"
    index = LexicalIndex(path)
    index.replace_source("a.md", "h1", _chunks("a.md", "growth", ["everyone"]))
    index.replace_source("b.md", "h2", _chunks("b.md", "platform", ["platform"]))
    first = index.screen_many(IDS, [SearchFilters(), GROWTH], ["growth"])
    again = index.screen_many(list(reversed(IDS)), [SearchFilters(), GROWTH], ["growth"])
    fresh = LexicalIndex(path).screen_many(IDS, [SearchFilters(), GROWTH], ["growth"])
    assert first == again == fresh == {"a.md#0": 0b11, "a.md#1": 0b11, "b.md#0": 0}
    # one filter set remembered, the other new: asked together, still right
    assert index.screen(IDS, GROWTH, None) == {"a.md#0": True, "a.md#1": True, "b.md#0": False}
    assert index.screen_many(IDS, [GROWTH, SearchFilters(teams=["platform"])], None) == {
        "a.md#0": 0b01, "a.md#1": 0b01, "b.md#0": 0b10}


def test_a_write_here_or_a_commit_elsewhere_changes_the_next_verdict(tmp_path: Path) -> None:
    path = tmp_path / "lexical.sqlite3"
    serving = LexicalIndex(path)
    serving.replace_source("a.md", "h1", _chunks("a.md", "growth", ["everyone"]))
    assert serving.screen(["a.md#0"], SearchFilters(), ["sales"]) == {"a.md#0": True}
    serving.replace_source("a.md", "h2", _chunks("a.md", "growth", ["growth"]))  # narrowed here
    assert serving.screen(["a.md#0"], SearchFilters(), ["sales"]) == {"a.md#0": False}
    ingesting = LexicalIndex(path)  # another connection, as an ingestion process holds
    ingesting.replace_source("a.md", "h3", _chunks("a.md", "growth", ["everyone"]))
    assert serving.screen(["a.md#0"], SearchFilters(), ["sales"]) == {"a.md#0": True}
    ingesting.delete_source("a.md")
    assert serving.screen(["a.md#0", "a.md#1"], SearchFilters(), ["sales"]) == {}
    ingesting.replace_source("a.md", "h4", _chunks("a.md", "growth", ["everyone"], n=1))
    assert serving.screen(["a.md#0", "a.md#1"], SearchFilters(), ["sales"]) == {"a.md#0": True}
