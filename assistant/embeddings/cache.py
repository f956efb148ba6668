"""Sentence vectors kept between requests: the extractive answer embeds a few dozen candidate sentences per
question, and the same passages answer many questions, so each sentence is embedded once per process.

Bounded (least recently used out first) and thread-safe; misses of one call are embedded in one batch. Only
document texts go through it: a question is embedded as a query, and its asks rarely repeat.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence

Encode = Callable[[list[str]], list[list[float]]]


class VectorCache:
    def __init__(self, encode: Encode, size: int = 20000) -> None:
        self._encode = encode
        self.size = size
        self._vectors: OrderedDict[str, list[float]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def __call__(self, texts: Sequence[str]) -> list[list[float]]:
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
