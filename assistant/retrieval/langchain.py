"""prodops for LangChain users: the hybrid retriever as a ``BaseRetriever``, and the store as a vector store.

``ProdopsRetriever.from_settings()`` is the one-line way in: it opens the configured store (embedded or a Chroma
server) with the configured embedder and searches it exactly as chat does (hybrid, filtered, access-scoped).
:func:`vectorstore` exposes the same chunks as a plain langchain-chroma ``Chroma`` store, for chains that want
dense search or LangChain's own retrievers on top.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.config import Settings, get_settings
from assistant.embeddings.base import Embedder
from assistant.retrieval.hybrid import HybridRetriever
from assistant.runtime import Runtime
from assistant.schemas import Kind, SearchFilters


class EmbedderEmbeddings(Embeddings):
    """Our embedder behind LangChain's ``Embeddings`` interface (same model, same backend, same vectors)."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_query(text)


class ProdopsRetriever(BaseRetriever):
    """Hybrid search with filters and a fixed access scope; documents carry prodops' chunk metadata."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    hybrid: HybridRetriever
    k: int = 6
    filters: SearchFilters | None = None
    scope: list[str] | None = None

    @classmethod
    def from_settings(
        cls,
        settings: Settings | None = None,
        *,
        k: int = 6,
        kinds: Sequence[str] = (),
        teams: Sequence[str] = (),
        scope: list[str] | None = None,
    ) -> ProdopsRetriever:
        """A retriever over the store ``settings`` (default: the ``PRODOPS_*`` environment) describe.

        ``scope`` is the reader's teams (None: everything, as the CLI); ``kinds``/``teams`` narrow the search.
        """
        runtime = Runtime(settings or get_settings())
        filters = SearchFilters(kinds=[Kind(k) for k in kinds], teams=list(teams)) if kinds or teams else None
        return cls(hybrid=HybridRetriever(runtime), k=k, filters=filters, scope=scope)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        hits = self.hybrid.search(query, k=self.k, filters=self.filters, scope=self.scope)
        docs = []
        for hit in hits:
            metadata: dict[str, Any] = hit.chunk.meta.model_dump(mode="json", exclude_none=True)
            metadata.update(chunk_id=hit.chunk.id, score=hit.score)
            docs.append(Document(page_content=hit.chunk.text, metadata=metadata, id=hit.chunk.id))
        return docs


def vectorstore(runtime: Runtime) -> Any:
    """The runtime's chunks as a langchain-chroma ``Chroma`` vector store (dense search only, no access scope:
    for trusted, single-team use; chat and the API go through :class:`ProdopsRetriever`'s scoped search)."""
    return runtime.store.langchain_vectorstore(EmbedderEmbeddings(runtime.embedder))
