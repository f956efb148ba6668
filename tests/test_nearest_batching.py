"""Concurrent dense queries share one Chroma call (``ChunkStore.nearest_ids``), and each still gets exactly the
ids and similarities it gets alone, whatever else shared its call (other widths, other vectors)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np

from assistant.runtime import Runtime
from assistant.schemas import Chunk, ChunkMeta, Kind


def _store(make_runtime: Callable[..., Runtime]) -> tuple[Runtime, np.ndarray]:
    runtime = make_runtime()
    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((60, 16))
    meta = ChunkMeta(source="plan.md", kind=Kind.STRATEGY, title="Plan", position=0, source_hash="p")
    chunks = [Chunk(id=f"plan-{i:02d}", text=f"plan text {i}", meta=meta.model_copy(update={"position": i}))
              for i in range(len(vectors))]
    with runtime.store.writing():
        runtime.store.upsert(chunks, vectors.tolist())
    return runtime, rng.standard_normal((12, 16))


def test_queries_queued_together_share_a_call_and_get_what_they_get_alone(
    make_runtime: Callable[..., Runtime],
) -> None:
    runtime, queries = _store(make_runtime)
    store = runtime.store
    widths = [5 if n % 3 else 17 for n in range(len(queries))]
    alone = [store.nearest_ids(q.tolist(), k) for q, k in zip(queries, widths, strict=True)]
    assert [len(a) for a in alone] == widths
    calls_before = store.nearest_queries.passes
    got: dict[int, list[tuple[str, float]]] = {}

    def ask(n: int) -> None:
        got[n] = store.nearest_ids(queries[n].tolist(), widths[n])

    with store.writing():  # the batcher's first call waits for the gate, so every other query queues behind it
        first = threading.Thread(target=ask, args=(0,))
        first.start()
        time.sleep(0.2)
        rest = [threading.Thread(target=ask, args=(n,)) for n in range(1, len(queries))]
        for thread in rest:
            thread.start()
        time.sleep(0.3)
        # a thread inside the gate asks directly (waiting on the batcher's read would wait for itself)
        assert store.nearest_ids(queries[0].tolist(), 3) == alone[0][:3]
    for thread in [first, *rest]:
        thread.join(timeout=30)
    assert [got[n] for n in range(len(queries))] == alone
    assert store.nearest_queries.passes - calls_before == 2  # the first alone, the other eleven in one pass
