"""The lexical index swaps and deletes a source's rows exactly (by the rowids it recorded, not a table scan),
and an index file from before those rowids were recorded is dropped on open, to be refilled from Chroma."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from assistant.schemas import Chunk, ChunkMeta, Kind, SearchFilters
from assistant.store.lexical import LexicalIndex


def _chunks(source: str, words: list[str]) -> list[Chunk]:
    meta = ChunkMeta(source=source, kind=Kind.STRATEGY, title=source, position=0, source_hash=source)
    return [Chunk(id=f"{source}#{i}", text=f"the {word} plan for next quarter", meta=meta)
            for i, word in enumerate(words)]


def test_replacing_and_deleting_sources_touches_only_their_rows(tmp_path: Path) -> None:
    index = LexicalIndex(tmp_path / "lexical.sqlite3")
    index.replace_source("a.md", "h1", _chunks("a.md", ["pricing", "onboarding"]))
    index.replace_source("b.md", "h2", _chunks("b.md", ["pricing", "mobile"]))
    index.replace_source("a.md", "h3", _chunks("a.md", ["warehouse"]))  # a.md rewritten: one chunk now
    assert {i for i, _ in index.search("pricing", 10)} == {"b.md#0"}
    assert {i for i, _ in index.search("onboarding", 10)} == set()
    assert {i for i, _ in index.search("warehouse", 10)} == {"a.md#0"}
    assert index.count() == 3 and index.passing(SearchFilters(), None, 10)[1] == 3
    index.delete_source("b.md")
    assert {i for i, _ in index.search("pricing OR mobile OR warehouse", 10)} == {"a.md#0"}
    assert index.count() == 1 and index.source_hashes() == {"a.md": "h3"}


def test_an_index_without_recorded_rowids_is_dropped_on_open(tmp_path: Path) -> None:
    path = tmp_path / "lexical.sqlite3"
    index = LexicalIndex(path)
    index.replace_source("a.md", "h1", _chunks("a.md", ["pricing"]))
    index.close()
    with closing(sqlite3.connect(str(path))) as db:  # the layout before fts_rowid: same columns less that one
        db.executescript("""
            CREATE TABLE old_meta AS SELECT chunk_id, source, kind, team, date, company, participant, visibility,
                customer_turn, segment FROM chunk_meta;
            DROP TABLE chunk_meta; ALTER TABLE old_meta RENAME TO chunk_meta;
        """)
    reopened = LexicalIndex(path)
    assert reopened.migrated and reopened.count() == 0 and reopened.source_hashes() == {}
