"""A bounded, thread-safe memo: the most recently used results of an expensive function, by key.

What a key must hold is the caller's business: everything the result depends on (a text, a store generation,
a scope), so a result can never be served for inputs it was not made from.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Memo(Generic[V]):
    """Up to ``size`` results, least recently used out first. ``make`` runs outside the lock (two threads may
    make the same result once each; both are equal)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._found: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], V]) -> V:
        with self._lock:
            if key in self._found:
                self._found.move_to_end(key)
                return self._found[key]
        value = make()
        with self._lock:
            self._found[key] = value
            while len(self._found) > self.size:
                self._found.popitem(last=False)
        return value
