"""Which themes come first: many people, about one nameable thing, more alike than chance.

Breadth alone (the effective number of people behind a theme) puts talk everybody does first: "learning",
"decisions", "asking questions" are said by every guest and cluster loosely, while the subjects a researcher
reports (roadmaps, OKRs, user research) are raised by fewer people, in turns that resemble each other. So a
theme's breadth is weighed by its *specificity*, the product of two measures read from the corpus itself (no
word lists, so any company's interviews work the same way):

* ownership of its keyword: for the best of its top keywords, the geometric mean of the share of the theme's
  turns that say it and the share of all turns saying it that the theme holds (a word said everywhere is owned
  by no theme);
* cohesion beyond chance: the mean resultant length of the theme's unit turn vectors minus what a random group
  of the same size from the same corpus would have (small groups look tight by chance, a corpus of one register
  makes every group look tight).

A group whose turns come, in effect, from fewer than two people is not a recurring theme and ranks last.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict

from assistant.text import content_terms, stem


class Ranked(Protocol):
    """What ranking reads of a theme (:class:`assistant.themes.report.Theme` has these)."""

    breadth: float
    specificity: float
    focus: float
    customers: int
    label: str

MIN_BREADTH = 2.0  # effective people for a group to rank as a theme
_TOP_KEYWORDS = 3


class Background(BaseModel):
    """What a random group of turns looks like: turns saying each word, and how aligned all turns are."""

    model_config = ConfigDict(frozen=True)
    turns: int
    said_in: dict[str, int]
    resultant: float  # length of the mean unit vector over all turns

    @classmethod
    def of(cls, texts: Sequence[str], vectors: np.ndarray) -> Background:
        said: Counter[str] = Counter()
        for text in texts:
            said.update(set(content_terms(text)))
        unit = _unit(vectors)
        resultant = float(np.linalg.norm(unit.mean(axis=0))) if len(unit) else 0.0
        return cls(turns=len(texts), said_in=dict(said), resultant=resultant)


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)


def ownership(texts: Sequence[str], keywords: Sequence[str], background: Background) -> float:
    """max over the top keywords of sqrt(P(keyword | theme) * P(theme | keyword))."""
    said = [set(content_terms(t)) for t in texts]
    best = 0.0
    for keyword in keywords[:_TOP_KEYWORDS]:
        word = stem(keyword)
        inside = sum(word in s for s in said)
        overall = background.said_in.get(word, 0)
        if inside and overall and said:
            best = max(best, math.sqrt(inside / len(said) * min(1.0, inside / overall)))
    return best


def cohesion_beyond_chance(vectors: np.ndarray, background: Background) -> float:
    """Mean resultant length of the group minus its expectation for a random group of that size (>= 0)."""
    n = len(vectors)
    if n == 0:
        return 0.0
    observed = float(np.linalg.norm(_unit(vectors).mean(axis=0)))
    base = background.resultant
    expected = math.sqrt(base**2 + (1 - base**2) / n)
    return max(observed - expected, 0.0)


def specificity(texts: Sequence[str], vectors: np.ndarray, keywords: Sequence[str], background: Background) -> float:
    return ownership(texts, keywords, background) * cohesion_beyond_chance(vectors, background)


def rank_key(theme: Ranked) -> tuple[float, float, int, str]:
    """Sort key: recurring themes by breadth x specificity; ties (tiny corpora, where chance explains every
    group) by breadth x focus, then customers and label, so the order is deterministic."""
    recurring = theme.breadth >= MIN_BREADTH
    return (-(theme.breadth * theme.specificity if recurring else 0.0), -theme.breadth * theme.focus,
            -theme.customers, theme.label)
