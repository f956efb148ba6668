"""Which table series a question is about: names, categories, granularity, meaning and retrieval, weighed.

A question rarely spells a column name: "signups from organic search" is the ``organic_search`` row of a
long table, "teammates actively posting" is ``active_team_members``, "the weekly blog report" is the weekly
file rather than the monthly one. Each series is scored on the words of its name (IDF-weighted over all
series, so a word every table shares decides nothing), its report's title and file name, its categories, its
granularity against the one asked for, the similarity of a short description to the question (MiniLM), and
whether retrieval ranked its report highly. The best series wins; a near tie on the same measure is named.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from functools import lru_cache
from pathlib import PurePosixPath

import numpy as np
from pydantic import BaseModel, Field

from assistant.embeddings.base import Embedder
from assistant.metrics.asking import MetricAsk
from assistant.metrics.series import SeriesInfo
from assistant.text import content_terms, humanize_metric, term_in

_DESCRIPTIONS: dict[str, np.ndarray] = {}
_MEASURE = re.compile(r"\b(most|highest|best|biggest|largest|peak|top|record|maximum|least|lowest|worst|weakest|"
                      r"smallest|fewest|minimum|number of|how many|how much|count of|total)\b", re.I)
_QUANTITY_WORDS = frozenset({"number", "amount", "count", "total", "valu", "level", "volum", "figur", "singl"})
_TIME_WORDS = frozenset({"week", "weekli", "month", "monthli", "quarter", "year", "day", "daili",
                         "singl", "ever", "period"})


class Resolved(BaseModel):
    """The chosen series, the categories the question names in it, and how sure the choice is."""

    series: SeriesInfo
    categories: list[str] = Field(default_factory=list)
    foreign: list[str] = Field(default_factory=list, description="Categories named that only other series have.")
    name_coverage: float
    similarity: float
    score: float
    retrieved_rank: int | None = None
    alternatives: list[SeriesInfo] = Field(default_factory=list)


@lru_cache(maxsize=16384)
def words_of(text: str) -> frozenset[str]:
    """A name's content terms, camelCase and snake_case split. Remembered: every question scores every series
    of the catalogue by the words of its label, metric, title and file name, which rarely change."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text)
    return frozenset(content_terms(re.sub(r"[_./-]+", " ", spaced)))


def description(series: SeriesInfo) -> str:
    """What the series is, in words: embedded once per series to compare with questions."""
    parts = [f"{series.label} ({series.metric})", f"{series.granularity} series" if series.granularity else "",
             f"from {series.title}", humanize_metric(PurePosixPath(series.source).stem)]
    if series.categories:
        parts.append("by " + ", ".join(humanize_metric(c) for c in series.categories[:12]))
    return "; ".join(p for p in parts if p)


def _vectors(embedder: Embedder, catalog: Sequence[SeriesInfo]) -> np.ndarray:
    texts = [description(s) for s in catalog]
    todo = [t for t in dict.fromkeys(texts) if t not in _DESCRIPTIONS]
    if todo:
        _DESCRIPTIONS.update(zip(todo, np.asarray(embedder.embed_documents(todo), dtype=float), strict=True))
    return np.array([_DESCRIPTIONS[t] for t in texts]) if texts else np.zeros((0, 1))


_SELECTOR = r"(?:from|via|through|by|for|on|in|of)\s+(?:the\s+)?"


def _matches(term: str, asked: set[str] | frozenset[str]) -> bool:
    return term_in(term, asked)


def _coverage(terms: AbstractSet[str], asked: set[str] | frozenset[str], idf: dict[str, float]) -> float:
    weight = sum(idf.get(t, 1.0) for t in terms) or 1.0
    return sum(idf.get(t, 1.0) for t in terms if _matches(t, asked)) / weight


def _selected(question: str, words: AbstractSet[str]) -> bool:
    """Whether the question singles these words out: after "from/via/by/on…" or written as a name."""
    for word in words:
        for m in re.finditer(rf"\b({re.escape(word)}\w*)", question, re.I):
            before = question[max(0, m.start() - 14) : m.start()]
            if re.search(_SELECTOR + r"$", before, re.I) or (m.group(1)[0].isupper() and m.start() > 0):
                return True
    return False


def _category_hits(series: SeriesInfo, question: str, asked: set[str] | frozenset[str],
                   own: AbstractSet[str]) -> list[str]:
    """Categories the question names; a category whose words are also the series' own words (the company's
    name in both the file name and a referrer) counts only where the question singles it out."""
    hits = []
    for category in series.categories:
        terms = words_of(category)
        if terms and all(_matches(t, asked) for t in terms) and (not terms <= own or _selected(question, terms)):
            hits.append(category)
    return hits


def _measure_terms(question: str) -> set[str]:
    """What the question measures: the first word after "most/biggest/number of/how many …" that is neither a
    time word ("week") nor a name ("Buffer"): "the largest number of Buffer teammates" measures teammates."""
    match = _MEASURE.search(question)
    if not match:
        return set()
    for raw in re.findall(r"[A-Za-z][\w'’-]*", question[match.end() : match.end() + 80]):
        if raw[0].isupper():
            continue
        terms = [t for t in content_terms(raw) if t not in _TIME_WORDS and t not in _QUANTITY_WORDS]
        if terms:
            return {terms[0]}
    return set()


def resolve_all(
    ask: MetricAsk,
    catalog: Sequence[SeriesInfo],
    question_vector: Sequence[float],
    embedder: Embedder,
    retrieved_sources: Sequence[str] = (),
) -> list[Resolved]:
    """Every series scored for the question, best first."""
    if not catalog:
        return []
    asked = set(content_terms(ask.question))
    measured = _measure_terms(ask.question)
    labels = [words_of(s.label) for s in catalog]
    raws = [words_of(s.metric) for s in catalog]
    df: dict[str, int] = {}
    for terms in labels + raws:
        for t in terms:
            df[t] = df.get(t, 0) + 1
    idf = {t: math.log(1 + 2 * len(catalog) / n) for t, n in df.items()}
    sims = _vectors(embedder, catalog) @ np.asarray(question_vector, dtype=float)
    all_categories = {c: words_of(c) for s in catalog for c in s.categories}
    out: list[Resolved] = []
    for series, label, raw, sim in zip(catalog, labels, raws, sims, strict=True):
        coverage = max(_coverage(label, asked, idf), _coverage(raw, asked, idf))
        own = words_of(series.title) | words_of(series.source) | label | raw
        context_hit = len((words_of(series.title) | words_of(PurePosixPath(series.source).stem)) & asked) / (
            len(words_of(series.title) | words_of(PurePosixPath(series.source).stem)) or 1)
        categories = _category_hits(series, ask.question, asked, own)
        mine = set(series.categories)
        foreign = [c for c, t in all_categories.items()
                   if c not in mine and t and not t <= own and all(_matches(x, asked) for x in t)
                   and _selected(ask.question, t)]
        fit = 0.0
        if ask.granularity and series.granularity:
            fit = 1.0 if series.granularity == ask.granularity else -1.0
        measure = 1.0 if measured and any(_matches(t, measured) for t in label | raw) else 0.0
        rank = next((i for i, src in enumerate(retrieved_sources) if src == series.source), None)
        retrieval = 1.0 / (1 + rank) if rank is not None else 0.0
        score = (1.2 * coverage + 0.5 * context_hit + 0.6 * bool(categories) + 0.3 * fit + 0.8 * measure
                 + float(sim) + 0.4 * retrieval)
        if ask.about_time and series.periods < 2:
            score -= 2.0  # a snapshot table cannot say which week or month
        out.append(Resolved(series=series, categories=categories, foreign=foreign, name_coverage=coverage,
                            similarity=float(sim), score=score, retrieved_rank=rank))
    out.sort(key=lambda r: -r.score)
    for r in out[:1]:
        r.alternatives = [o.series for o in out[1:4] if o.score >= r.score - 0.08 and o.series.label == r.series.label]
    return out
