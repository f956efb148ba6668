"""prodops' hybrid retriever as a LangChain ``BaseRetriever``, for users who build their own chains."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.retrieval.hybrid import HybridRetriever
from assistant.schemas import SearchFilters


class ProdopsRetriever(BaseRetriever):
    """Hybrid search with filters and a fixed access scope; documents carry prodops' chunk metadata."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    hybrid: HybridRetriever
    k: int = 6
    filters: SearchFilters | None = None
    scope: list[str] | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        hits = self.hybrid.search(query, k=self.k, filters=self.filters, scope=self.scope)
        docs = []
        for hit in hits:
            metadata: dict[str, Any] = hit.chunk.meta.model_dump(mode="json", exclude_none=True)
            metadata.update(chunk_id=hit.chunk.id, score=hit.score)
            docs.append(Document(page_content=hit.chunk.text, metadata=metadata, id=hit.chunk.id))
        return docs
