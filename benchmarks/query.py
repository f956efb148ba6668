"""Query latency and sizing: retrieval at 100k (and 300k) chunks beside raw Chroma/FTS5, and /v1/chat under load.

1. Retrieval, for each ``--chunks`` size (ascending; one store grown from size to size): synthetic chunks
   (random unit vectors, texts drawn from a product vocabulary, realistic metadata) in a real embedded Chroma
   store and FTS5 index. With the query vectors computed beforehand, prodops' dense, lexical and hybrid paths,
   each alone and with kind + team filters and an access scope, run beside the raw baselines of the same run
   (Chroma's own ``collection.query``, unfiltered and with the equivalent ``where``; an FTS5 MATCH on its own
   connection), taking turns within every round so load from other work hits them alike. Prints p50/p95 and
   p95 ratios, and the issue-#18 ratio: prodops' filtered hybrid p95 / Chroma's unfiltered query p95 (goal <= 3).
2. Sizing at each size: build rate (chunks/s written to Chroma and FTS5), the RSS a fresh serving process needs
   for the store (benchmarks/sizing.py) -> chunks per GiB of RAM, the files on disk, and single-thread
   queries/s (1000 / p50 ms, one query at a time: what one core sustains).
3. Chat: the sample workspace is ingested, the API is served by uvicorn on loopback, and 16 client threads ask
   questions for a bounded time. Prints throughput, p50/p95 (goal p95 <= 200 ms) and errors (goal 0).

    python benchmarks/query.py [--chunks 100000 [300000 ...]] [--rounds 200] [--where-every 5]
                               [--seconds 20] [--skip-chat]
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from query_store import (
    GIB,
    MIB,
    QUERIES,
    RawFts,
    SyntheticStore,
    Timed,
    cpu_count,
    disk_bytes,
    memory,
    percentile,
    raw_collection,
    time_interleaved,
    wal_bytes,
)

from assistant.api.app import create_app
from assistant.api.serving import serve_in_thread
from assistant.config import Settings
from assistant.embeddings.base import Embedder
from assistant.embeddings.minilm import get_embedder
from assistant.retrieval.dense import FALLBACK_NOTE, FilteredDense
from assistant.retrieval.hybrid import HybridRetriever
from assistant.runtime import Runtime
from assistant.schemas import Kind, SearchFilters
from assistant.store.filters import chroma_where
from ingest.pipeline import ingest_paths

REPO = Path(__file__).resolve().parents[1]
CANDIDATES = 40  # the hybrid retriever's candidate pool: what its dense and lexical queries ask for
FILTERS = SearchFilters(kinds=[Kind.INTERVIEW], teams=["growth"])  # passes 1 chunk in 12
SCOPE = ["growth"]
# (label, prodops path, raw baseline label, raw path): one table row each.
ROWS = (
    ("dense k=40", "dense", "chroma query", "chroma"),
    ("dense + filters + scope", "dense_f", "chroma query + where", "chroma_where"),
    ("lexical k=40", "lexical", "fts5 MATCH", "fts"),
    ("lexical + filters + scope", "lexical_f", "fts5 MATCH + filter SQL", "fts_f"),
    ("hybrid k=8", "hybrid", "chroma query + fts5", "raw_hybrid"),
    ("hybrid + filters + scope", "hybrid_f", "chroma where + fts5 filt.", "raw_hybrid_f"),
)


class _Count(logging.Handler):
    """Counts filtered dense queries that fell back to Chroma's ``where`` query (logged at DEBUG)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += FALLBACK_NOTE in record.getMessage()


@dataclass
class Build:
    added: int
    seconds: float
    chroma_seconds: float
    fts_seconds: float


def query_paths(runtime: Runtime, embedder: Embedder, vectors: dict[str, list[float]], where_every: int) -> Timed:
    """Every timed path, prodops' and raw, by name. Chroma's ``where`` query is the slow one (it filters the
    whole collection): its two paths run every ``where_every``-th round only."""
    retriever = HybridRetriever(runtime, candidates=CANDIDATES)
    # The same few queries run round after round: with chunks remembered between searches, every round after the
    # first would read nothing from Chroma. Measured here is a question on passages no one asked about yet.
    runtime.store.chunk_cache.size = 0
    collection = raw_collection(runtime)
    fts = RawFts(runtime.settings.lexical_path)
    where = chroma_where(FILTERS, SCOPE)
    include = ["documents", "metadatas", "distances"]  # what ChunkStore.query reads too

    def chroma(q: str, where: dict[str, Any] | None = None) -> Any:
        return collection.query(query_embeddings=[vectors[q]], n_results=CANDIDATES, where=where, include=include)

    def dense_filtered(q: str) -> object:
        return FilteredDense(runtime.store, runtime.lexical, vectors[q]).top(CANDIDATES, FILTERS, SCOPE)

    return {
        "embed": (embedder.embed_query, 1),
        "dense": (lambda q: runtime.store.query(vectors[q], CANDIDATES), 1),
        "dense_f": (dense_filtered, 1),
        "lexical": (lambda q: runtime.lexical.search(q, CANDIDATES), 1),
        "lexical_f": (lambda q: runtime.lexical.search(q, CANDIDATES, FILTERS, SCOPE), 1),
        "hybrid": (lambda q: retriever.search(q, k=8, vector=vectors[q]), 1),
        "hybrid_f": (lambda q: retriever.search(q, k=8, filters=FILTERS, scope=SCOPE, vector=vectors[q]), 1),
        "chroma": (chroma, 1),
        "chroma_where": (lambda q: chroma(q, where), where_every),
        "fts": (lambda q: fts.search(q, CANDIDATES), 1),
        "fts_f": (lambda q: fts.search(q, CANDIDATES, FILTERS, SCOPE), 1),
        "raw_hybrid": (lambda q: (chroma(q), fts.search(q, CANDIDATES)), 1),
        "raw_hybrid_f": (lambda q: (chroma(q, where), fts.search(q, CANDIDATES, FILTERS, SCOPE)), where_every),
    }


def serving_memory(data_dir: Path, vectors: dict[str, list[float]]) -> dict[str, int]:
    """RSS figures of a fresh process serving this store (benchmarks/sizing.py), in bytes."""
    npy = data_dir / "query-vectors.npy"
    np.save(npy, np.asarray([vectors[q] for q in QUERIES], dtype=np.float32))
    here = Path(__file__).resolve().parent
    done = subprocess.run([sys.executable, str(here / "sizing.py"), str(data_dir), str(npy)], cwd=REPO,
                          capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def retrieval_benchmark(sizes: list[int], rounds: int, where_every: int) -> None:
    embedder = get_embedder(64, "cpu")
    vectors = {q: embedder.embed_query(q) for q in QUERIES}
    fallbacks = _Count()
    retrieval_log = logging.getLogger("prodops.retrieval")
    retrieval_log.setLevel(logging.DEBUG)
    retrieval_log.addHandler(fallbacks)
    with tempfile.TemporaryDirectory() as tmp:
        runtime = Runtime(Settings(data_dir=Path(tmp)), embedder_factory=lambda: embedder)
        start_rss = memory()[0]
        synthetic = SyntheticStore(runtime, embedder.dimension)
        previous: tuple[int, int] | None = None  # (chunks, store RSS) at the previous size
        for n in sorted(set(sizes)):
            print(f"growing the store from {synthetic.size} to {n} synthetic chunks ...")
            before = (synthetic.size, synthetic.chroma_seconds, synthetic.fts_seconds, time.perf_counter())
            synthetic.grow(n)
            build = Build(n - before[0], time.perf_counter() - before[3],
                          synthetic.chroma_seconds - before[1], synthetic.fts_seconds - before[2])
            paths = query_paths(runtime, embedder, vectors, where_every)
            for fn, _ in paths.values():  # warm up: first touches of the index and caches are not the steady state
                fn(QUERIES[0])
            fallbacks.count = 0
            times = time_interleaved(paths, rounds)
            rss, peak = memory()
            runtime.store.close()  # the probe opens the store in its own process
            serving = serving_memory(Path(tmp), vectors)
            print_table(n, rounds, where_every, times, fallbacks.count)
            print_sizing(n, build, times, serving, (start_rss, rss, peak), runtime.settings, previous)
            previous = (n, serving["after"] - serving["before"])
        runtime.close()
    retrieval_log.removeHandler(fallbacks)


def print_table(n: int, rounds: int, where_every: int, times: dict[str, list[float]], fallbacks: int) -> None:
    def p(name: str, q: float) -> float:
        return percentile(times[name], q)

    print(f"\nretrieval over {n:,} chunks: {rounds} rounds, query vectors given (embedding excluded), paths taking "
          f"turns; Chroma where paths every {where_every}th round ({len(times['chroma_where'])} queries)")
    print(f"  {'prodops':26s} {'p50':>7s} {'p95':>7s} | {'raw baseline (same run)':26s} {'p50':>7s} {'p95':>7s}"
          " | p95 ratio")
    for label, ours, raw_label, raw in ROWS:
        print(f"  {label:26s} {p(ours, 50):7.1f} {p(ours, 95):7.1f} | {raw_label:26s} {p(raw, 50):7.1f} "
              f"{p(raw, 95):7.1f} | {p(ours, 95) / p(raw, 95):6.2f}")
    print(f"  query embedding (MiniLM)   {p('embed', 50):7.1f} {p('embed', 95):7.1f}   (add it for end-to-end time)")
    filtered = len(times["dense_f"]) + len(times["hybrid_f"])
    print(f"  ratio: prodops hybrid + filters + scope p95 / raw Chroma unfiltered query p95 = "
          f"{p('hybrid_f', 95) / p('chroma', 95):.2f}   (goal <= 3)")
    print(f"         prodops dense + filters + scope p95 / raw Chroma unfiltered query p95 = "
          f"{p('dense_f', 95) / p('chroma', 95):.2f};  Chroma's own where query: "
          f"{p('chroma_where', 95) / p('chroma', 95):.1f}")
    print(f"  fallbacks to Chroma's where query: {fallbacks} (in {filtered} filtered searches and their intent boosts)")


def print_sizing(n: int, build: Build, times: dict[str, list[float]], serving: dict[str, int],
                 process: tuple[int, int, int], settings: Settings, previous: tuple[int, int] | None) -> None:
    start_rss, rss, peak = process
    store_rss = serving["after"] - serving["before"]
    chroma_disk = disk_bytes(settings.chroma_path)
    fts_disk = disk_bytes(settings.lexical_path) + wal_bytes(settings.lexical_path)
    p50 = {name: percentile(values, 50) for name, values in times.items()}
    print(f"sizing at {n:,} chunks ({cpu_count()} cores, shared with other work)")
    print(f"  build: {build.added:,} chunks added in {build.seconds:.0f} s = {build.added / build.seconds:,.0f} "
          f"chunks/s (Chroma upsert {build.chroma_seconds:.0f} s, FTS5 {build.fts_seconds:.0f} s, "
          "synthetic text the rest)")
    print(f"  serving process (fresh; store opened, {3 * 2 * len(QUERIES)} searches): RSS "
          f"{serving['after'] / MIB:,.0f} MiB, {store_rss / MIB:,.0f} MiB of it for the store "
          f"(peak {serving['peak'] / MIB:,.0f} MiB) -> {n / (store_rss / GIB):,.0f} chunks per GiB of RAM")
    if previous is not None and store_rss > previous[1]:  # the fixed cost of an open Chroma client cancels out
        print(f"  marginal, {previous[0]:,} -> {n:,} chunks: {(store_rss - previous[1]) / (n - previous[0]):,.0f} "
              f"bytes of RSS per chunk = {(n - previous[0]) / ((store_rss - previous[1]) / GIB):,.0f} chunks per GiB")
    print(f"  this process (model + build + queries): RSS {rss / MIB:,.0f} MiB, {(rss - start_rss) / MIB:,.0f} MiB "
          f"above its start; peak {peak / MIB:,.0f} MiB")
    print(f"  disk: Chroma {chroma_disk / MIB:,.0f} MiB + FTS5 {fts_disk / MIB:,.0f} MiB = "
          f"{(chroma_disk + fts_disk) / n / 1024:.1f} KiB per chunk")
    print("  queries/s per core (one query at a time on one thread = 1000 / p50 ms): "
          f"dense {1000 / p50['dense']:,.0f}, hybrid {1000 / p50['hybrid']:,.0f}, "
          f"hybrid + filters + scope {1000 / p50['hybrid_f']:,.0f}; hybrid with its query embedding "
          f"{1000 / (p50['hybrid'] + p50['embed']):,.0f}")


def chat_benchmark(seconds: float, clients: int) -> None:
    embedder = get_embedder(64, "cpu")
    with tempfile.TemporaryDirectory() as tmp:
        runtime = Runtime(Settings(data_dir=Path(tmp)), embedder_factory=lambda: embedder)
        ingest_paths(runtime, [REPO / "examples" / "workspace"], show_progress=False)
        with serve_in_thread(create_app(runtime=runtime)) as url:
            latencies, errors = _load_chat(url, seconds, clients)
        runtime.close()
    _print_chat(latencies, errors, seconds, clients)


def _load_chat(url: str, seconds: float, clients: int) -> tuple[list[float], int]:
    """``clients`` threads asking chat questions until ``seconds`` pass; (latencies in ms, errors)."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(index: int) -> None:
        nonlocal errors
        with httpx.Client(base_url=url, timeout=30) as http:
            i = index
            while time.monotonic() < deadline:
                body = {"messages": [{"role": "user", "content": QUERIES[i % len(QUERIES)]}]}
                start = time.perf_counter()
                try:
                    ok = http.post("/v1/chat", json=body).status_code == 200
                except httpx.HTTPError:
                    ok = False
                with lock:
                    latencies.append((time.perf_counter() - start) * 1000)
                    errors += 0 if ok else 1
                i += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors


def _print_chat(latencies: list[float], errors: int, seconds: float, clients: int) -> None:
    print(f"/v1/chat, extractive, {clients} concurrent clients for {seconds:.0f} s")
    print(f"  requests {len(latencies)}  throughput {len(latencies) / seconds:.1f}/s  errors {errors}")
    print(f"  p50 {statistics.median(latencies):.1f} ms   p95 {percentile(latencies, 95):.1f} ms   "
          "(goal p95 <= 200 ms, 0 errors)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, nargs="+", default=[100_000],
                        help="store sizes, measured in ascending order on one growing store")
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--where-every", type=int, default=5,
                        help="run the Chroma where baselines every n-th round (they filter the whole collection)")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--skip-chat", action="store_true")
    args = parser.parse_args()
    retrieval_benchmark(args.chunks, args.rounds, args.where_every)
    if not args.skip_chat:
        chat_benchmark(args.seconds, args.clients)


if __name__ == "__main__":
    main()
