"""ChunkStore: the only module that imports chromadb.

Chroma is the single source of truth for everything ingested: the chunks with their vectors and metadata, and a
manifest of sources (content hash, chunk count, parsed metric rows) from which every local derived index can be
rebuilt. Embedded (``PersistentClient``) by default; ``PRODOPS_CHROMA_URL`` selects a server (``HttpClient``)
through the same code path. Chroma never embeds anything itself: we always pass our own vectors, and register
our own embedding function so Chroma's default (which would try a download) is never instantiated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any
from urllib.parse import urlparse

import chromadb
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings

from assistant.config import Settings
from assistant.embeddings.base import Embedder
from assistant.errors import StoreUnavailable
from assistant.schemas import Chunk, ChunkMeta, SourceRecord

_MANIFEST_VECTOR = [1.0]  # the manifest collection is looked up by id only; its vectors carry no meaning


class _DelegatingEmbeddingFunction(EmbeddingFunction[Documents]):
    """Chroma-facing wrapper around our Embedder, created lazily so opening the store never loads a model."""

    def __init__(self, factory: Callable[[], Embedder] | None = None) -> None:
        self._factory = factory

    def __call__(self, input: Documents) -> Embeddings:
        if self._factory is None:
            raise RuntimeError("prodops passes its own vectors; Chroma must not embed")
        return self._factory().embed_documents(list(input))  # type: ignore[return-value]

    @staticmethod
    def name() -> str:
        return "prodops"

    def get_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> _DelegatingEmbeddingFunction:
        return _DelegatingEmbeddingFunction()

    def is_legacy(self) -> bool:
        return False


def _make_client(settings: Settings) -> Any:
    try:
        if settings.chroma_url:
            url = urlparse(settings.chroma_url)
            client = chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chromadb.Settings(anonymized_telemetry=False),
            )
            client.heartbeat()
            return client
        settings.chroma_path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(
            path=str(settings.chroma_path), settings=chromadb.Settings(anonymized_telemetry=False)
        )
    except Exception as exc:  # chromadb raises many types; all mean "cannot open the store"
        where = settings.chroma_url or str(settings.chroma_path)
        hint = (
            "start the server (`chroma run --path DIR --port PORT`) or unset PRODOPS_CHROMA_URL"
            if settings.chroma_url
            else "check that PRODOPS_DATA_DIR is writable"
        )
        raise StoreUnavailable(f"cannot open the Chroma store at {where}: {exc}; {hint}") from exc


class ChunkStore:
    """Chunks, their vectors and the source manifest, in two Chroma collections."""

    def __init__(self, settings: Settings, client: Any | None = None) -> None:
        self._client = client if client is not None else _make_client(settings)
        self._ef = _DelegatingEmbeddingFunction()
        self._chunks = self._client.get_or_create_collection(
            f"{settings.collection}_chunks",
            embedding_function=self._ef,
            configuration={"hnsw": {"space": "cosine"}},
        )
        self._manifest = self._client.get_or_create_collection(
            f"{settings.collection}_sources", embedding_function=self._ef
        )
        self._batch = max(1, min(int(self._client.get_max_batch_size()), 4000))

    # -- chunks ---------------------------------------------------------------------------------------------

    def upsert(self, chunks: Sequence[Chunk], embeddings: Sequence[Sequence[float]]) -> None:
        """Insert or replace chunks with their precomputed vectors."""
        for start in range(0, len(chunks), self._batch):
            part = chunks[start : start + self._batch]
            self._chunks.upsert(
                ids=[c.id for c in part],
                documents=[c.text for c in part],
                embeddings=[list(v) for v in embeddings[start : start + self._batch]],
                metadatas=[{**c.meta.to_chroma(), "context": c.context} for c in part],
            )

    def update_metadata(self, chunks: Sequence[Chunk]) -> None:
        """Refresh metadata of stored chunks without touching their vectors (their text is fixed by their id).

        Chroma would re-embed if documents were passed here; metadata alone is safe.
        """
        for start in range(0, len(chunks), self._batch):
            part = chunks[start : start + self._batch]
            self._chunks.update(
                ids=[c.id for c in part],
                metadatas=[{**c.meta.to_chroma(), "context": c.context} for c in part],
            )

    def existing_ids(self, ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(ids), self._batch):
            found.update(self._chunks.get(ids=list(ids[start : start + self._batch]), include=[])["ids"])
        return found

    def has_chunks(self, where: dict[str, Any]) -> bool:
        """Whether any stored chunk matches a ``where`` filter."""
        return bool(self._chunks.get(where=where, include=[], limit=1)["ids"])

    def chunk_ids_for_source(self, path: str) -> list[str]:
        return list(self._chunks.get(where={"source": path}, include=[])["ids"])

    def delete_chunks(self, ids: Sequence[str]) -> None:
        for start in range(0, len(ids), self._batch):
            self._chunks.delete(ids=list(ids[start : start + self._batch]))

    def get_chunks(self, ids: Sequence[str]) -> list[Chunk]:
        """Chunks by id, in the order asked; unknown ids are skipped."""
        if not ids:
            return []
        got = self._chunks.get(ids=list(ids), include=["documents", "metadatas"])
        by_id = {i: _to_chunk(i, d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)}
        return [by_id[i] for i in ids if i in by_id]

    def vectors(self, ids: Sequence[str]) -> list[list[float]]:
        """Stored vectors of ``ids``, in the order asked (every id must exist)."""
        got = self._chunks.get(ids=list(ids), include=["embeddings"])
        by_id = dict(zip(got["ids"], got["embeddings"], strict=True))
        return [list(by_id[i]) for i in ids]

    def iter_chunks(self, where: dict[str, Any] | None = None, page: int = 1000) -> Iterator[Chunk]:
        """Every stored chunk (optionally filtered), paged so memory stays flat on large stores."""
        offset = 0
        while True:
            got = self._chunks.get(where=where, include=["documents", "metadatas"], limit=page, offset=offset)
            if not got["ids"]:
                return
            for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
                yield _to_chunk(i, d, m)
            offset += len(got["ids"])

    def query(
        self, vector: Sequence[float], k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[Chunk, float]]:
        """Nearest chunks by cosine similarity (1 - distance), best first."""
        if k <= 0 or self.count() == 0:
            return []
        got = self._chunks.query(
            query_embeddings=[list(vector)], n_results=k, where=where, include=["documents", "metadatas", "distances"]
        )
        rows = zip(got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0], strict=True)
        return [(_to_chunk(i, d, m), 1.0 - float(dist)) for i, d, m, dist in rows]

    def langchain_vectorstore(self, embeddings: Any) -> Any:
        """The chunk collection as a LangChain ``Chroma`` vector store (langchain-chroma) over the same client.

        ``embeddings`` is a LangChain ``Embeddings`` wrapping our embedder, so LangChain embeds the texts and
        queries itself and hands Chroma vectors: Chroma's own embedding function stays unused.
        """
        from langchain_chroma import Chroma

        return Chroma(client=self._client, collection_name=self._chunks.name, embedding_function=embeddings)

    def count(self) -> int:
        return int(self._chunks.count())

    # -- source manifest ------------------------------------------------------------------------------------

    def put_source(self, record: SourceRecord) -> None:
        """Record a source as fully ingested; written last, so a crash before it means "redo this file"."""
        self._manifest.upsert(
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
        )

    def delete_source(self, path: str) -> None:
        self._manifest.delete(ids=[path])

    def get_source(self, path: str) -> SourceRecord | None:
        got = self._manifest.get(ids=[path], include=["documents"])
        docs = got["documents"] or []
        return SourceRecord.model_validate_json(docs[0]) if docs else None

    def sources(self) -> list[SourceRecord]:
        records: list[SourceRecord] = []
        offset = 0
        while True:
            got = self._manifest.get(include=["documents"], limit=1000, offset=offset)
            if not got["ids"]:
                break
            records.extend(SourceRecord.model_validate_json(doc) for doc in got["documents"])
            offset += len(got["ids"])
        return sorted(records, key=lambda r: r.path)

    def source_states(self) -> dict[str, tuple[str, str]]:
        """path -> (content hash, workspace) of every recorded source; the hash is "" while incomplete."""
        got = self._manifest.get(include=["metadatas"])
        return {
            i: (str(m.get("content_hash", "")), str(m.get("workspace", "")))
            for i, m in zip(got["ids"], got["metadatas"], strict=True)
        }


def _to_chunk(chunk_id: str, text: str | None, flat: Any) -> Chunk:
    data = dict(flat or {})
    context = str(data.pop("context", "") or "")
    return Chunk(id=chunk_id, text=text or "", context=context, meta=ChunkMeta.from_chroma(data))

