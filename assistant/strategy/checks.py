"""Checks a strategy draft runs on the notes it draws from: contradictions between notes, and numbers that
disagree with the metric reports.

Leaders write notes at different times and change their minds; a draft that quietly picks one side hides the
decision that still has to be made. And a note's "activation is at 38%" should not become strategy when the
metric report says 31.8%.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel

from assistant.schemas import Chunk
from assistant.store.metric_rows import MetricRowStore
from assistant.text import content_terms, humanize_metric, numbers, stem

_ANTONYMS = [
    ({"expand", "enter", "launch", "open"}, {"paus", "stop", "freez", "halt", "delay", "postpon", "no"}),
    ({"increas", "rais", "grow", "add"}, {"cut", "reduc", "lower", "decreas", "shrink"}),
    ({"hire", "hir"}, {"freez", "layoff", "cut"}),
    ({"keep", "stay"}, {"replac", "drop", "abandon", "remov"}),
]
_SALIENT = re.compile(r"\b([A-Z]{2,}|[A-Z][a-z]+(?:\s[A-Z][a-z]+)*|\d{4}|[A-Z]+-?\d+)\b")
_YEAR = re.compile(r"^(19|20)\d\d$")
_DATES = re.compile(r"\b\d{4}-\d{2}(-\d{2})?\b|\b[QH][1-4]\b|\bFY\d{2,4}\b")
_FORWARD = re.compile(r"\b(target|goal|aim|reach|by (end|the end|20\d\d|q[1-4]|h[12])|plan|will|would|could)\b", re.I)


class NoteSentence(BaseModel):
    text: str
    source: str
    chunk_id: str


class Contradiction(BaseModel):
    a: NoteSentence
    b: NoteSentence
    reason: str


def _salient(text: str) -> set[str]:
    words = {m.group(1).lower() for m in _SALIENT.finditer(text)}
    return {w for w in words if len(w) > 1}


_AFFIRM = re.compile(
    r"\b(agreed|go ahead|do it|we will|we'll|will|plan(ned)?|expand|launch|commit(ted)?|approved?|decided|yes)\b", re.I
)
_DENY = re.compile(
    r"\b(no|not|never|until|hold off|pause[ds]?|postpone[ds]?|not before|lukewarm|against|won't|don't|stop)\b|n't\b",
    re.I,
)


def _opposed(a: str, b: str) -> str | None:
    """Why two statements on one topic take opposite stances, or None."""
    a_yes, a_no = bool(_AFFIRM.search(a)), bool(_DENY.search(a))
    b_yes, b_no = bool(_AFFIRM.search(b)), bool(_DENY.search(b))
    if (a_yes and not a_no and b_no) or (b_yes and not b_no and a_no):
        return "one note commits to what the other rules out"
    sa = {stem(w) for w in re.findall(r"[A-Za-z]+", a.lower())}
    sb = {stem(w) for w in re.findall(r"[A-Za-z]+", b.lower())}
    for left, right in _ANTONYMS:
        if (sa & left and sb & right) or (sa & right and sb & left):
            return "the notes point in opposite directions"
    return None


def find_contradictions(
    statements: Sequence[tuple[str, Chunk]],
    vectors: np.ndarray,
    min_similarity: float = 0.25,
    limit: int = 5,
    max_share: float = 0.1,
) -> list[Contradiction]:
    """Pairs of statements from different notes about the same thing (similar, sharing a name, a date or an
    acronym) where one negates or reverses the other."""
    if len(statements) < 2:
        return []
    sims = vectors @ vectors.T
    salient = [_salient(text) for text, _ in statements]
    # A shared name only ties two statements to one topic if few statements mention it ("EU", not "SCIM").
    df: dict[str, int] = {}
    for names in salient:
        for name in names:
            df[name] = df.get(name, 0) + 1
    rare_limit = max(3, int(len(statements) * max_share))
    rare = [{n for n in names if df[n] <= rare_limit} for names in salient]
    found: list[tuple[float, Contradiction]] = []
    for i in range(len(statements)):
        for j in range(i + 1, len(statements)):
            (ta, ca), (tb, cb) = statements[i], statements[j]
            if ca.meta.source == cb.meta.source or sims[i, j] < min_similarity or not (rare[i] & rare[j]):
                continue
            reason = _opposed(ta, tb)
            if reason:
                a = NoteSentence(text=ta, source=ca.meta.source, chunk_id=ca.id)
                b = NoteSentence(text=tb, source=cb.meta.source, chunk_id=cb.id)
                found.append((float(sims[i, j]), Contradiction(a=a, b=b, reason=reason)))
    found.sort(key=lambda pair: -pair[0])
    seen: set[frozenset[str]] = set()
    result: list[Contradiction] = []
    for _, c in found:
        key = frozenset({c.a.source, c.b.source, *sorted(_salient(c.a.text) & _salient(c.b.text))})
        if key not in seen:
            seen.add(key)
            result.append(c)
        if len(result) == limit:
            break
    return result


def check_metric_claim(sentence: str, rows: MetricRowStore) -> str | None:
    """A reason when the sentence states a figure for a known metric that no period of its table has."""
    if _FORWARD.search(sentence):
        return None  # targets and plans state numbers that are not in any table yet
    stated = {n for n in numbers(_DATES.sub(" ", sentence)) if not _YEAR.match(n)}
    if not stated:
        return None
    terms = set(content_terms(sentence))
    named = [(metric, source, set(content_terms(humanize_metric(metric)))) for metric, source, _ in rows.metrics()]
    # The most specific metric the sentence names wins: "weekly active teams" over "active teams".
    for metric, source, name_terms in sorted(named, key=lambda m: (-len(m[2]), m[0], m[1])):
        if not name_terms or not name_terms <= terms:
            continue
        values = [v for *_, v in rows.series(metric, source)]
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
