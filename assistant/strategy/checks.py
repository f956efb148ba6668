"""Figures in notes checked against the metric reports.

A note's "activation is at 38%" should not become strategy when the metric report says 31.8%. The metric
names and series are read once per draft (:class:`MetricClaims`), not once per sentence, so checking every
sentence of a few hundred notes costs no more than reading the tables. Contradictions between notes live in
:mod:`assistant.strategy.contradictions` (re-exported here for callers of the old module).
"""

from __future__ import annotations

import re

from assistant.store.metric_rows import MetricRowStore
from assistant.strategy.contradictions import Contradiction, NoteSentence, find_contradictions
from assistant.text import content_terms, humanize_metric, numbers

__all__ = ["Contradiction", "MetricClaims", "NoteSentence", "check_metric_claim", "find_contradictions"]

_YEAR = re.compile(r"^(19|20)\d\d$")
_DATES = re.compile(r"\b\d{4}-\d{2}(-\d{2})?\b|\b[QH][1-4]\b|\bFY\d{2,4}\b")
_FORWARD = re.compile(r"\b(target|goal|aim|reach|by (end|the end|20\d\d|q[1-4]|h[12])|plan|will|would|could)\b", re.I)


class MetricClaims:
    """The stored metric series, read once, and the check of a sentence's figures against them."""

    def __init__(self, rows: MetricRowStore) -> None:
        named = [(metric, source, set(content_terms(humanize_metric(metric)))) for metric, source, _ in rows.metrics()]
        # The most specific metric the sentence names wins: "weekly active teams" over "active teams".
        self._named = sorted((m for m in named if m[2]), key=lambda m: (-len(m[2]), m[0], m[1]))
        self._rows = rows
        self._values: dict[tuple[str, str], list[float]] = {}

    def _series(self, metric: str, source: str) -> list[float]:
        if (metric, source) not in self._values:
            self._values[(metric, source)] = [v for *_, v in self._rows.series(metric, source)]
        return self._values[(metric, source)]

    def check(self, sentence: str) -> str | None:
        """A reason when the sentence states a figure for a known metric that no period of its table has."""
        if not self._named or _FORWARD.search(sentence):
            return None  # targets and plans state numbers that are not in any table yet
        stated = {n for n in numbers(_DATES.sub(" ", sentence)) if not _YEAR.match(n)}
        if not stated:
            return None
        terms = set(content_terms(sentence))
        for metric, source, name_terms in self._named:
            if not name_terms <= terms:
                continue
            values = self._series(metric, source)
            candidates = [float(n) for n in stated]
            if any(
                abs(c - v) <= max(abs(v) * 0.005, 1e-9) or abs(c / 100 - v) <= max(abs(v) * 0.005, 1e-9)
                for c in candidates
                for v in values
            ):
                return None
            shown = ", ".join(sorted(stated))
            return f"{shown} matches no value of {metric} in {source}; check the figure against the report"
        return None


def check_metric_claim(sentence: str, rows: MetricRowStore) -> str | None:
    """One-off form of :meth:`MetricClaims.check` (reads the tables each call)."""
    return MetricClaims(rows).check(sentence)
