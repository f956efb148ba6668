"""The per-process bundle of services: settings, the Chroma store, the derived SQLite indexes, the embedder.

Everything is opened lazily and once, so a command that only lists sources never loads the embedding model (nor
imports torch), and the API shares one model and one store handle across requests.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.config import Settings, get_settings
from assistant.errors import ConfigError

if TYPE_CHECKING:
    from assistant.embeddings.base import Embedder
    from assistant.embeddings.cache import QuestionVectors, VectorCache
    from assistant.grounding.checker import CachedEncoder
    from assistant.store.chroma import ChunkStore
    from assistant.store.lexical import LexicalIndex
    from assistant.store.metric_rows import MetricRowStore
    from assistant.store.sentence_vectors import SharedVectors

log = logging.getLogger("prodops")


class Runtime:
    def __init__(self, settings: Settings, embedder_factory: Callable[[], Embedder] | None = None) -> None:
        self.settings = settings
        self._embedder_factory = embedder_factory or (lambda: _embedder_for(settings))
        self._lock = threading.Lock()

    @cached_property
    def store(self) -> ChunkStore:
        from assistant.store.chroma import ChunkStore

        return ChunkStore(self.settings)

    @cached_property
    def lexical(self) -> LexicalIndex:
        from assistant.store.lexical import LexicalIndex

        index = LexicalIndex(self.settings.lexical_path)
        if index.migrated:  # an index file from an older version was dropped: refill it from Chroma
            from assistant.store.sync import refill_lexical

            refill_lexical(self.store, index)
        return index

    @cached_property
    def metric_rows(self) -> MetricRowStore:
        from assistant.store.metric_rows import MetricRowStore

        return MetricRowStore(self.settings.metrics_path)

    @cached_property
    def embedder(self) -> Embedder:
        with self._lock:
            return self._embedder_factory()

    @cached_property
    def sentence_vectors(self) -> VectorCache:
        """Document-side sentence vectors, embedded once per process (see :mod:`assistant.embeddings.cache`) and,
        through the data dir, once for every process (:mod:`assistant.store.sentence_vectors`)."""
        from assistant.embeddings.cache import VectorCache

        def encode(texts: list[str]) -> list[list[float]]:
            # On the short-text path (traced, micro-batched) where the embedder has one: under load, a dozen
            # requests each embedding the sentences of passages nobody had asked about queued on the document
            # lock, each pass a hundred interpreter-lock hand-offs (seconds at p95 after a fresh ingest).
            return self._embed_short(texts, self.embedder.embed_documents)

        shared = self.shared_sentence_vectors
        if shared is None:
            return VectorCache(encode)
        from assistant.store.sentence_vectors import shared_encoder

        return VectorCache(shared_encoder(encode, shared, lambda: f"{self.embedder.name}/{self.embedder.dimension}/"
                                          f"{self.settings.embedding_backend}"))

    @cached_property
    def question_vectors(self) -> QuestionVectors:
        """The extractive answer's question side: the vector retrieval computed for a question, reused, or the
        query path for other question texts (see :class:`~assistant.embeddings.cache.QuestionVectors`)."""
        from assistant.embeddings.cache import QuestionVectors

        def embed_queries(texts: list[str]) -> list[list[float]]:  # one pass for all (the bundled embedders)
            return self._embed_short(texts, lambda each: [self.embedder.embed_query(t) for t in each])

        return QuestionVectors(embed_queries)

    def _embed_short(self, texts: list[str], otherwise: Callable[[list[str]], list[list[float]]]
                     ) -> list[list[float]]:
        """Short texts on the embedder's short-text path (``embed_short``: traced, micro-batched, shared passes),
        or ``otherwise`` for an embedder without one (a test's or a plug-in's)."""
        short = getattr(self.embedder, "embed_short", None)
        return short(texts) if short is not None else otherwise(texts)

    @cached_property
    def work_slots(self) -> threading.BoundedSemaphore:
        """Admission to a request's CPU-bound work (search, metric resolution, the offline answer) once its
        question is embedded: ``serve_work_slots`` at a time, the cores + 1 by default (see that setting).
        Nothing that waits on another service (a language model) runs inside a slot."""
        return threading.BoundedSemaphore(self.settings.serve_work_slots or (os.cpu_count() or 1) + 1)

    @cached_property
    def shared_sentence_vectors(self) -> SharedVectors | None:
        """The data dir's sentence-vector file, or None when turned off (``sentence_cache_rows`` 0) or the data
        dir cannot hold it (read-only): answers still work then, each process embedding for itself."""
        if not self.settings.sentence_cache_rows:
            return None
        from assistant.store.sentence_vectors import SharedVectors

        try:
            return SharedVectors(self.settings.sentence_vectors_path, self.settings.sentence_cache_rows)
        except (OSError, sqlite3.Error) as exc:
            log.warning("sentence vectors not shared through %s (%s)", self.settings.sentence_vectors_path, exc)
            return None

    @cached_property
    def grounding_encoder(self) -> CachedEncoder:
        """The grounding checker's deep-tier encoder over this runtime's embedder (same model, same backend)."""
        from assistant.grounding.checker import CachedEncoder

        embedder = self.embedder
        if not hasattr(embedder, "token_embeddings"):
            raise ConfigError(f"the {embedder.name} embedder gives no token vectors; the deep grounding tier needs "
                              "PRODOPS_EMBEDDING_BACKEND=torch or onnx")
        return CachedEncoder(embedder)  # type: ignore[arg-type]

    def close(self) -> None:
        for name in ("lexical", "metric_rows", "shared_sentence_vectors"):
            if self.__dict__.get(name) is not None:
                self.__dict__.pop(name).close()
        if "store" in self.__dict__:
            self.__dict__.pop("store").close()


def _embedder_for(settings: Settings) -> Embedder:
    if settings.embedding_backend == "torch":
        from assistant.embeddings.minilm import get_embedder

        return get_embedder(settings.embedding_batch_size, settings.embedding_device)
    from assistant.embeddings.onnx import OnnxEmbedder

    return OnnxEmbedder(model_cache_dir(settings), settings.embedding_backend == "onnx-int8",
                        settings.embedding_batch_size)


def model_cache_dir(settings: Settings) -> Path:
    """The machine-wide model cache: exporting the ONNX graph takes seconds, so it is done once, not per data dir."""
    if settings.model_cache_dir is not None:
        return settings.model_cache_dir
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "prodops" / "models"


def default_runtime() -> Runtime:
    return Runtime(get_settings())
