"""The per-process bundle of services: settings, the Chroma store, the derived SQLite indexes, the embedder.

Everything is opened lazily and once, so a command that only lists sources never loads the embedding model, and
the API shares one model and one store handle across requests.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import cached_property

from assistant.config import Settings, get_settings
from assistant.embeddings import Embedder, get_embedder
from assistant.lexical import LexicalIndex
from assistant.metric_rows import MetricRowStore
from assistant.store import ChunkStore


class Runtime:
    def __init__(self, settings: Settings, embedder_factory: Callable[[], Embedder] | None = None) -> None:
        self.settings = settings
        self._embedder_factory = embedder_factory or (lambda: _embedder_for(settings))
        self._lock = threading.Lock()

    @cached_property
    def store(self) -> ChunkStore:
        return ChunkStore(self.settings)

    @cached_property
    def lexical(self) -> LexicalIndex:
        return LexicalIndex(self.settings.lexical_path)

    @cached_property
    def metric_rows(self) -> MetricRowStore:
        return MetricRowStore(self.settings.metrics_path)

    @cached_property
    def embedder(self) -> Embedder:
        with self._lock:
            return self._embedder_factory()

    def close(self) -> None:
        for name in ("lexical", "metric_rows"):
            if name in self.__dict__:
                self.__dict__.pop(name).close()


def _embedder_for(settings: Settings) -> Embedder:
    if settings.embedding_backend == "torch":
        return get_embedder(settings.embedding_batch_size, settings.embedding_device)
    from assistant.embeddings_onnx import OnnxEmbedder

    return OnnxEmbedder(
        settings.data_dir / "models", settings.embedding_backend == "onnx-int8", settings.embedding_batch_size
    )


def default_runtime() -> Runtime:
    return Runtime(get_settings())
