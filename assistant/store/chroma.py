"""ChunkStore: with :mod:`assistant.store.chroma_client` (opening the client), the only module that imports chromadb.

Chroma is the single source of truth for everything ingested: the chunks with their vectors and metadata, and a
manifest of sources (content hash, chunk count, parsed metric rows) from which every local derived index can be
rebuilt. Embedded (``PersistentClient``) by default; ``PRODOPS_CHROMA_URL`` selects a server (``HttpClient``)
through the same code path. Chroma never embeds anything itself: we always pass our own vectors, and register
our own embedding function so Chroma's default (which would try a download) is never instantiated.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import httpx
import numpy as np
from chromadb.errors import InternalError, NotFoundError

from assistant.config import Settings
from assistant.embeddings.batching import QueryBatcher
from assistant.errors import StoreUnavailable
from assistant.schemas import Chunk, ChunkMeta, SourceRecord
from assistant.store.chroma_client import (
    DelegatingEmbeddingFunction,
    embedded_for,
    make_client,
    stale_index,
    unavailable,
)
from assistant.store.chunk_cache import ChromaFields, ChunkCache, StoredVectors
from assistant.store.gate import StoreGate
from assistant.store.hnsw import hnsw_configuration, raise_ef_search
from assistant.store.nearest import NearestKey, Ranked, nearest_key, nearest_many

T = TypeVar("T")

_MANIFEST_VECTOR = [1.0]  # the manifest collection is looked up by id only; its vectors carry no meaning


class ChunkStore:
    """Chunks, their vectors and the source manifest, in two Chroma collections.

    Every operation runs inside the data dir's gate (:mod:`assistant.store.gate`) when the store is embedded,
    so it sees one consistent snapshot even while another process ingests; a Chroma server is consistent by
    itself and is only asked. Whatever the mode, a store that cannot be reached raises
    :class:`~assistant.errors.StoreUnavailable` (the API's 503, the CLI's one-line error), never a driver error.
    """

    def __init__(self, settings: Settings, client: Any | None = None) -> None:
        self._settings = settings
        self._ef = DelegatingEmbeddingFunction()
        self._embedded = embedded_for(settings) if client is None and not settings.chroma_url else None
        self._client = client if client is not None or self._embedded else make_client(settings)
        self._gate = self._embedded.gate if self._embedded else StoreGate(settings.data_dir)
        self._cols: tuple[int, Any, Any] | None = None
        self._cols_lock = threading.Lock()
        self._counted: tuple[str, int] = ("", 0)  # (generation, chunks) of the last count; see count()
        self.chunk_cache = ChunkCache()  # chunks read by id, per generation (embedded only); see get_chunks()
        self.nearest_queries: QueryBatcher[NearestKey, Ranked] = QueryBatcher(self._nearest_now)  # nearest_ids()
        self._batch = self._run(lambda _c, _m, client: max(1, min(int(client.get_max_batch_size()), 4000)))

    def close(self) -> None:
        """Release the embedded client's files (reopened by the next operation); a server client holds none."""
        if self._embedded is not None:
            self._embedded.release()

    def _collections(self, client: Any, version: int) -> tuple[Any, Any]:
        with self._cols_lock:
            if self._cols is None or self._cols[0] != version:
                chunks = client.get_or_create_collection(
                    f"{self._settings.collection}_chunks",
                    embedding_function=self._ef,
                    configuration=hnsw_configuration(self._settings),
                )
                raise_ef_search(chunks, self._settings.hnsw_ef_search)
                manifest = client.get_or_create_collection(
                    f"{self._settings.collection}_sources", embedding_function=self._ef
                )
                self._cols = (version, chunks, manifest)
            return self._cols[1], self._cols[2]

    @contextmanager
    def _use(self) -> Iterator[tuple[Any, Any, Any]]:
        embedded = self._embedded
        if embedded is None:
            yield (*self._collections(self._client, 0), self._client)
            return
        with embedded.gate.reading() as outermost:
            if outermost:
                embedded.refresh()
            with embedded.rw.read():
                yield (*self._collections(embedded.client, embedded.version), embedded.client)

    def _run(self, op: Callable[[Any, Any, Any], T]) -> T:
        """Run one store operation: consistent snapshot, one retry on a stale handle, errors translated."""
        for attempt in (1, 2):
            try:
                with self._use() as (chunks, manifest, client):
                    return op(chunks, manifest, client)
            except StoreUnavailable:
                raise
            except NotFoundError as exc:  # a collection recreated behind our back (server reset): look it up again
                if attempt == 2:
                    raise unavailable(self._settings, exc) from exc
                self._cols = None
            except (InternalError, httpx.TransportError, OSError) as exc:
                if attempt == 2 or not stale_index(exc) or self._embedded is None or self._gate.writing_here:
                    raise unavailable(self._settings, exc) from exc
                with self._gate.reading():  # another writer bypassed the gate: reopen and try once more
                    self._embedded.refresh(force=True)
        raise AssertionError("unreachable")

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Exclusive access to the data dir for a group of writes (Chroma and the derived indexes); readers in
        every process see the store before or after the group, never in between. Hold it only around writes."""
        outermost = not self._gate.writing_here
        with self._gate.writing():
            if outermost and self._embedded is not None:
                self._embedded.refresh()
            try:
                yield
            finally:
                if outermost:
                    generation = self._gate.bump()
                    if self._embedded is not None:
                        self._embedded.seen = generation

    # -- chunks ---------------------------------------------------------------------------------------------

    def upsert(self, chunks: Sequence[Chunk], embeddings: Sequence[Sequence[float]]) -> None:
        """Insert or replace chunks with their precomputed vectors."""
        self._counted = ("", 0)  # a write outside writing() (tests, tools) moves no generation
        self.chunk_cache.clear()
        for start in range(0, len(chunks), self._batch):
            part = chunks[start : start + self._batch]
            vectors = [list(v) for v in embeddings[start : start + self._batch]]
            self._run(lambda c, _m, _cl, part=part, vectors=vectors: c.upsert(  # type: ignore[misc]
                ids=[x.id for x in part],
                documents=[x.text for x in part],
                embeddings=vectors,
                metadatas=[{**x.meta.to_chroma(), "context": x.context} for x in part],
            ))

    def update_metadata(self, chunks: Sequence[Chunk]) -> None:
        """Refresh metadata of stored chunks without touching their vectors (their text is fixed by their id;
        metadata alone never re-embeds). Chroma merges metadata on update, so a key the new metadata lacks (a
        team's visibility flag after the chunk was narrowed) is sent as None, which deletes it."""
        for start in range(0, len(chunks), self._batch):
            part = chunks[start : start + self._batch]
            old = self._run(lambda c, _m, _cl, part=part: c.get(  # type: ignore[misc]
                ids=[x.id for x in part], include=["metadatas"]))
            before = dict(zip(old["ids"], old["metadatas"] or [], strict=False))
            self.chunk_cache.clear()
            metas = [{**dict.fromkeys(before.get(x.id) or {}), **x.meta.to_chroma(), "context": x.context}
                     for x in part]
            self._run(lambda c, _m, _cl, part=part, metas=metas: c.update(  # type: ignore[misc]
                ids=[x.id for x in part], metadatas=metas))

    def existing_ids(self, ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(ids), self._batch):
            part = list(ids[start : start + self._batch])
            found.update(self._run(lambda c, _m, _cl, part=part: c.get(ids=part, include=[])["ids"]))  # type: ignore[misc]
        return found

    def has_chunks(self, where: dict[str, Any]) -> bool:
        """Whether any stored chunk matches a ``where`` filter."""
        return bool(self._run(lambda c, _m, _cl: c.get(where=where, include=[], limit=1)["ids"]))

    def chunk_ids_for_source(self, path: str) -> list[str]:
        return list(self._run(lambda c, _m, _cl: c.get(where={"source": path}, include=[])["ids"]))

    def delete_chunks(self, ids: Sequence[str]) -> None:
        self._counted = ("", 0)
        self.chunk_cache.clear()
        for start in range(0, len(ids), self._batch):
            part = list(ids[start : start + self._batch])
            self._run(lambda c, _m, _cl, part=part: c.delete(ids=part))  # type: ignore[misc]

    def get_chunks(self, ids: Sequence[str], vectors: StoredVectors | None = None) -> list[Chunk]:
        """Chunks by id, in the order asked; unknown ids are skipped. With ``vectors``, their stored vectors are
        added to it from the same read (a search needs both, and a second read costs as much as the first).
        With embedded Chroma, chunks read since the last write are answered from :attr:`chunk_cache`."""
        if not ids:
            return []
        generation = self.cache_generation()  # read before the store
        known = self.chunk_cache.lookup(ids, generation, vectors is not None) if generation else {}
        by_id = {i: chunk for i, (chunk, _) in known.items()}
        if vectors is not None:
            vectors.update((i, v) for i, (_, v) in known.items() if v is not None)
        missing = [i for i in ids if i not in by_id]
        if missing:
            include = ["documents", "metadatas", *(["embeddings"] if vectors is not None else [])]
            got = self._run(lambda c, _m, _cl: c.get(ids=missing, include=include))
            fresh = [_to_chunk(i, d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)]
            read = None
            if vectors is not None:
                read = {i: np.asarray(v, dtype=np.float32) for i, v in zip(got["ids"], got["embeddings"], strict=True)}
                vectors.update(read)
            by_id.update((c.id, c) for c in fresh)
            if generation:
                self.chunk_cache.store(fresh, read, generation)
        return [by_id[i] for i in ids if i in by_id]

    def chroma_fields(self, chunk: Chunk) -> ChromaFields:
        """``chunk``'s metadata as Chroma's filters see it (:meth:`ChunkMeta.to_chroma`), for re-checking a
        candidate against a ``where``; flattened once for a chunk :meth:`get_chunks` answered from its cache."""
        return self.chunk_cache.fields(chunk)

    def vectors(self, ids: Sequence[str]) -> list[list[float]]:
        """Stored vectors of ``ids``, in the order asked (every id must exist; see :meth:`vectors_by_id`)."""
        found = self.vectors_by_id(ids)
        return [found[i] for i in ids]

    def vectors_by_id(self, ids: Sequence[str]) -> dict[str, list[float]]:
        """Stored vectors of ``ids`` that still exist: a chunk read a moment ago may have been replaced since by
        an ingest in another process, so callers keep only what they get back."""
        got = self._run(lambda c, _m, _cl: c.get(ids=list(ids), include=["embeddings"]))
        return {i: list(v) for i, v in zip(got["ids"], got["embeddings"], strict=True)}

    def iter_chunks(self, where: dict[str, Any] | None = None, page: int = 1000) -> Iterator[Chunk]:
        """Every stored chunk (optionally filtered), paged so memory stays flat on large stores."""
        offset = 0
        while True:
            got = self._run(lambda c, _m, _cl, offset=offset: c.get(  # type: ignore[misc]
                where=where, include=["documents", "metadatas"], limit=page, offset=offset))
            if not got["ids"]:
                return
            for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
                yield _to_chunk(i, d, m)
            offset += len(got["ids"])

    def query(
        self, vector: Sequence[float], k: int, where: dict[str, Any] | None = None, ids: Sequence[str] | None = None,
        vectors: StoredVectors | None = None,
    ) -> list[tuple[Chunk, float]]:
        """Nearest chunks by cosine similarity (1 - distance), best first; ``ids`` limits the search to those.
        With ``vectors``, the chunks' stored vectors are added to it from the same query."""
        if k <= 0 or (ids is not None and not ids):
            return []
        include = ["documents", "metadatas", "distances", *(["embeddings"] if vectors is not None else [])]

        def op(chunks: Any, _m: Any, _cl: Any) -> Any:  # an empty collection answers empty lists: no count()
            return chunks.query(query_embeddings=[list(vector)], n_results=k, where=where,
                                ids=list(ids) if ids is not None else None, include=include)

        got = self._run(op)
        if not got["ids"] or not got["ids"][0]:
            return []
        if vectors is not None:
            vectors.update((i, np.asarray(v, dtype=np.float32))
                           for i, v in zip(got["ids"][0], got["embeddings"][0], strict=True))
        rows = zip(got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0], strict=True)
        return [(_to_chunk(i, d, m), 1.0 - float(dist)) for i, d, m, dist in rows]

    def nearest_ids(self, vector: Sequence[float], k: int) -> list[tuple[str, float]]:
        """(id, similarity) of the nearest ``k`` chunks, unfiltered, best first: reads no documents nor metadata,
        so k in the thousands stays about as cheap as :meth:`query` at 40 (unlike a ``where`` query). Concurrent
        calls share one Chroma call (:mod:`~assistant.store.nearest`), except from a thread inside the gate (the
        batcher's thread takes its own read, which could wait for a writer that waits for this thread)."""
        if self._gate.inside:
            return self._nearest_now([nearest_key(vector, k)])[0]
        return self.nearest_queries.embed(nearest_key(vector, k))

    def _nearest_now(self, keys: Sequence[NearestKey]) -> list[Ranked]:
        return nearest_many(lambda vectors, k: self._run(lambda c, _m, _cl: c.query(
            query_embeddings=vectors, n_results=k, include=["distances"])), keys)

    def langchain_vectorstore(self, embeddings: Any) -> Any:
        """The chunk collection as a LangChain ``Chroma`` vector store (langchain-chroma) over the same client.

        ``embeddings`` is a LangChain ``Embeddings`` wrapping our embedder, so LangChain embeds the texts and
        queries itself and hands Chroma vectors: Chroma's own embedding function stays unused. (LangChain's
        calls bypass the gate: use it for reading, and let `prodops ingest` do the writing.)
        """
        from langchain_chroma import Chroma

        client = self._embedded.client if self._embedded else self._client
        name = f"{self._settings.collection}_chunks"
        return Chroma(client=client, collection_name=name, embedding_function=embeddings)

    def count(self) -> int:
        """Chunks stored. With embedded Chroma the answer is kept per store generation (every write section of
        any process on this data dir moves it), so a search's consistency check (the narrow path of
        :class:`~assistant.retrieval.dense.FilteredDense`) reads a small file instead of counting the collection;
        a Chroma server may be written from other machines, so it is always asked."""
        if self._embedded is None:
            return int(self._run(lambda c, _m, _cl: c.count()))
        generation = self._gate.generation()  # read first: a write after it makes the next call count again
        counted = self._counted
        if not generation or counted[0] != generation:
            counted = (generation, int(self._run(lambda c, _m, _cl: c.count())))
            self._counted = counted
        return counted[1]

    def generation(self) -> str:
        """Changes after every write by any process: what derived results (an alignment map) are cached on."""
        return self._gate.generation()

    def cache_generation(self) -> str:
        """:meth:`generation` where every writer moves it (embedded Chroma), else "": results that decide what a
        caller may read (chunks and their visibility) are cached on it only when it cannot miss a write."""
        return self._gate.generation() if self._embedded is not None else ""

    def ping(self) -> None:
        """Raise :class:`~assistant.errors.StoreUnavailable` unless the store answers (``/health``)."""
        self._run(lambda c, _m, client: client.heartbeat())

    # -- source manifest ------------------------------------------------------------------------------------

    def put_source(self, record: SourceRecord) -> None:
        """Record a source as fully ingested; written last, so a crash before it means "redo this file"."""
        self._run(lambda _c, m, _cl: m.upsert(
            ids=[record.path],
            documents=[record.model_dump_json()],
            embeddings=[_MANIFEST_VECTOR],
            metadatas=[
                {
                    "kind": record.kind.value,
                    "content_hash": (record.fingerprint or record.content_hash) if record.complete else "",
                    "workspace": record.workspace,
                }
            ],
        ))

    def delete_source(self, path: str) -> None:
        self._run(lambda _c, m, _cl: m.delete(ids=[path]))

    def get_source(self, path: str) -> SourceRecord | None:
        got = self._run(lambda _c, m, _cl: m.get(ids=[path], include=["documents"]))
        docs = got["documents"] or []
        return SourceRecord.model_validate_json(docs[0]) if docs else None

    def sources(self) -> list[SourceRecord]:
        records: list[SourceRecord] = []
        offset = 0
        while True:
            got = self._run(lambda _c, m, _cl, offset=offset: m.get(  # type: ignore[misc]
                include=["documents"], limit=1000, offset=offset))
            if not got["ids"]:
                break
            records.extend(SourceRecord.model_validate_json(doc) for doc in got["documents"])
            offset += len(got["ids"])
        return sorted(records, key=lambda r: r.path)

    def source_states(self) -> dict[str, tuple[str, str]]:
        """path -> (content hash, workspace) of every recorded source; the hash is "" while incomplete."""
        got = self._run(lambda _c, m, _cl: m.get(include=["metadatas"]))
        return {
            i: (str(m.get("content_hash", "")), str(m.get("workspace", "")))
            for i, m in zip(got["ids"], got["metadatas"], strict=True)
        }


def _to_chunk(chunk_id: str, text: str | None, flat: Any) -> Chunk:
    data = dict(flat or {})
    context = str(data.pop("context", "") or "")
    return Chunk(id=chunk_id, text=text or "", context=context, meta=ChunkMeta.from_chroma(data))

