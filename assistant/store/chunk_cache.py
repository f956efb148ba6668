"""Chunks read by id, remembered for one store generation.

Every search reads the chunks that make its fused cut (text, metadata and vector) from Chroma: ~3 ms a read
whatever the store's size, the largest cost of a search after the query embedding, and the same popular
passages are read for question after question. Within one store generation (no process has written since)
a chunk's stored fields cannot change, so a read can be answered from memory; the first read in a new
generation empties the cache. Only the embedded store has a generation every writer moves (see
:mod:`assistant.store.gate`); a Chroma server can be written from other machines, so it is never cached.
Vectors are kept as float32 arrays (1.5 KB a chunk instead of 12 KB of Python floats). A cached chunk's
flattened fields (what Chroma's filters see, re-checked on every search) are kept beside it once computed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np

from assistant.schemas import Chunk

DEFAULT_SIZE = 4096  # chunks; ~5 KB each with text, metadata and vector: ~20 MB when full

StoredVectors = dict[str, np.ndarray]  # chunk id -> its stored vector (float32, as Chroma keeps it), read with it
ChromaFields = Mapping[str, Any]  # a chunk's metadata flattened as Chroma filters it (ChunkMeta.to_chroma)


class ChunkCache:
    """A bounded, thread-safe map of chunk id -> (chunk, vector or None), valid for one generation."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self._generation = ""
        self._entries: OrderedDict[str, tuple[Chunk, np.ndarray | None]] = OrderedDict()
        self._fields: dict[str, tuple[Chunk, ChromaFields]] = {}  # by id, for the very chunk object cached
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def clear(self) -> None:
        with self._lock:
            self._generation = ""
            self._entries.clear()
            self._fields.clear()

    def lookup(self, ids: Sequence[str], generation: str, with_vectors: bool
               ) -> dict[str, tuple[Chunk, np.ndarray | None]]:
        """What is known of ``ids`` in ``generation`` (with a vector, when ``with_vectors``: the cached array
        itself, read-only); "" (no write recorded yet) is no generation: nothing is known."""
        found: dict[str, tuple[Chunk, np.ndarray | None]] = {}
        with self._lock:
            if not generation or generation != self._generation or not self.size:
                self._generation, self._entries, self._fields = generation, OrderedDict(), {}
                self.misses += len(ids)
                return found
            for chunk_id in ids:
                entry = self._entries.get(chunk_id)
                if entry is None or (with_vectors and entry[1] is None):
                    continue
                self._entries.move_to_end(chunk_id)
                found[chunk_id] = (entry[0], entry[1] if with_vectors else None)
            self.hits += len(found)
            self.misses += len(ids) - len(found)
        return found

    def store(self, chunks: Sequence[Chunk], vectors: StoredVectors | None, generation: str) -> None:
        """Remember ``chunks`` (and their vectors) as read in ``generation``; ignored if another generation has
        been seen since (the read may predate a write)."""
        with self._lock:
            if not generation or generation != self._generation or not self.size:
                return
            for chunk in chunks:
                vector = vectors.get(chunk.id) if vectors is not None else None
                old = self._entries.get(chunk.id)
                kept = np.asarray(vector, dtype=np.float32) if vector is not None else (old[1] if old else None)
                if kept is not None:
                    kept.flags.writeable = False  # handed out to every reader: nobody may change it in place
                self._entries[chunk.id] = (chunk, kept)
                self._entries.move_to_end(chunk.id)
            while len(self._entries) > self.size:
                self._fields.pop(self._entries.popitem(last=False)[0], None)

    def fields(self, chunk: Chunk) -> ChromaFields:
        """``chunk.meta.to_chroma()``, read-only, computed once for a chunk this cache handed out (the same
        object: a chunk built or read elsewhere is flattened afresh). Searches re-check the chunks that make
        their cut against Chroma's ``where`` on these fields, and flattening (a pydantic dump) cost more than the
        re-check itself."""
        with self._lock:
            known = self._fields.get(chunk.id)
            if known is not None and known[0] is chunk:
                return known[1]
            entry = self._entries.get(chunk.id)
        flat: ChromaFields = MappingProxyType(chunk.meta.to_chroma())
        if entry is not None and entry[0] is chunk:
            with self._lock:
                if self._entries.get(chunk.id, (None,))[0] is chunk:
                    self._fields[chunk.id] = (chunk, flat)
        return flat
