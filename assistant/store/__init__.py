"""Storage: Chroma (the only chromadb importer), the FTS5 lexical index, metric rows, conversations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.lazy import lazy_exports

if TYPE_CHECKING:
    from assistant.store.chroma import ChunkStore
    from assistant.store.conversations import Conversation, ConversationStore, Message
    from assistant.store.lexical import LexicalIndex
    from assistant.store.metric_rows import MetricRowStore

__getattr__ = lazy_exports(
    __name__,
    {
        "ChunkStore": "chroma",
        "LexicalIndex": "lexical",
        "MetricRowStore": "metric_rows",
        "Conversation": "conversations",
        "ConversationStore": "conversations",
        "Message": "conversations",
    },
)
__all__ = ["ChunkStore", "Conversation", "ConversationStore", "LexicalIndex", "Message", "MetricRowStore"]
