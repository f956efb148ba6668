"""Memory of a serving process over an existing store: what "chunks per GB of RAM" is measured on.

The benchmark process that built the store is a poor witness of serving memory: the build's batches, the
allocator's retained pages and the embedding model all sit in its RSS. So benchmarks/query.py starts this
script in a fresh process, which imports prodops and Chroma (the baseline RSS), then opens the store and
answers each query hybrid and filtered a few times with the query vectors given (no model loaded), and prints
one JSON line: RSS before opening, RSS after the queries, and peak RSS, in bytes. The difference is what the
store costs a process that serves it (embedded Chroma: its HNSW index in memory, SQLite caches; the FTS5
index's page cache). With a Chroma server, the HNSW part lives in the server process instead.

    python benchmarks/sizing.py DATA_DIR VECTORS.npy
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from query_store import QUERIES, memory

from assistant.config import Settings
from assistant.retrieval.hybrid import HybridRetriever
from assistant.runtime import Runtime
from assistant.schemas import Kind, SearchFilters
from assistant.store import chroma  # noqa: F401 - imported before the baseline reading: chromadb's code is not data


def _no_model() -> object:
    raise RuntimeError("the sizing probe passes query vectors; it must not load a model")


def main() -> None:
    data_dir, vectors_file = Path(sys.argv[1]), Path(sys.argv[2])
    vectors = np.load(vectors_file)
    before, _ = memory()
    runtime = Runtime(Settings(data_dir=data_dir), embedder_factory=_no_model)  # type: ignore[arg-type]
    retriever = HybridRetriever(runtime)
    filters = SearchFilters(kinds=[Kind.INTERVIEW], teams=["growth"])
    for _ in range(3):
        for query, vector in zip(QUERIES, vectors, strict=True):
            retriever.search(query, k=8, vector=vector.tolist())
            retriever.search(query, k=8, filters=filters, scope=["growth"], vector=vector.tolist())
    after, peak = memory()
    chunks = runtime.store.count()
    runtime.close()
    print(json.dumps({"before": before, "after": after, "peak": peak, "chunks": chunks}))


if __name__ == "__main__":
    main()
