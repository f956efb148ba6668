"""Ingestion throughput against raw model throughput, and unchanged re-ingest cost, on the same texts.

Embedding is the bottleneck by design, so end-to-end ingestion should run at nearly the speed of
`model.encode` alone (goal: ratio >= 0.9), and re-ingesting an unchanged workspace should cost almost nothing
(goal: <= 0.02 of the first run). Both baselines are measured in this same run, so the ratios hold on any
machine.

    python benchmarks/ingestion.py [WORKSPACE]   (default: ../shared/corpus/sourcegraph-handbook, else the sample)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from assistant.config import Settings
from assistant.embeddings.minilm import get_embedder
from assistant.runtime import Runtime
from ingest.chunking import embedding_text
from ingest.pipeline import ingest_paths

REPO = Path(__file__).resolve().parents[1]


def pick_workspace() -> Path:
    if len(sys.argv) > 1:
        return Path(sys.argv[1])
    shared = REPO.parent / "shared" / "corpus" / "sourcegraph-handbook"
    return shared if shared.exists() else REPO / "examples" / "workspace"


def main() -> None:
    workspace = pick_workspace()
    embedder = get_embedder(64, "cpu")
    embedder.embed_documents(["warm up the model"] * 64)
    with tempfile.TemporaryDirectory() as tmp:
        # Raw encode is timed before and after the ingest and averaged, so load from anything else running on
        # the machine weighs on both sides of the ratio alike.
        probe = Runtime(Settings(data_dir=Path(tmp) / "probe"), embedder_factory=lambda: embedder)
        ingest_paths(probe, [workspace], show_progress=False)
        texts = [embedding_text(c) for c in probe.store.iter_chunks()]
        probe.close()
        start = time.perf_counter()
        embedder.embed_documents(texts)
        raw_before = time.perf_counter() - start

        runtime = Runtime(Settings(data_dir=Path(tmp) / "data"), embedder_factory=lambda: embedder)
        start = time.perf_counter()
        first = ingest_paths(runtime, [workspace], show_progress=False)
        first_seconds = time.perf_counter() - start

        start = time.perf_counter()
        embedder.embed_documents(texts)
        raw_seconds = (raw_before + time.perf_counter() - start) / 2

        start = time.perf_counter()
        again = ingest_paths(runtime, [workspace], show_progress=False)
        unchanged_seconds = time.perf_counter() - start
        runtime.close()

    pipeline_rate = first.embedded / first_seconds
    raw_rate = len(texts) / raw_seconds
    print(f"workspace: {workspace}")
    print(f"files: {first.added} ingested, {len(first.failed)} failed; chunks: {first.chunks}")
    print(f"raw model.encode:        {raw_rate:8.1f} chunks/s ({raw_seconds:.2f} s)")
    print(f"end-to-end ingestion:    {pipeline_rate:8.1f} chunks/s ({first_seconds:.2f} s)")
    print(f"ingestion / raw encode:  {pipeline_rate / raw_rate:8.3f}   (goal >= 0.9)")
    print(f"unchanged re-ingest:     {unchanged_seconds:8.3f} s, {again.unchanged} files unchanged")
    print(f"re-ingest / first run:   {unchanged_seconds / first_seconds:8.3f}   (goal <= 0.02)")


if __name__ == "__main__":
    main()
