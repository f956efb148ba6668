"""Narrowing a document's visibility in place: the team that lost access can no longer reach its chunks
through any store query, including Chroma's own metadata filter (Chroma merges metadata on update)."""

from __future__ import annotations

from pathlib import Path

from assistant.config import Settings
from assistant.runtime import Runtime
from assistant.schemas import SearchFilters
from assistant.store.filters import chroma_where
from ingest.pipeline import ingest_paths

MEMO = """---
kind: note
team: growth
title: Pricing memo
date: 2026-10-02
visibility: {visibility}
---
# Pricing memo

Seasonal crews share logins because a full monthly seat costs too much for a two-week job.
"""


def test_a_team_removed_from_visibility_loses_the_chunks_everywhere(tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    memo = tmp_path / "ws" / "notes" / "pricing.md"
    memo.parent.mkdir(parents=True)
    memo.write_text(MEMO.format(visibility="[growth, platform]"))
    runtime = Runtime(Settings(data_dir=tmp_path / "data"), embedder_factory=lambda: embedder)
    assert not ingest_paths(runtime, [tmp_path / "ws"], show_progress=False).failed
    vector = embedder.embed_query("seat price for seasonal crews")
    for_platform = chroma_where(SearchFilters(), ["platform"])
    assert runtime.store.query(vector, 5, where=for_platform)  # readable before

    memo.write_text(MEMO.format(visibility="[growth]"))  # same text: the chunks' metadata is updated in place
    report = ingest_paths(runtime, [tmp_path / "ws"], show_progress=False)
    assert not report.failed and report.embedded == 0
    assert runtime.store.query(vector, 5, where=for_platform) == []
    assert runtime.store.query(vector, 5, where=chroma_where(SearchFilters(), ["growth"]))
    runtime.close()
