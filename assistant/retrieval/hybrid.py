"""Hybrid retrieval: dense (Chroma) and lexical (FTS5 BM25) candidates, fused, filtered, diversified.

The caller's access scope is part of both underlying queries, so a chunk the caller may not read is never a
candidate, never ranked and never returned. Filtered dense queries go through
:class:`~assistant.retrieval.dense.FilteredDense` (over-fetch unfiltered, screen ids in SQLite, re-check on
Chroma's metadata), because Chroma's own ``where`` query costs ~25x an unfiltered one. Fusion lives in one
function (:func:`fuse`) so a server-side hybrid search (distributed Chroma's sparse vectors + RRF) can replace
it without touching callers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from assistant.access import chunk_readable
from assistant.retrieval.dense import OVERFETCH, FilteredDense
from assistant.retrieval.intents import boost_filters, combine
from assistant.runtime import Runtime
from assistant.schemas import Chunk, Hit, SearchFilters
from assistant.store.chunk_cache import StoredVectors
from assistant.store.filters import chroma_where, where_matches

RRF_K = 60
BOOST_DEPTH = 4  # boosted rankings are read from the first pool x this of the dense and lexical lists


def fuse(rankings: list[list[str]], weights: list[float] | None = None, k: int = RRF_K) -> list[tuple[str, float]]:
    """Weighted reciprocal-rank fusion: sum of weight / (k + rank) over the rankings an id appears in."""
    weights = weights or [1.0] * len(rankings)
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, chunk_id in enumerate(ranking, start=1):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def mmr(query: np.ndarray, vectors: np.ndarray, relevance: list[float], k: int, lambda_: float = 0.75) -> list[int]:
    """Maximal marginal relevance over candidates already ranked by fused relevance."""
    if len(relevance) == 0:
        return []
    rel = np.asarray(relevance, dtype=float)
    rel = (rel - rel.min()) / (rel.max() - rel.min() or 1.0)
    chosen: list[int] = []
    sims = vectors @ vectors.T if len(vectors) else np.zeros((len(rel), len(rel)))
    redundancy = np.zeros(len(rel))  # each candidate's highest similarity to one chosen (kept as it grows)
    scores = lambda_ * rel
    while len(chosen) < min(k, len(rel)):
        best = int(np.argmax(scores))  # the first of equals, as in candidate order
        chosen.append(best)
        redundancy = sims[:, best] if len(chosen) == 1 else np.maximum(redundancy, sims[:, best])
        scores = lambda_ * rel - (1 - lambda_) * redundancy
        scores[chosen] = -np.inf
    return chosen


class HybridRetriever:
    """Searches one runtime's store; thread-safe, cheap to construct."""

    def __init__(
        self,
        runtime: Runtime,
        candidates: int = 40,
        lexical_weight: float = 1.0,
        use_intents: bool = True,
        intent_weight: float = 1.0,
        overfetch: tuple[int, int] = OVERFETCH,
    ) -> None:
        self.runtime = runtime
        self.candidates = candidates
        self.lexical_weight = lexical_weight
        self.use_intents = use_intents
        self.intent_weight = intent_weight
        self.overfetch = overfetch

    def _readable(
        self, fused: list[tuple[str, float]], by_id: dict[str, Chunk], where: dict[str, Any] | None,
        scope: list[str] | None, wanted: int, vectors: StoredVectors,
    ) -> tuple[list[tuple[str, float]], bool]:
        """The best ``wanted`` fused ids that still exist and pass the filters and scope on Chroma's own fields,
        reading from Chroma, with their vectors, only the chunks that can make that cut; and whether any failed
        that re-check (every candidate was screened on the lexical index, a derived cache: a failure means it
        disagrees with Chroma, and the caller takes the exact path)."""
        kept: list[tuple[str, float]] = []
        disagreed = False
        rest = fused
        while rest and len(kept) < wanted:
            batch, rest = rest[: wanted - len(kept)], rest[wanted - len(kept) :]
            by_id.update((c.id, c) for c in self.runtime.store.get_chunks([i for i, _ in batch if i not in by_id],
                                                                          vectors))
            for chunk_id, score in batch:
                chunk = by_id.get(chunk_id)
                if chunk is None:  # deleted since the index listed it
                    continue
                if chunk_readable(chunk, scope) and where_matches(where, self.runtime.store.chroma_fields(chunk)):
                    kept.append((chunk_id, score))
                else:
                    disagreed = True
        return kept, disagreed

    def _boosts(self, query: str, filters: SearchFilters) -> list[SearchFilters]:
        """The question's intent boosts, each narrowed by the caller's filters (see :mod:`.intents`)."""
        if not self.use_intents:
            return []
        narrowed = (combine(filters, b) for b in boost_filters(query, self.runtime.lexical.known_names()))
        return [n for n in narrowed if n is not None]

    def search(
        self,
        query: str,
        k: int = 8,
        filters: SearchFilters | None = None,
        scope: list[str] | None = None,
        diversify: bool = True,
        vector: Sequence[float] | None = None,
    ) -> list[Hit]:
        """The best ``k`` chunks for ``query`` that the caller (``scope``: their teams; None: all) may read.

        ``vector`` is the query's embedding when the caller computed it already (many queries in one batch).
        One dense query and one lexical query per search: each intent boost is a ranking read from those same two
        lists (the candidates passing the boost's filters, screened together in one SQLite statement), fused
        with its weight; the chunks that make the cut are read once, with their vectors (MMR reuses them)."""
        filters = filters or SearchFilters()
        vector = list(vector) if vector is not None else self.runtime.embedder.embed_query(query)
        found = self._search(query, k, filters, scope, vector, exact=False)
        if found is None:  # the lexical index disagreed with Chroma on a candidate: dense chunks read and checked
            found = self._search(query, k, filters, scope, vector, exact=True)
        assert found is not None
        hits, vectors = found
        if not diversify or len(hits) <= k:
            return hits[:k]
        missing = [h.chunk.id for h in hits if h.chunk.id not in vectors]
        if missing:  # read with the chunks as a rule; only a fallback path can leave some out
            vectors.update((i, np.asarray(v, dtype=np.float32))
                           for i, v in self.runtime.store.vectors_by_id(missing).items())
        hits = [h for h in hits if h.chunk.id in vectors]  # replaced since by a concurrent ingest: skipped
        if len(hits) <= k:
            return hits
        matrix = np.asarray([vectors[h.chunk.id] for h in hits], dtype=float)
        order = mmr(np.asarray(vector), matrix, [h.score for h in hits], k)
        return [hits[i] for i in order]

    def _search(self, query: str, k: int, filters: SearchFilters, scope: list[str] | None, vector: list[float],
                exact: bool) -> tuple[list[Hit], StoredVectors] | None:
        """Fused candidates (up to 3k) and the vectors read with them, or None when a screened candidate failed
        the re-check on Chroma's fields and the search was not ``exact`` (dense chunks read and checked by
        :meth:`FilteredDense.top`)."""
        pool = max(self.candidates, k * 3)
        boosts = self._boosts(query, filters)
        depth = pool * BOOST_DEPTH if boosts else pool
        candidates = FilteredDense(self.runtime.store, self.runtime.lexical, vector, self.overfetch, min_window=depth)
        screened = None if exact else candidates.screened(pool, filters, scope)
        dense = candidates.top(pool, filters, scope) if screened is None else []
        dense_pairs = screened if screened is not None else [(c.id, s) for c, s in dense]
        lexical_ids = [i for i, _ in self.runtime.lexical.search(query, depth, filters, scope)]
        dense_ids = [i for i, _ in dense_pairs]
        rankings, weights = [dense_ids, lexical_ids[:pool]], [1.0, self.lexical_weight]
        similarity = dict(dense_pairs)
        if boosts:
            window = candidates.window(depth)
            similarity = dict(window) | similarity
            deep_dense = [i for i, _ in window]
            passed = self.runtime.lexical.screen_many(list(dict.fromkeys(deep_dense + lexical_ids)), boosts, scope)
            for n in range(len(boosts)):
                ranked = [[i for i in ids if passed.get(i, 0) >> n & 1][: k * 2]
                          for ids in (deep_dense, lexical_ids)]
                rankings.append([i for i, _ in fuse(ranked)])
                weights.append(self.intent_weight)
        by_id = {c.id: c for c, _ in dense}
        fused, disagreed = self._readable(fuse(rankings, weights), by_id, chroma_where(filters, scope), scope,
                                          max(k * 3, k), candidates.vectors)
        if disagreed and not exact:
            return None
        dense_rank = {i: r for r, i in enumerate(dense_ids, start=1)}
        lexical_rank = {i: r for r, i in enumerate(lexical_ids[:pool], start=1)}
        hits = [
            Hit(
                chunk=by_id[i],
                score=s,
                similarity=similarity.get(i),
                dense_rank=dense_rank.get(i),
                lexical_rank=lexical_rank.get(i),
            )
            for i, s in fused
        ]
        return hits, candidates.vectors
