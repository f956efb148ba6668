"""Retrieval metrics: recall@k, MRR and nDCG@k, per query; NaN when a query has no relevant document.

Relevance is either a collection of relevant ids (binary) or a mapping id -> grade (graded; 0 means not
relevant). nDCG uses linear gain, ``grade / log2(rank + 1)``, as trec_eval and BEIR do, so numbers are
comparable with published BEIR tables. Average over queries with ``evals.metrics.average``.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence

Relevance = Collection[str] | Mapping[str, float]


def _grades(relevance: Relevance) -> dict[str, float]:
    if isinstance(relevance, Mapping):
        return {doc: float(grade) for doc, grade in relevance.items() if grade > 0}
    return dict.fromkeys(relevance, 1.0)


def recall_at_k(retrieved: Sequence[str], relevance: Relevance, k: int) -> float:
    """Relevant ids in the top ``k`` / relevant ids.

    Why: what the synthesizer never sees it cannot cite; recall at the synthesizer's k bounds answer quality.
    """
    relevant = _grades(relevance)
    if not relevant:
        return math.nan
    return len(set(retrieved[:k]) & relevant.keys()) / len(relevant)


def mrr(retrieved: Sequence[str], relevance: Relevance) -> float:
    """1 / rank of the first relevant id (0 when none is retrieved).

    Why: chat answers lean on the top hits; this says how far down the first useful one is.
    """
    relevant = _grades(relevance)
    if not relevant:
        return math.nan
    return next((1.0 / rank for rank, doc in enumerate(retrieved, start=1) if doc in relevant), 0.0)


def ndcg_at_k(retrieved: Sequence[str], relevance: Relevance, k: int = 10) -> float:
    """DCG of the top ``k`` over the best possible DCG (graded or binary relevance).

    Why: rewards putting the most relevant documents first, the standard BEIR measure (nDCG@10).
    """
    grades = _grades(relevance)
    if not grades:
        return math.nan
    # Step 1: gain of what was retrieved, discounted by rank (each id counted once).
    seen: set[str] = set()
    dcg = 0.0
    for rank, doc in enumerate(retrieved[:k], start=1):
        if doc in grades and doc not in seen:
            dcg += grades[doc] / math.log2(rank + 1)
        seen.add(doc)
    # Step 2: the ideal ranking's gain.
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(rank + 1) for rank, g in enumerate(ideal, start=1))
    return dcg / idcg
