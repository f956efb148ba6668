"""The real-data gate for plan extraction: the dev set's five OKR files, ingested under their corpus paths, must
all be exact (objective counts equal, key results within 10%, every objective/key-result pair linked)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from assistant.config import Settings
from assistant.embeddings.minilm import SentenceTransformerEmbedder
from assistant.runtime import Runtime
from evals.alignment_files import render_table, score_alignment_files
from tests.utils import CORPUS, SHARED

DEV_SET = SHARED / "evals" / "realdata-dev.yaml"


def _items() -> list[dict[str, Any]]:
    if not DEV_SET.is_file() or not CORPUS.is_dir():
        pytest.skip("../shared (dev set and corpus) is absent")
    return list(yaml.safe_load(DEV_SET.read_text(encoding="utf-8"))["alignment"])


@pytest.mark.corpus
def test_dev_set_alignment_files_are_exact(tmp_path: Path, embedder: SentenceTransformerEmbedder) -> None:
    from ingest.pipeline import ingest_paths

    items = _items()
    for item in items:
        target = tmp_path / "ws" / item["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(CORPUS / item["path"], target)
    runtime = Runtime(Settings(data_dir=tmp_path / "data"), embedder_factory=lambda: embedder)
    try:
        assert not ingest_paths(runtime, [tmp_path / "ws"], show_progress=False).failed
        report = score_alignment_files(runtime, items)
    finally:
        runtime.close()
    assert (report.exact, report.total) == (5, 5), render_table(report)
    for result in report.files:
        assert result.pairs and all(p.linked for p in result.pairs)


@pytest.mark.corpus
def test_a_file_that_is_not_ingested_is_not_exact(tmp_path: Path, embedder: SentenceTransformerEmbedder) -> None:
    item = _items()[0]
    runtime = Runtime(Settings(data_dir=tmp_path / "data"), embedder_factory=lambda: embedder)
    try:
        report = score_alignment_files(runtime, [item, {"path": "x.md", "objectives": "many"}])
    finally:
        runtime.close()
    missing, invalid = report.files
    assert (report.exact, report.total) == (0, 2)
    assert "not ingested" in missing.problems[0] and "invalid dev-set item" in invalid.problems[0]
