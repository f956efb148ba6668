"""Hybrid retrieval (dense + BM25, one fuse()), intents, abstention and the LangChain retriever."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.lazy import lazy_exports

if TYPE_CHECKING:
    from assistant.retrieval.abstention import unknown_names
    from assistant.retrieval.hybrid import HybridRetriever, fuse, mmr
    from assistant.retrieval.langchain import ProdopsRetriever

__getattr__ = lazy_exports(
    __name__,
    {
        "HybridRetriever": "hybrid",
        "fuse": "hybrid",
        "mmr": "hybrid",
        "unknown_names": "abstention",
        "ProdopsRetriever": "langchain",
    },
)
__all__ = ["HybridRetriever", "ProdopsRetriever", "fuse", "mmr", "unknown_names"]
