"""Hybrid retrieval: fusion, filters, access scope, MMR and the LangChain retriever."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from assistant.retrieval.hybrid import HybridRetriever, fuse, mmr
from assistant.runtime import Runtime
from assistant.schemas import Kind, SearchFilters
from ingest.pipeline import ingest_paths
from tests.workspaces import make_workspace


@pytest.mark.parametrize(
    ("rankings", "weights", "expected_order"),
    [
        ([["a", "b", "c"], ["c", "b", "a"]], None, ["a", "c", "b"]),  # 1/61 + 1/63 > 2/62; a/c tie by id
        ([["a", "b"], ["b"]], None, ["b", "a"]),
        ([["a", "b"], ["b"]], [1.0, 0.0], ["a", "b"]),  # a zero weight silences a ranking
        ([[], ["x"]], None, ["x"]),
    ],
)
def test_fuse_is_weighted_reciprocal_rank(rankings, weights, expected_order) -> None:  # type: ignore[no-untyped-def]
    fused = fuse(rankings, weights)
    assert [i for i, _ in fused] == expected_order
    assert fused[0][1] == pytest.approx(
        sum((weights or [1.0] * len(rankings))[j] / (60 + r.index(fused[0][0]) + 1)
            for j, r in enumerate(rankings) if fused[0][0] in r)
    )


def test_mmr_skips_near_duplicates() -> None:
    vectors = np.array([[1.0, 0.0], [0.999, 0.04], [0.0, 1.0]])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    assert mmr(np.array([1.0, 0.0]), vectors, [1.0, 0.95, 0.5], 2, lambda_=0.5) == [0, 2]


def _mmr_by_definition(vectors: np.ndarray, relevance: list[float], k: int, lambda_: float) -> list[int]:
    """Each step: the unchosen candidate with the best lambda * relevance - (1 - lambda) * (its highest similarity
    to one already chosen), the first of equals in candidate order."""
    rel = np.asarray(relevance)
    rel = (rel - rel.min()) / (rel.max() - rel.min() or 1.0)
    chosen: list[int] = []
    while len(chosen) < min(k, len(rel)):
        def score(i: int) -> float:
            redundancy = max((float(vectors[i] @ vectors[c]) for c in chosen), default=0.0)
            return float(lambda_ * rel[i] - (1 - lambda_) * redundancy)
        open_ = [i for i in range(len(rel)) if i not in chosen]
        chosen.append(max(open_, key=lambda i: (score(i), -i)))
    return chosen


@pytest.mark.parametrize("seed", range(6))
def test_mmr_follows_its_definition_with_ties_and_dissimilar_candidates(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 3 + seed * 5
    vectors = np.round(rng.standard_normal((n, 6)), 1)  # rounded: equal scores happen; negative similarities too
    relevance = list(np.round(rng.random(n), 1))
    for k in (1, 4, n + 2):
        assert mmr(np.zeros(6), vectors, relevance, k, 0.6) == _mmr_by_definition(vectors, relevance, k, 0.6)


@pytest.fixture
def tiny(tmp_path: Path, make_runtime: Callable[..., Runtime]) -> Runtime:
    runtime = make_runtime()
    ws = make_workspace(tmp_path / "ws")
    secret = ws / "notes"
    secret.mkdir()
    (secret / "deal.md").write_text(
        "---\nkind: note\ntitle: Confidential deal desk\nteam: enterprise\ndate: 2026-10-01\n"
        "visibility: [enterprise]\n---\nThe Zephyr Mining contract is worth 1.2 million dollars over three years.\n"
    )
    ingest_paths(runtime, [ws], show_progress=False)
    return runtime


def test_hybrid_finds_exact_terms_and_meaning(tiny: Runtime) -> None:
    retriever = HybridRetriever(tiny)
    top = retriever.search("SCIM", k=3)[0]
    assert top.chunk.meta.source == "interviews/delta.md" and top.lexical_rank == 1
    meaning = retriever.search("creating user logins manually is slow", k=3)
    assert meaning[0].chunk.meta.source == "interviews/delta.md"


def test_filters_kind_team_dates(tiny: Runtime) -> None:
    retriever = HybridRetriever(tiny)
    assert {h.chunk.meta.kind for h in retriever.search("teams", k=10, filters=SearchFilters(kinds=[Kind.METRICS]))} \
        == {Kind.METRICS}
    assert {h.chunk.meta.team for h in retriever.search("SSO", k=10, filters=SearchFilters(teams=["growth"]))} \
        == {"growth"}
    late = retriever.search("anything", k=10, filters=SearchFilters(date_from=dt.date(2026, 9, 1)))
    assert late and all(h.chunk.meta.date and h.chunk.meta.date >= "2026-09-01" for h in late)
    customers = retriever.search("report", k=10, filters=SearchFilters(customer_turns_only=True))
    assert customers and all(h.chunk.meta.speaker == "Rosa Vega" for h in customers)


def test_scope_hides_other_teams_documents(tiny: Runtime) -> None:
    retriever = HybridRetriever(tiny)
    query = "Zephyr Mining contract value"
    assert retriever.search(query, k=3, scope=["enterprise"])[0].chunk.meta.source == "notes/deal.md"
    assert retriever.search(query, k=3, scope=None)[0].chunk.meta.source == "notes/deal.md"
    outsider = retriever.search(query, k=50, scope=["growth"])
    assert outsider and all(h.chunk.meta.source != "notes/deal.md" for h in outsider)


def test_langchain_retriever(tiny: Runtime) -> None:
    from assistant.retrieval.langchain import ProdopsRetriever

    retriever = ProdopsRetriever(hybrid=HybridRetriever(tiny), k=2, scope=["growth"])
    docs = retriever.invoke("Zephyr Mining contract and SCIM")
    assert 0 < len(docs) <= 2
    assert all(d.metadata["source"] != "notes/deal.md" for d in docs)
    assert {"chunk_id", "source", "kind", "score"} <= set(docs[0].metadata)
