"""Texts through the model once per process: a bounded (least recently used out first), thread-safe cache in
front of any batch encoder, whose misses in one call are encoded in one batch.

The extractive answer embeds a few dozen candidate sentences per question and the same passages answer many
questions; the grounding checker encodes the same cited chunk for every sentence citing it. Only document
texts go through it: a question is embedded as a query, and its asks rarely repeat.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


class EncodingCache(Generic[T]):
    """``encode`` (texts -> one encoding each), remembered for the ``size`` most recently used texts."""

    def __init__(self, encode: Callable[[list[str]], list[T]], size: int = 20000) -> None:
        self._encode = encode
        self.size = size
        self._vectors: OrderedDict[str, T] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def __call__(self, texts: Sequence[str]) -> list[T]:
        with self._lock:
            todo = [t for t in dict.fromkeys(texts) if t not in self._vectors]
            self.misses += len(todo)
            self.hits += len(texts) - len(todo)
        fresh = self._encode(todo) if todo else []
        with self._lock:
            self._vectors.update(zip(todo, fresh, strict=True))
            found = {t: self._vectors[t] for t in texts}
            for text in found:
                self._vectors.move_to_end(text)
            while len(self._vectors) > max(self.size, len(found)):
                self._vectors.popitem(last=False)
        return [found[t] for t in texts]


VectorCache = EncodingCache[list[float]]  # sentence vectors (the extractive answer's candidates)


class QuestionVectors(EncodingCache[list[float]]):
    """Question-side vectors for the extractive answer: the one retrieval just computed for a question is reused
    (:meth:`remember`), and the other question texts (the parts of a compound question) are embedded through
    the query path, together (traced and micro-batched, see :mod:`assistant.embeddings.batching`).

    Why: the answer compares the question with candidate sentences, and it used to embed the question again as a
    document, through sentence-transformers under the document lock, once per new question (a benchmark that
    repeats its questions never saw it, since the document cache answered). Only the synthesizer reads what is
    remembered here: retrieval always embeds its question itself. A vector depends only on the text and the
    model, so a remembered one is the one the query path would give; parts it embedded are remembered too, among
    the last ``size`` texts. An :class:`EncodingCache` that retrieval also writes into.
    """

    def __init__(self, embed_queries: Callable[[list[str]], list[list[float]]], size: int = 256) -> None:
        super().__init__(embed_queries, size)  # several texts in one pass

    def remember(self, text: str, vector: Sequence[float]) -> None:
        with self._lock:
            self._vectors[text] = list(vector)
            self._vectors.move_to_end(text)
            while len(self._vectors) > self.size:
                self._vectors.popitem(last=False)
