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
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePosixPath

import numpy as np
from pydantic import BaseModel, Field

from assistant.embeddings.base import Embedder
from assistant.metrics.asking import MetricAsk
from assistant.metrics.series import SeriesInfo
from assistant.text import content_terms, humanize_metric, term_in

_DESCRIPTIONS: dict[str, np.ndarray] = {}
_MATRICES: dict[tuple[str, ...], np.ndarray] = {}
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


def _description(label: str, metric: str, title: str, source: str, granularity: str,
                 categories: tuple[str, ...]) -> str:
    """What a series is, in words: embedded once per series to compare with questions."""
    parts = [f"{label} ({metric})", f"{granularity} series" if granularity else "", f"from {title}",
             humanize_metric(PurePosixPath(source).stem)]
    if categories:
        parts.append("by " + ", ".join(humanize_metric(c) for c in categories[:12]))
    return "; ".join(p for p in parts if p)


@dataclass(frozen=True)
class _SeriesWords:
    """What resolving reads of a series that no question changes."""

    label: frozenset[str]
    raw: frozenset[str]  # the metric's own name
    own: frozenset[str]  # label, metric, title and file name
    context: frozenset[str]  # title and file stem
    description: str


def _series_words(series: SeriesInfo) -> _SeriesWords:
    return _words_of_series(series.label, series.metric, series.title, series.source, series.granularity,
                            tuple(series.categories))


@lru_cache(maxsize=4096)
def _words_of_series(label: str, metric: str, title: str, source: str, granularity: str,
                     categories: tuple[str, ...]) -> _SeriesWords:
    """:func:`_series_words` on the fields it reads (all part of the key): every chat question is scored
    against the whole catalogue, which changes only with an ingest."""
    context = words_of(title) | words_of(PurePosixPath(source).stem)
    own = words_of(title) | words_of(source) | words_of(label) | words_of(metric)
    return _SeriesWords(words_of(label), words_of(metric), own, context,
                        _description(label, metric, title, source, granularity, categories))


def _vectors(embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
    """The descriptions' vectors as one matrix (each text embedded once per process; the stacked matrix kept
    for the last few catalogues)."""
    key = tuple(texts)
    stacked = _MATRICES.get(key)
    if stacked is not None:
        return stacked
    todo = [t for t in dict.fromkeys(texts) if t not in _DESCRIPTIONS]
    if todo:
        _DESCRIPTIONS.update(zip(todo, np.asarray(embedder.embed_documents(todo), dtype=float), strict=True))
    stacked = np.array([_DESCRIPTIONS[t] for t in texts]) if texts else np.zeros((0, 1))
    stacked.flags.writeable = False  # shared by every question on this catalogue
    if len(_MATRICES) >= 16:
        _MATRICES.clear()
    _MATRICES[key] = stacked
    return stacked


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


@lru_cache(maxsize=16)
def _idf(words: tuple[_SeriesWords, ...]) -> dict[str, float]:
    """Inverse document frequency of name words over a catalogue's labels and metric names (read-only)."""
    df: dict[str, int] = {}
    for known in words:
        for terms in (known.label, known.raw):
            for t in terms:
                df[t] = df.get(t, 0) + 1
    return {t: math.log(1 + 2 * len(words) / n) for t, n in df.items()}


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
    words = [_series_words(s) for s in catalog]
    idf = _idf(tuple(words))
    sims = _vectors(embedder, [w.description for w in words]) @ np.asarray(question_vector, dtype=float)
    all_categories = {c: words_of(c) for s in catalog for c in s.categories}
    # Categories the question names and singles out, in catalogue order: judged once, not once per series.
    named = [c for c, t in all_categories.items()
             if t and all(_matches(x, asked) for x in t) and _selected(ask.question, t)]
    out: list[Resolved] = []
    for series, known, sim in zip(catalog, words, sims, strict=True):
        label, raw, own = known.label, known.raw, known.own
        coverage = max(_coverage(label, asked, idf), _coverage(raw, asked, idf))
        context_hit = len(known.context & asked) / (len(known.context) or 1)
        categories = _category_hits(series, ask.question, asked, own)
        mine = set(series.categories)
        foreign = [c for c in named if c not in mine and not all_categories[c] <= own]
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
