"""Filtered dense retrieval at about the cost of unfiltered retrieval.

Chroma's ``where`` query evaluates the metadata filter over the whole collection before searching: at 50k chunks
a kind + team + scope filter took ~250 ms against ~9 ms unfiltered, while the nearest 1,000 ids alone (no
documents, no metadata) take ~10 ms. So a filtered query here:

1. over-fetches the nearest ids unfiltered: ``n`` times the first factor in :data:`OVERFETCH` (four times that
   when more than the scope filters), then, if too few pass, as many as the pass rate seen suggests, up to
   ``n`` times the last factor;
2. screens them by primary key in the lexical index's metadata table (:meth:`LexicalIndex.screen`), keeping
   the best ``n`` that pass: exactly the top ``n`` of a filtered query whenever ``n`` pass in the window;
3. reads those chunks from Chroma and re-checks each against the same ``where`` clause (:func:`where_matches`)
   on the chunk's fields as Chroma returns them, because the lexical index is a derived cache and may be out
   of step with Chroma.

A filter too narrow for the widest window (fewer than ``n`` pass in it) is answered the other way round: the
index lists every passing id (at most :data:`NARROW_LIMIT`) and Chroma searches only those ids, again re-checked.

Whenever that cannot be exact it falls back to Chroma's filtered query: an id in the window the index does not
know, a chunk whose Chroma metadata fails the re-check, an index holding a different number of chunks than the
store (a narrow search could miss one), or too many passing ids. So the access scope holds on every path: a
returned chunk passed the ``where`` clause here, on the fields Chroma returned with it (the fallback's answers
are re-checked too: see :meth:`FilteredDense._fallback`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assistant.schemas import Chunk, SearchFilters
from assistant.store.filters import chroma_where, where_matches

if TYPE_CHECKING:
    from assistant.store.chroma import ChunkStore
    from assistant.store.chunk_cache import StoredVectors
    from assistant.store.lexical import LexicalIndex

log = logging.getLogger("prodops.retrieval")

FALLBACK_NOTE = "filtered dense query through Chroma"  # logged at DEBUG on each fallback, with the reason
OVERFETCH: tuple[int, int] = (4, 32)  # first window, widest window (times n); a 1-in-12 filter needs ~12x
NARROW_LIMIT = 5000  # passing ids handed to Chroma's search by id (~15 ms for 4,000 at 50k chunks)


@dataclass(frozen=True)
class _Screened:
    picked: list[tuple[str, float]]  # (id, similarity) passing by the lexical index, best first


class FilteredDense:
    """Dense candidates for one query vector under any number of filter sets (the main query and the intent
    boosts share one over-fetched ranking). Not thread-safe: make one per search."""

    def __init__(
        self,
        store: ChunkStore,
        lexical: LexicalIndex,
        vector: Sequence[float],
        overfetch: tuple[int, int] = OVERFETCH,
        min_window: int = 0,
    ) -> None:
        self.store = store
        self.min_window = min_window  # the window a caller will read anyway: the first fetch takes at least it
        self.lexical = lexical
        self.vector = list(vector)
        self.overfetch = overfetch
        self.fallbacks = 0  # how many top() calls needed Chroma's filtered query
        self.vectors: StoredVectors = {}  # stored vectors of every chunk returned, read with it
        self._ranked: list[tuple[str, float]] = []
        self._asked = 0  # the ``k`` _ranked was fetched with; fewer came back only if the store holds no more

    def top(self, n: int, filters: SearchFilters, scope: list[str] | None) -> list[tuple[Chunk, float]]:
        """The best ``n`` chunks passing ``filters`` and readable with ``scope``, as (chunk, similarity)."""
        where = chroma_where(filters, scope)
        if n <= 0 or where is None:
            return self.store.query(self.vector, n, where=where, vectors=self.vectors)
        found = self._search(n, filters, scope, where)
        return found if isinstance(found, list) else self._verified(found.picked, n, where)

    def screened(self, n: int, filters: SearchFilters, scope: list[str] | None) -> list[tuple[str, float]] | None:
        """The best ``n`` ids by the lexical index's verdicts, unread: a caller that reads the chunks it keeps
        anyway (and re-checks them on Chroma's fields, as :class:`HybridRetriever` does) saves a read. None when
        the window cannot answer (narrow filter or stale index). With no filter the window's first ``n`` are it."""
        where = chroma_where(filters, scope)
        if n <= 0:
            return None
        if where is None:
            return self.window(n)
        found = self._search(n, filters, scope, where)
        return None if isinstance(found, list) else found.picked

    def _search(
        self, n: int, filters: SearchFilters, scope: list[str] | None, where: dict[str, Any]
    ) -> _Screened | list[tuple[Chunk, float]]:
        """The window's passing ids, or, when the window cannot answer, the chunks another path found."""
        verdicts: dict[str, bool] = {}
        widest = n * self.overfetch[-1]
        # Scope alone passes most chunks (most are readable by everyone); a kind, team or other filter usually
        # keeps a fraction, so it starts four times wider rather than pay for a second query nearly every time.
        narrowing = chroma_where(filters, None) is not None
        size = min(widest, n * self.overfetch[0] * (4 if narrowing else 1))
        while True:
            ranked, complete = self._window(size)
            verdicts.update(self.lexical.screen([i for i, _ in ranked if i not in verdicts], filters, scope))
            picked: list[tuple[str, float]] = []
            for chunk_id, similarity in ranked:
                if len(picked) == n:
                    break
                if chunk_id not in verdicts:  # not indexed yet (or any more): its verdict is unknown
                    return self._fallback(n, where, f"{chunk_id} is not in the lexical index")
                if verdicts[chunk_id]:
                    picked.append((chunk_id, similarity))
            if len(picked) == n or complete:
                return _Screened(picked)
            if size >= widest:
                return self._narrow(n, filters, scope, where)
            # Widen to what the pass rate seen so far needs, with half again for luck (one more query, usually).
            rate = len(picked) / len(ranked)
            size = widest if rate == 0 else min(widest, max(size * 2, math.ceil(1.5 * n / rate)))

    def _narrow(
        self, n: int, filters: SearchFilters, scope: list[str] | None, where: dict[str, Any]
    ) -> list[tuple[Chunk, float]]:
        """A filter too narrow for the window: every passing id from the index, searched by id in Chroma."""
        ids, indexed = self.lexical.passing(filters, scope, NARROW_LIMIT + 1)
        if len(ids) > NARROW_LIMIT:
            return self._fallback(n, where, f"more than {NARROW_LIMIT} pass, yet fewer than {n} near the query")
        if indexed != self.store.count():  # the index lags the store: a passing chunk may be missing from it
            return self._fallback(n, where, f"the lexical index holds {indexed} chunks, the store another number")
        found = self.store.query(self.vector, n, ids=ids, vectors=self.vectors)
        if not all(where_matches(where, self.store.chroma_fields(c)) for c, _ in found):
            return self._fallback(n, where, "the lexical index disagrees with Chroma's metadata")
        return found

    def window(self, size: int) -> list[tuple[str, float]]:
        """The nearest ``size`` ids, unfiltered, as (id, similarity): the one ranking every filter set of a search
        is read from (fetched once per width; :meth:`top` has usually fetched it already)."""
        return self._window(size)[0]

    def _window(self, size: int) -> tuple[list[tuple[str, float]], bool]:
        """The nearest ``size`` ids, and whether they are every chunk in the store; fetched once per width (at
        least ``min_window`` wide, so a caller's later, wider read costs no second query)."""
        if size > self._asked:
            wide = max(size, self.min_window)
            self._ranked, self._asked = self.store.nearest_ids(self.vector, wide), wide
        return self._ranked[:size], len(self._ranked) < self._asked and size >= len(self._ranked)

    def _verified(self, picked: list[tuple[str, float]], n: int, where: dict[str, Any]) -> list[tuple[Chunk, float]]:
        similarity = dict(picked)
        chunks = self.store.get_chunks([i for i, _ in picked], self.vectors)
        if len(chunks) != len(picked) or not all(where_matches(where, self.store.chroma_fields(c)) for c in chunks):
            return self._fallback(n, where, "the lexical index disagrees with Chroma's metadata")
        return [(c, similarity[c.id]) for c in chunks]

    def _fallback(self, n: int, where: dict[str, Any], why: str) -> list[tuple[Chunk, float]]:
        log.debug("%s: %s", FALLBACK_NOTE, why)
        self.fallbacks += 1
        found = self.store.query(self.vector, n, where=where, vectors=self.vectors)
        # Chroma's update merges metadata, so a chunk whose visibility was narrowed in place keeps its old
        # ``vis_<team>`` flags and Chroma's own filter still passes it; judged on the chunk's visibility it fails.
        return [(c, s) for c, s in found if where_matches(where, self.store.chroma_fields(c))]
