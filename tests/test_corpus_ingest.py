"""Ingest the real public corpora in ../shared through the whole pipeline: kinds, metadata, chunk counts.

Their text is read from ../shared at test time and never copied into this repository.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.runtime import Runtime
from assistant.schemas import Kind
from ingest.pipeline import ingest_paths
from ingest.sources import discover
from tests.conftest import SHARED
from tests.fakes import HashEmbedder

CORPUS = SHARED / "corpus"
pytestmark = pytest.mark.corpus


def require(name: str) -> None:
    if not (CORPUS / name).is_dir():
        pytest.skip(f"{CORPUS / name} is absent: the public corpora live in ../shared beside the repo")


def test_sourcegraph_handbook(make_runtime: Callable[..., Runtime]) -> None:
    require("sourcegraph-handbook")
    runtime = make_runtime()
    report = ingest_paths(runtime, [CORPUS / "sourcegraph-handbook"], show_progress=False)
    records = {r.path: r for r in runtime.store.sources()}
    markdown = [p for p in records if p.endswith(".md")]
    assert len(markdown) >= 60, "every handbook page is ingested"
    assert {f.path for f in report.failed} <= {"LICENSE"}, report.failed  # only the licence text has no format
    kinds = Counter(r.kind for r in records.values())
    assert kinds[Kind.STRATEGY] >= 30  # the strategy-goals tree
    assert all(r.title for r in records.values())
    goals = records["content/strategy-goals/goals/2022_q3.md"]
    assert goals.kind == Kind.STRATEGY and goals.chunks >= 2
    assert report.chunks == runtime.store.count() == runtime.lexical.count()
    assert report.chunks == sum(r.chunks for r in records.values())
    assert 300 <= report.chunks <= 3000
    # Markdown headers are kept as each chunk's section path.
    q3 = list(runtime.store.iter_chunks(where={"source": "content/strategy-goals/goals/2022_q3.md"}))
    assert all(c.meta.section and c.context.startswith(goals.title) for c in q3)
    assert len({c.meta.section for c in q3}) >= 2


def test_buffer_metrics(make_runtime: Callable[..., Runtime]) -> None:
    require("buffer-metrics")
    runtime = make_runtime()
    report = ingest_paths(runtime, [CORPUS / "buffer-metrics"], show_progress=False)
    failed = {f.path: f.error for f in report.failed}
    assert set(failed) <= {"last_query_timestamp.json", "SOURCE.md"} and "last_query_timestamp.json" in failed
    assert "series" in failed["last_query_timestamp.json"]
    records = {r.path: r for r in runtime.store.sources()}
    csvs = [p for p in records if p.endswith(".csv")]
    assert len(csvs) == 17 and all(records[p].kind == Kind.METRICS for p in csvs)
    series = {m for m, _, _ in runtime.metric_rows.metrics()}
    assert {"weekly_active_users", "fts", "signups", "new_customers"} <= series
    wau = runtime.metric_rows.series("weekly_active_users", "company_weekly_active_users.csv")
    assert wau[0][1] == "2025-01-19" and wau[0][3] == 109745.0
    long_table = runtime.metric_rows.series("customers", "chartmogul_mrr_events.csv")
    assert {category for _, _, category, _ in long_table} >= {"new_biz", "churn", "expansion"}
    chunks = list(runtime.store.iter_chunks(where={"source": "company_monthly_fts.csv"}))
    assert chunks and chunks[0].meta.metric == "fts" and "first-time sessions" in chunks[0].text.lower()


INGESTED_SUFFIXES = (".md", ".mdx", ".html", ".csv")


def test_whole_corpus_ingests_without_failures(tmp_path: Path) -> None:
    """Every .md, .mdx, .html and .csv file of ../shared/corpus goes through the real pipeline (parse, chunk,
    store in Chroma and the lexical index) without a failure. This test is about parsing, not retrieval, so it
    embeds with the deterministic hash embedder: the model would need about nine minutes for ~12k chunks."""
    if not CORPUS.is_dir():
        pytest.skip(f"{CORPUS} is absent: the public corpora live in ../shared beside the repo")
    expected = sorted(p.relative_to(CORPUS).as_posix() for p in discover(CORPUS) if p.suffix in INGESTED_SUFFIXES)
    runtime = Runtime(Settings(_env_file=None, data_dir=tmp_path / "data"), embedder_factory=HashEmbedder)
    try:
        report = ingest_paths(runtime, [CORPUS], show_progress=False)
        failed = [f for f in report.failed if f.path.endswith(INGESTED_SUFFIXES)]
        assert failed == [], failed
        stored = {r.path: r for r in runtime.store.sources()}
        assert len(expected) >= 160 and set(expected) <= set(stored)
        assert all(stored[p].chunks > 0 for p in expected)
        # the two files that are not documents: a JSON timestamp (no series) and a licence without a file type
        assert {f.path for f in report.failed} == {
            "buffer-metrics/last_query_timestamp.json",
            "sourcegraph-handbook/LICENSE",
        }
    finally:
        runtime.close()
