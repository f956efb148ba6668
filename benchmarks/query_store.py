"""The synthetic store of benchmarks/query.py, its raw baselines, interleaved timing and sizing figures.

Kept apart from the script so the script reads as "what is measured": here is how a store of N chunks is made
(and grown, so a run at 100k and 300k builds 300k chunks once, not 400k), how the same queries are put to
Chroma's own collection and to the FTS5 file on a connection of its own (the baselines prodops' paths are
judged against), and how memory and disk are read.
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.runtime import Runtime
from assistant.schemas import Chunk, ChunkMeta, Kind, SearchFilters
from assistant.store.filters import sql_where
from assistant.store.lexical import fts_query

VOCAB = ("onboarding activation signup dispatch technician schedule board latency uptime incident sso scim saml "
         "audit log export report csv pricing seat invoice enterprise renewal churn retention expansion mobile app "
         "route job customer portal integration quickbooks salesforce api webhook permission role admin team "
         "objective initiative roadmap metric dashboard alert notification template checklist").split()
TEAMS = ["growth", "platform", "enterprise"]
QUERIES = ["why do enterprise deals stall", "scim provisioning pain", "csv export times out", "activation rate",
           "per seat pricing for seasonal technicians", "schedule board latency", "audit log requirements",
           "which objective does onboarding serve"]
BATCH = 2000


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def vocabulary(size: int = 20_000) -> tuple[list[str], np.ndarray]:
    """Product words plus synthetic ones, with Zipf-like frequencies, so term statistics look like real text
    (a tiny uniform vocabulary would make every query term match every chunk)."""
    rng = random.Random(11)
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = list(VOCAB) + ["".join(rng.choice(letters) for _ in range(rng.randint(4, 10))) for _ in range(size)]
    weights = 1.0 / np.arange(1, len(words) + 1) ** 1.05
    return words, weights / weights.sum()


@dataclass
class SyntheticStore:
    """Grows one runtime's store (Chroma and the FTS5 index) to a given number of synthetic chunks.

    Chunk ``i`` has kind ``i % 4``, team ``i % 3`` and is readable by everyone unless ``i % 5 == 0`` (then by its
    team only), so the benchmark's kind + team filter passes 1 in 12 chunks. Vectors are random unit vectors:
    the worst case for HNSW (no clusters), the same cost for every query."""

    runtime: Runtime
    dim: int
    size: int = 0
    chroma_seconds: float = 0.0  # time spent in ChunkStore.upsert, cumulative
    fts_seconds: float = 0.0  # time spent in LexicalIndex.replace_source, cumulative
    _rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(7))
    _words: list[str] = field(default_factory=list)
    _weights: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def grow(self, n: int) -> None:
        """Add chunks ``size .. n-1`` in batches of :data:`BATCH` (each batch a whole number of 20-chunk docs)."""
        if not self._words:
            words, self._weights = vocabulary()
            order = self._rng.permutation(len(words))  # product words land at random frequency ranks
            self._words = [words[i] for i in order]
        for start in range(self.size, n, BATCH):
            stop = min(n, start + BATCH)
            drawn = self._rng.choice(len(self._words), size=(stop - start, 60), p=self._weights)  # one draw a batch
            chunks = [self._chunk(i, drawn[i - start]) for i in range(start, stop)]
            vectors = self._rng.normal(size=(len(chunks), self.dim)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            began = time.perf_counter()
            self.runtime.store.upsert(chunks, vectors.tolist())
            self.chroma_seconds += time.perf_counter() - began
            began = time.perf_counter()
            # One replace per batch (one transaction) rather than per 20-chunk document: the store is written
            # once, so there are no old rows to swap. Each chunk's own ``source`` still names its document.
            self.runtime.lexical.replace_source(f"synthetic/batch{start // BATCH}", "s", chunks)
            self.fts_seconds += time.perf_counter() - began
            self.size = stop
            print(f"  stored {stop}/{n}", end="\r", flush=True)
        print()

    def _chunk(self, i: int, drawn: np.ndarray) -> Chunk:
        team = TEAMS[i % 3]
        meta = ChunkMeta(source=f"synthetic/doc{i // 20}.md", kind=list(Kind)[i % 4], title=f"Doc {i // 20}",
                         position=i % 20, source_hash="s", team=team, date=f"2026-{1 + i % 12:02d}-15",
                         visibility=["everyone"] if i % 5 else [team])
        return Chunk(id=f"synthetic-{i}", text=" ".join(self._words[w] for w in drawn), meta=meta)


def raw_collection(runtime: Runtime) -> Any:
    """Chroma's own chunk collection object behind prodops' store (the same client, no gate, no conversion):
    the baseline is what an application calling Chroma directly would pay. Reaches into ``ChunkStore._run``
    because the store deliberately exposes no collection; valid until the embedded client is reopened."""
    return runtime.store._run(lambda chunks, _manifest, _client: chunks)


class RawFts:
    """The FTS5 file on a connection of its own: the same MATCH and BM25 weights as ``LexicalIndex.search``,
    without its lock, query building or result conversion."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(str(path), check_same_thread=False)

    def search(self, query: str, k: int, filters: SearchFilters | None = None,
               scope: list[str] | None = None) -> list[tuple[str, float]]:
        clauses, params = sql_where(filters or SearchFilters(), scope)
        sql = ("SELECT chunk_id, bm25(chunks_fts, 1.0, 0.4) AS s FROM chunks_fts WHERE chunks_fts MATCH ?"
               + "".join(f" AND {c}" for c in clauses) + " ORDER BY s LIMIT ?")
        return self._db.execute(sql, [fts_query(query), *params, k]).fetchall()

    def close(self) -> None:
        self._db.close()


Timed = dict[str, tuple[Callable[[str], object], int]]  # name -> (one query, run every n-th round)


def time_interleaved(paths: Timed, rounds: int) -> dict[str, list[float]]:
    """Milliseconds per query for each path, the paths taking turns within every round (in an order rotated
    each round), so a burst of load from other work on the machine hits every path alike and the ratios between
    paths stay meaningful even when absolute times move. A path with ``every > 1`` (a very slow baseline) runs
    only every n-th round."""
    times: dict[str, list[float]] = {name: [] for name in paths}
    names = list(paths)
    for r in range(rounds):
        query = QUERIES[r % len(QUERIES)]
        for name in names[r % len(names):] + names[: r % len(names)]:
            fn, every = paths[name]
            if r % every:
                continue
            began = time.perf_counter()
            fn(query)
            times[name].append((time.perf_counter() - began) * 1000)
    return times


def memory() -> tuple[int, int]:
    """(current RSS, peak RSS) of this process in bytes, from /proc (Linux)."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) * 1024, int(fields["VmHWM"].split()[0]) * 1024


def disk_bytes(path: Path) -> int:
    """Bytes of the files under ``path`` (or of the file itself), as allocated on disk (sparse files count
    what they use)."""
    if path.is_file():
        return path.stat().st_blocks * 512
    return sum(p.stat().st_blocks * 512 for p in path.rglob("*") if p.is_file())


def wal_bytes(path: Path) -> int:
    """Bytes of a SQLite file's write-ahead log, which grows during a build and is folded in at checkpoints."""
    wal = Path(f"{path}-wal")
    return wal.stat().st_blocks * 512 if wal.exists() else 0


MIB = 1024 * 1024
GIB = 1024 * MIB


def cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
