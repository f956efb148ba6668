"""Concurrent query embeddings share one forward pass.

Under load, every API worker thread embeds its own question, and the model serialises them (one lock, two
cores): sixteen questions cost sixteen forward passes, each paying the per-call overhead (tokenizer, padding,
kernel dispatch, thread start-up inside torch) for one short text. :class:`QueryBatcher` is opportunistic
micro-batching: one worker thread embeds whatever is queued, at once (no waiting window, so a single client
sees no added latency beyond a thread hand-off); questions that arrive while a pass runs are embedded together
in the next pass, up to ``max_batch``.

The batcher is generic in what it batches (a key, hashable, and what one pass makes of it): the store batches
concurrent nearest-neighbour queries the same way (:meth:`~assistant.store.chroma.ChunkStore.nearest_ids`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class QueryBatcher(Generic[K, V]):
    """Embeds single texts (any keys) for many threads, in batches of whatever queued while the model (the
    ``encode`` callable) was busy."""

    def __init__(self, encode: Callable[[Sequence[K]], list[V]], max_batch: int = 32, idle_seconds: float = 30.0
                 ) -> None:
        self._encode = encode
        self._max_batch = max_batch
        self._idle_seconds = idle_seconds  # the worker thread ends after this long without work (restarted on use)
        self._ready = threading.Condition()
        self._pending: list[tuple[K, Future[V]]] = []  # questions: first into every pass
        self._later: list[tuple[K, Future[V]]] = []  # other short texts: the rest of a pass
        self._worker: threading.Thread | None = None
        self.passes = 0  # forward passes made: texts / passes is the mean batch (reported by benchmarks)
        self.texts = 0

    def embed(self, text: K) -> V:
        """``text``'s vector (the model's error, if it raised, is raised here)."""
        return self.embed_many([text])[0]

    def embed_many(self, texts: Sequence[K], first: bool = True) -> list[V]:
        """One vector per text, queued together so they share a pass (a caller with several short texts waits
        for one pass, not one per text). ``first=False`` (an answer's candidate sentences: dozens per request
        after an ingest) fills passes after every queued question, so a search never waits behind them."""
        futures: list[Future[V]] = [Future() for _ in texts]
        if not futures:
            return []
        with self._ready:
            (self._pending if first else self._later).extend(zip(texts, futures, strict=True))
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._serve, name="prodops-query-embed", daemon=True)
                self._worker.start()
            self._ready.notify()
        return [future.result() for future in futures]

    def _serve(self) -> None:
        while True:
            with self._ready:
                while not self._pending and not self._later:
                    if not self._ready.wait(self._idle_seconds) and not self._pending and not self._later:
                        # Idle: end, so a closed store or a dropped embedder is not kept alive by its thread.
                        self._worker = None
                        return
                batch, self._pending = self._pending[: self._max_batch], self._pending[self._max_batch :]
                room = self._max_batch - len(batch)
                batch, self._later = batch + self._later[:room], self._later[room:]
            self._run(batch)

    def _run(self, batch: list[tuple[K, Future[V]]]) -> None:
        texts = list(dict.fromkeys(text for text, _ in batch))  # callers asking the same text share its row
        try:
            vectors = dict(zip(texts, self._encode(texts), strict=True))
        except BaseException as exc:  # every caller in the pass sees the model's error; the worker goes on
            for _, future in batch:
                future.set_exception(exc)
            return
        self.passes += 1
        self.texts += len(batch)
        for text, future in batch:
            future.set_result(vectors[text])


class BatchedQueries:
    """``embed_query`` and ``embed_short`` for an embedder that sets ``queries`` (a :class:`QueryBatcher` over its
    question path) and ``batch_queries``: one copy for the torch and ONNX embedders."""

    queries: QueryBatcher[str, list[float]]
    batch_queries: bool  # False: each text alone, through embed_documents (what benchmarks/load.py compares against)

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        raise NotImplementedError  # the embedder's own

    def embed_query(self, text: str) -> list[float]:
        """Concurrent questions (API worker threads) are embedded together: see :class:`QueryBatcher`."""
        return self.queries.embed(text) if self.batch_queries else self.embed_documents([text])[0]

    def embed_short(self, texts: Sequence[str]) -> list[list[float]]:
        """Short texts embedded while someone waits (a question's parts, an answer's candidate sentences):
        queued on the question path after the questions, so they share passes with other callers' texts and
        never wait for the document lock an ingest holds. The bundled models are symmetric (no query prompt), so
        these are the vectors ``embed_documents`` gives (to ~1e-7 through the trace)."""
        if not self.batch_queries:
            return self.embed_documents(texts)
        return self.queries.embed_many(texts, first=False)
