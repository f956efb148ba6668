"""Filtered dense retrieval without Chroma's slow ``where`` query, and the access scope on every path it takes.

The store is built so that the query's nearest neighbours are all out of the caller's scope (another team's
chunks), with in-scope chunks of mixed kinds further away. Every path (the over-fetched window, the narrow
search by id, Chroma's own filtered query as the fallback for a stale index) must return only in-scope chunks,
the same ones Chroma's filtered query returns, and k of them when enough exist.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import sqlite3
from collections.abc import Callable
from contextlib import closing
from typing import Any

import pytest

from assistant.access import chunk_readable
from assistant.retrieval.dense import FALLBACK_NOTE, FilteredDense
from assistant.retrieval.hybrid import HybridRetriever
from assistant.runtime import Runtime
from assistant.schemas import Chunk, ChunkMeta, Kind, SearchFilters
from assistant.store.filters import chroma_where, where_matches

DIM = 16
QUERY = [1.0] + [0.0] * (DIM - 1)
SCOPE = ["growth"]
INTERVIEWS = SearchFilters(kinds=[Kind.INTERVIEW])
DECOYS = 30  # nearest to the query, readable by platform only
READABLE = 30  # further away: growth or everyone; even ones interviews, odd ones strategy


def _vector(angle: float, axis: int) -> list[float]:
    vector = [0.0] * DIM
    vector[0], vector[axis] = math.cos(angle), math.sin(angle)
    return vector


def _chunk(i: int, team: str, visibility: list[str], kind: Kind, **extra: Any) -> Chunk:
    meta = ChunkMeta(source=f"docs/{i:02d}.md", kind=kind, title=f"doc {i}", position=0, source_hash=f"h{i}",
                     team=team, visibility=visibility, date=f"2026-{1 + i % 12:02d}-10", **extra)
    return Chunk(id=f"chunk-{i:02d}", text=f"pricing objections from customer {i}", meta=meta)


@pytest.fixture
def world(make_runtime: Callable[..., Runtime]) -> Runtime:
    """60 chunks, one source each: the 30 nearest readable by platform only, then 30 growth/everyone ones."""
    runtime = make_runtime()
    chunks, vectors = [], []
    for i in range(DECOYS):
        chunks.append(_chunk(i, "platform", ["platform"], Kind.INTERVIEW, company="Acme", segment="conversation",
                             speaker_is_participant=True))
        vectors.append(_vector(0.1 + 0.01 * i, 1 + i % (DIM - 1)))
    for j in range(READABLE):
        i = DECOYS + j
        kind = Kind.INTERVIEW if j % 2 == 0 else Kind.STRATEGY
        extra: dict[str, Any] = {"company": "Globex", "segment": "intro" if j % 3 == 0 else "conversation",
                                 "speaker_is_participant": j % 4 == 0} if kind is Kind.INTERVIEW else {}
        chunks.append(_chunk(i, "growth" if j % 3 else "enterprise", ["growth"] if j % 2 else ["everyone"], kind,
                             **extra))
        vectors.append(_vector(0.8 + 0.01 * j, 1 + j % (DIM - 1)))
    runtime.store.upsert(chunks, vectors)
    for chunk in chunks:
        runtime.lexical.replace_source(chunk.meta.source, chunk.meta.source_hash, [chunk])
    return runtime


def _chroma_ids(runtime: Runtime, n: int, filters: SearchFilters, scope: list[str] | None) -> list[str]:
    """What Chroma's own filtered query returns: the reference every fast path must equal (less any chunk whose
    visibility forbids it: Chroma's update keeps stale ``vis_`` flags, see the stale-index test)."""
    where = chroma_where(filters, scope)
    found = runtime.store.query(QUERY, n, where=where)
    return [c.id for c, _ in found if where_matches(where, c.meta.to_chroma())]


@pytest.mark.parametrize(
    ("overfetch", "n", "path"),
    [
        ((4, 32), 12, "window"),  # a kind filter starts at 16x: the whole store, 15 interviews in scope
        ((1, 8), 12, "window"),  # the first 48 hold 9 that pass: widened by the pass rate (to the whole store)
        ((1, 2), 12, "narrow"),  # the windows (24) hold only decoys: every passing id, searched by id
    ],
)
def test_filtered_dense_equals_chromas_filtered_query(
    world: Runtime, overfetch: tuple[int, int], n: int, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[dict[str, Any] | None] = []
    query = world.store.query

    def spy(vector: Any, k: int, where: dict[str, Any] | None = None, ids: Any = None, vectors: Any = None) -> Any:
        calls.append(where)
        return query(vector, k, where=where, ids=ids, vectors=vectors)

    expected = _chroma_ids(world, n, INTERVIEWS, SCOPE)
    setattr(world.store, "query", spy)  # noqa: B010 - a spy on this one store object
    with caplog.at_level(logging.DEBUG, "prodops.retrieval"):
        found = FilteredDense(world.store, world.lexical, QUERY, overfetch).top(n, INTERVIEWS, SCOPE)
    assert [c.id for c, _ in found] == expected and len(expected) == n
    assert all(chunk_readable(c, SCOPE) and c.meta.kind is Kind.INTERVIEW for c, _ in found)
    assert FALLBACK_NOTE not in caplog.text
    assert all(where is None for where in calls)  # Chroma never evaluated the filter itself
    assert (len(calls) == 1) == (path == "narrow")  # the narrow path searches by id; the window reads by id


@pytest.mark.parametrize("overfetch", [(4, 32), (1, 2)])
def test_hybrid_search_returns_k_in_scope_when_the_nearest_are_out_of_scope(
    world: Runtime, overfetch: tuple[int, int]
) -> None:
    retriever = HybridRetriever(world, candidates=12, overfetch=overfetch)
    hits = retriever.search("pricing objections", k=4, filters=INTERVIEWS, scope=SCOPE, vector=QUERY)
    assert len(hits) == 4
    assert all(chunk_readable(h.chunk, SCOPE) and h.chunk.meta.kind is Kind.INTERVIEW for h in hits)
    unfiltered = retriever.search("pricing objections", k=4, vector=QUERY)  # no scope: the decoys win
    assert all(h.chunk.meta.team == "platform" for h in unfiltered)


@pytest.mark.parametrize("overfetch", [(4, 32), (1, 2)])
def test_a_stale_index_never_lets_a_hidden_chunk_through(
    world: Runtime, overfetch: tuple[int, int], caplog: pytest.LogCaptureFixture
) -> None:
    """A readable chunk is narrowed to platform in Chroma; the lexical index still says everyone may read it, so
    the fast path cannot trust it and falls back (whose answers are re-checked on the chunk's visibility too)."""
    nearest_readable = world.store.get_chunks(["chunk-30"])[0]
    hidden = nearest_readable.model_copy(update={"meta": nearest_readable.meta.model_copy(
        update={"visibility": ["platform"]})})
    world.store.update_metadata([hidden])
    with caplog.at_level(logging.DEBUG, "prodops.retrieval"):
        found = FilteredDense(world.store, world.lexical, QUERY, overfetch).top(12, INTERVIEWS, SCOPE)
    assert FALLBACK_NOTE in caplog.text
    assert "chunk-30" not in {c.id for c, _ in world.store.query(QUERY, 12, where=chroma_where(INTERVIEWS, SCOPE))}
    assert "chunk-30" not in {c.id for c, _ in found}
    assert all(chunk_readable(c, SCOPE) for c, _ in found)
    assert [c.id for c, _ in found] == _chroma_ids(world, 12, INTERVIEWS, SCOPE)
    hits = HybridRetriever(world, candidates=12, overfetch=overfetch).search(
        "pricing objections", k=4, filters=INTERVIEWS, scope=SCOPE, vector=QUERY)
    assert "chunk-30" not in {h.chunk.id for h in hits} and len(hits) == 4


@pytest.mark.parametrize("overfetch", [(4, 32), (1, 2)])
@pytest.mark.parametrize("unindexed", [["docs/00.md", "docs/32.md"], ["docs/32.md"]])
def test_chunks_missing_from_the_index_send_the_query_to_chroma(
    world: Runtime, overfetch: tuple[int, int], unindexed: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    """A readable interview (and maybe the nearest decoy) not indexed yet: Chroma's filtered query finds it."""
    for source in unindexed:
        world.lexical.delete_source(source)
    with caplog.at_level(logging.DEBUG, "prodops.retrieval"):
        found = FilteredDense(world.store, world.lexical, QUERY, overfetch).top(12, INTERVIEWS, SCOPE)
    assert FALLBACK_NOTE in caplog.text
    assert "chunk-32" in {c.id for c, _ in found}
    assert [c.id for c, _ in found] == _chroma_ids(world, 12, INTERVIEWS, SCOPE)
    assert all(chunk_readable(c, SCOPE) for c, _ in found)


@pytest.mark.parametrize(
    "filters",
    [
        SearchFilters(),
        INTERVIEWS,
        SearchFilters(teams=["Growth"], kinds=[Kind.STRATEGY]),
        SearchFilters(companies=["globex"], customer_turns_only=True),
        SearchFilters(conversation_only=True),
        SearchFilters(date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 6, 30)),
        SearchFilters(sources=["docs/05.md", "docs/40.md"]),
    ],
)
def test_where_matches_agrees_with_chroma(world: Runtime, filters: SearchFilters) -> None:
    chunks = list(world.store.iter_chunks())
    for scope in (None, ["growth"], ["platform", "enterprise"], []):
        where = chroma_where(filters, scope)
        chroma = {c.id for c in world.store.iter_chunks(where=where)}
        assert {c.id for c in chunks if where_matches(where, c.meta.to_chroma())} == chroma, scope
        screened = world.lexical.screen([c.id for c in chunks], filters, scope)
        assert {i for i, ok in screened.items() if ok} == chroma, scope  # the SQLite side agrees too


def test_where_matches_refuses_unknown_operators() -> None:
    with pytest.raises(ValueError, match="unknown"):
        where_matches({"kind": {"$contains": "inter"}}, {"kind": "interview"})


def test_an_index_from_before_the_metadata_table_is_dropped_and_searches_stay_exact(
    world: Runtime, make_runtime: Callable[..., Runtime], caplog: pytest.LogCaptureFixture
) -> None:
    """An older lexical file (no chunk_meta) is dropped on open and refilled from Chroma's manifest (empty here:
    the chunks were written directly), so every candidate is unknown and Chroma's filtered query answers."""
    path = world.settings.lexical_path
    world.close()
    with closing(sqlite3.connect(str(path))) as db:
        db.execute("DROP TABLE chunk_meta")
        db.commit()
    reopened = make_runtime()
    assert reopened.lexical.migrated
    with caplog.at_level(logging.DEBUG, "prodops.retrieval"):
        hits = HybridRetriever(reopened, candidates=12).search(
            "pricing objections", k=4, filters=INTERVIEWS, scope=SCOPE, vector=QUERY)
    assert FALLBACK_NOTE in caplog.text
    assert len(hits) == 4 and all(chunk_readable(h.chunk, SCOPE) for h in hits)


def test_intent_boosts_cost_no_extra_query_and_still_steer(world: Runtime) -> None:
    """A question with intents (a named customer, "customers say") is answered with one dense query and one
    lexical query: each boost is read from those two lists, and it still lifts what it asks for (customer turns)
    above nearer strategy chunks, in scope."""
    calls: list[str] = []
    for store, names in ((world.store, ("query", "nearest_ids")), (world.lexical, ("search",))):
        for name in names:
            original = getattr(store, name)

            def spy(*args: Any, _original: Any = original, _name: str = name, **kwargs: Any) -> Any:
                calls.append(_name)
                return _original(*args, **kwargs)

            setattr(store, name, spy)
    question = "What do Globex customers say about pricing objections?"
    for scope in (None, SCOPE):
        calls.clear()
        boosted = HybridRetriever(world, candidates=12).search(question, k=4, scope=scope, vector=QUERY)
        assert calls.count("search") == 1
        assert calls.count("query") + calls.count("nearest_ids") == 1
        assert all(chunk_readable(h.chunk, scope) for h in boosted)

    def customer_turns(hits: list[Any]) -> int:
        return sum(bool(h.chunk.meta.speaker_is_participant) and h.chunk.meta.segment == "conversation" for h in hits)

    plain = HybridRetriever(world, candidates=12, use_intents=False).search(question, k=4, scope=SCOPE, vector=QUERY)
    assert customer_turns(boosted) > customer_turns(plain)
    assert boosted[0].chunk.meta.speaker_is_participant
