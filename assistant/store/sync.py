"""The one path that keeps the derived SQLite indexes (lexical, metric rows) in step with Chroma.

Chroma is the source of truth; the lexical index and the metric rows are caches of it. Every write goes through
here: an ingestion job finishing a source (:func:`finish_source`), a removed source (:func:`drop_source`), the
check after every job (:func:`repair_derived`, cheap: it compares recorded hashes) and `prodops reindex`
(:func:`rebuild_derived`, which is "forget everything, then repair"). So a crash between writing Chroma and
writing SQLite, or a fresh API replica against a shared Chroma server, always ends with consistent indexes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from assistant.schemas import Chunk, SourceRecord
from assistant.store.chroma import ChunkStore
from assistant.store.lexical import LexicalIndex
from assistant.store.metric_rows import MetricRowStore


class Stores(Protocol):
    """What the sync needs: the store and its two derived indexes (a :class:`~assistant.runtime.Runtime`)."""

    @property
    def store(self) -> ChunkStore: ...

    @property
    def lexical(self) -> LexicalIndex: ...

    @property
    def metric_rows(self) -> MetricRowStore: ...


def _index(stores: Stores, record: SourceRecord, chunks: Sequence[Chunk]) -> None:
    stores.lexical.replace_source(record.path, record.content_hash, chunks)
    if record.metric_points:
        stores.metric_rows.replace_source(record.path, record.content_hash, record.metric_points)
    else:
        stores.metric_rows.delete_source(record.path)


def finish_source(stores: Stores, record: SourceRecord, chunks: Sequence[Chunk]) -> None:
    """After a source's new chunks are stored: delete its stale chunks, index it, then mark it complete (last)."""
    keep = {c.id for c in chunks}
    stores.store.delete_chunks([i for i in stores.store.chunk_ids_for_source(record.path) if i not in keep])
    _index(stores, record, chunks)
    stores.store.put_source(record)


def drop_source(stores: Stores, path: str) -> None:
    """Remove a source everywhere: its chunks, its derived rows, then its manifest entry."""
    stores.store.delete_chunks(stores.store.chunk_ids_for_source(path))
    stores.lexical.delete_source(path)
    stores.metric_rows.delete_source(path)
    stores.store.delete_source(path)


def repair_derived(stores: Stores) -> int:
    """Re-sync every source whose derived rows don't match the manifest; returns how many were touched."""
    records = {r.path: r for r in stores.store.sources() if r.complete}
    lexical_hashes = stores.lexical.source_hashes()
    metric_hashes = stores.metric_rows.source_hashes()
    touched = 0
    for path in (set(lexical_hashes) | set(metric_hashes)) - set(records):
        stores.lexical.delete_source(path)
        stores.metric_rows.delete_source(path)
        touched += 1
    for path, record in records.items():
        metric_stale = bool(record.metric_points) and metric_hashes.get(path) != record.content_hash
        if lexical_hashes.get(path) != record.content_hash or metric_stale:
            _index(stores, record, list(stores.store.iter_chunks(where={"source": path})))
            touched += 1
    return touched


def refill_lexical(store: ChunkStore, lexical: LexicalIndex) -> int:
    """Index every complete source's stored chunks into an empty lexical index; returns sources indexed."""
    records = [r for r in store.sources() if r.complete]
    for record in records:
        lexical.replace_source(record.path, record.content_hash, list(store.iter_chunks(where={"source": record.path})))
    return len(records)


def rebuild_derived(stores: Stores) -> tuple[int, int]:
    """Drop both derived indexes and rebuild them from Chroma; returns (chunks indexed, metric rows)."""
    stores.lexical.clear()
    stores.metric_rows.clear()
    repair_derived(stores)
    return stores.lexical.count(), stores.metric_rows.count()
