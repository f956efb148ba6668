"""Theme synthesis at podcast scale (a subset of ../shared/corpus/lennys-podcast): the quote and citation
invariants hold on long, real transcripts. The corpus is read from ../shared, never copied here."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.runtime import Runtime
from assistant.themes.report import synthesize_themes
from ingest.pipeline import ingest_paths
from tests.conftest import SHARED

EPISODES = SHARED / "corpus" / "lennys-podcast" / "episodes"
pytestmark = pytest.mark.corpus


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_podcast_themes_keep_their_invariants(tmp_path: Path, make_runtime: Callable[..., Runtime]) -> None:
    if not EPISODES.is_dir():
        pytest.skip(f"{EPISODES} is absent: the public corpora live in ../shared beside the repo")
    workspace = tmp_path / "interviews"
    for folder in sorted(EPISODES.iterdir())[:4]:
        target = workspace / folder.name
        target.mkdir(parents=True)
        shutil.copy(folder / "transcript.md", target / "transcript.md")  # a temp copy outside the repo
    runtime = make_runtime()
    report = ingest_paths(runtime, [workspace], show_progress=False)
    assert report.added == 4 and not report.failed
    start = time.perf_counter()
    themes = synthesize_themes(runtime, min_customers=2)
    elapsed = time.perf_counter() - start
    print(f"\ntheme synthesis over {themes.turns} guest turns from {themes.interviews} episodes: {elapsed:.2f} s")
    assert themes.interviews == 4 and themes.turns > 150 and themes.themes
    assert synthesize_themes(runtime, min_customers=2).model_dump() == themes.model_dump()  # deterministic
    raw = {
        p.relative_to(workspace).as_posix(): normalise(p.read_text(encoding="utf-8")) for p in workspace.rglob("*.md")
    }
    for theme in themes.themes:
        assert theme.customers >= 2 and 1 <= len(theme.quotes) <= 5
        for quote in [*theme.quotes, *theme.contradicting]:
            chunk = runtime.store.get_chunks([quote.chunk_id])[0]
            assert chunk.meta.source == quote.source and chunk.meta.speaker_is_participant
            assert quote.text in chunk.text and normalise(quote.text) in raw[quote.source]
