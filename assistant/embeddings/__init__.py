"""Text embedders behind one protocol: MiniLM on torch (default) and ONNX Runtime."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.lazy import lazy_exports

if TYPE_CHECKING:
    from assistant.embeddings.base import Embedder
    from assistant.embeddings.minilm import MODEL_NAME, SentenceTransformerEmbedder, get_embedder
    from assistant.embeddings.onnx import OnnxEmbedder

__getattr__ = lazy_exports(
    __name__,
    {
        "Embedder": "base",
        "MODEL_NAME": "minilm",
        "SentenceTransformerEmbedder": "minilm",
        "get_embedder": "minilm",
        "OnnxEmbedder": "onnx",
    },
)
__all__ = ["Embedder", "MODEL_NAME", "OnnxEmbedder", "SentenceTransformerEmbedder", "get_embedder"]
