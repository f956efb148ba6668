"""Eval metrics on hand-computed cases, including NaN when there is nothing to score."""

from __future__ import annotations

import math

import pytest

from evals.metrics import (
    AbstentionCase,
    abstention_accuracy,
    average,
    citation_validity,
    faithfulness,
    key_fact_coverage,
)
from evals.retrieval import mrr, ndcg_at_k, recall_at_k

NAN = math.nan


def same(actual: float, expected: float) -> bool:
    return actual == pytest.approx(expected, nan_ok=True)


@pytest.mark.parametrize(
    ("supported", "expected"),
    [([True, True, False, True], 0.75), ([False], 0.0), ([True], 1.0), ([], NAN)],
)
def test_faithfulness(supported: list[bool], expected: float) -> None:
    assert same(faithfulness(supported), expected)


@pytest.mark.parametrize(
    ("cited", "retrieved", "expected"),
    [(["a", "b", "x"], ["a", "b", "c"], 2 / 3), (["a", "a"], ["a"], 1.0), (["x"], ["a"], 0.0), ([], ["a"], NAN)],
)
def test_citation_validity(cited: list[str], retrieved: list[str], expected: float) -> None:
    assert same(citation_validity(cited, retrieved), expected)


@pytest.mark.parametrize(
    ("answer", "facts", "expected"),
    [
        ("Weekly active teams reached 1,840 in June.", ["1840", "june"], 1.0),
        ("Activation stayed near 31.0%.", ["31%", "activation"], 1.0),
        ("Revenue was $3.50 per seat.", ["3.5"], 1.0),
        ("We had 1840 teams.", ["18", "184"], 0.0),  # no match inside a longer number
        ("SSO ships in Q3.", ["SSO", "audit logs", "Q3", "SCIM"], 0.5),
        ("Anything.", [], NAN),
        ("Anything.", ["  "], NAN),
    ],
)
def test_key_fact_coverage(answer: str, facts: list[str], expected: float) -> None:
    assert same(key_fact_coverage(answer, facts), expected)


@pytest.mark.parametrize(
    ("cases", "expected"),
    [
        ([AbstentionCase(True, True), AbstentionCase(False, False)], 1.0),
        ([AbstentionCase(True, False), AbstentionCase(False, False), AbstentionCase(False, True)], 1 / 3),
        ([AbstentionCase(True, True)] * 3 + [AbstentionCase(False, True)], 0.75),  # abstaining everywhere costs
        ([], NAN),
    ],
)
def test_abstention_accuracy(cases: list[AbstentionCase], expected: float) -> None:
    assert same(abstention_accuracy(cases), expected)


@pytest.mark.parametrize(("values", "expected"), [([1.0, NAN, 0.5], 0.75), ([NAN, NAN], NAN), ([], NAN)])
def test_average_leaves_out_nan(values: list[float], expected: float) -> None:
    assert same(average(values), expected)


@pytest.mark.parametrize(
    ("retrieved", "relevant", "k", "expected"),
    [
        (["a", "b", "c", "d"], {"b", "d", "z"}, 2, 1 / 3),
        (["a", "b", "c", "d"], {"b", "d", "z"}, 4, 2 / 3),
        (["a"], {"a": 2.0, "b": 0.0}, 1, 1.0),  # grade 0 is not relevant
        (["a"], set(), 10, NAN),
    ],
)
def test_recall_at_k(retrieved: list[str], relevant: set[str] | dict[str, float], k: int, expected: float) -> None:
    assert same(recall_at_k(retrieved, relevant, k), expected)


@pytest.mark.parametrize(
    ("retrieved", "relevant", "expected"),
    [(["a", "b", "c"], {"c"}, 1 / 3), (["a", "b"], {"a", "b"}, 1.0), (["a"], {"z"}, 0.0), (["a"], set(), NAN)],
)
def test_mrr(retrieved: list[str], relevant: set[str], expected: float) -> None:
    assert same(mrr(retrieved, relevant), expected)


@pytest.mark.parametrize(
    ("retrieved", "relevance", "expected"),
    [
        (["a", "b"], {"a", "b"}, 1.0),
        # binary: relevant at rank 2 only: (1/log2 3) / (1/log2 2)
        (["x", "a"], {"a"}, 1 / math.log2(3)),
        # graded: ideal order b(3), a(1); retrieved a, b: (1 + 3/log2 3) / (3 + 1/log2 3)
        (["a", "b"], {"a": 1.0, "b": 3.0}, (1 + 3 / math.log2(3)) / (3 + 1 / math.log2(3))),
        (["x", "y"], {"a"}, 0.0),
        (["a", "a"], {"a"}, 1.0),  # a repeated id gains once
        (["a"], {}, NAN),
    ],
)
def test_ndcg_at_10(retrieved: list[str], relevance: set[str] | dict[str, float], expected: float) -> None:
    assert same(ndcg_at_k(retrieved, relevance), expected)


def test_ndcg_cut_at_k() -> None:
    retrieved = [f"d{i}" for i in range(10)] + ["rel"]
    assert ndcg_at_k(retrieved, {"rel"}, k=10) == 0.0
    assert ndcg_at_k(retrieved, {"rel"}, k=11) == pytest.approx(1 / math.log2(12))
