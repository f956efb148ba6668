"""Metric questions answered from the parsed tables, in code.

When the question asks about a quantity and retrieval surfaced a metric report's summary chunk, the numbers in
the answer are computed here from the stored rows (latest value, change vs the previous period, change over the
whole series) and cited to that chunk, which states the same figures. A language model never writes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from assistant.access import chunk_readable
from assistant.metrics.change import compute_change, describe_change, is_percent, period_totals
from assistant.periods import period_start
from assistant.retrieval.intents import is_metric_question
from assistant.schemas import Answer, Hit
from assistant.store.chroma import ChunkStore
from assistant.store.metric_rows import MetricRowStore
from assistant.synthesis.base import finalize
from assistant.text import content_terms, format_number, humanize_metric


def _named_metric(question: str, rows: MetricRowStore) -> tuple[str, str] | None:
    """The (metric, source) the question names: most of the metric's words appear in the question, the most
    specific such metric wins ("activation rate" over "activated teams"), plain series before breakdowns."""
    asked = set(content_terms(question))
    best: tuple[tuple[float, int, int], str, str] | None = None
    for metric, source, count in rows.metrics():
        name = set(content_terms(humanize_metric(metric)))
        overlap = len(name & asked)
        if not name or overlap / len(name) < 0.5 or (overlap < 2 and len(name) > 1):
            continue
        key = (overlap / len(name), overlap, -count)  # fewer rows: the plain series, not a breakdown
        if best is None or key > best[0]:
            best = (key, metric, source)
    return (best[1], best[2]) if best else None


def metric_answer(
    question: str, hits: Sequence[Hit], rows: MetricRowStore, store: ChunkStore, scope: list[str] | None
) -> tuple[Answer, list[Hit]] | None:
    """A computed answer (and the hits it may cite) when the question asks about a quantity of a named metric."""
    if not is_metric_question(question):
        return None
    named = _named_metric(question, rows)
    if named is None:
        return None
    metric, source = named
    summary = next(
        (c for c in store.iter_chunks(where={"$and": [{"source": source}, {"metric": metric}]})
         if chunk_readable(c, scope)),
        None,
    )
    if summary is None:
        return None
    series = rows.series(metric, source)
    name = humanize_metric(metric)
    name = name[0].upper() + name[1:]
    percent = is_percent(metric)
    totals = period_totals(metric, [(period, category, value) for _, period, category, value in series])
    if totals is None:
        sentences = _per_category(name, series, percent)
    else:
        sentences = _overall(name, totals, percent)
    if not sentences:
        return None
    cited = [*hits, Hit(chunk=summary, score=1.0)] if summary.id not in {h.chunk.id for h in hits} else list(hits)
    answer = finalize(question, [(s, [summary.id]) for s in sentences], cited)
    return answer.model_copy(update={"route": "metric"}), cited


def _overall(name: str, totals: dict[str, float], percent: bool) -> list[str]:
    """Latest value and its change, then the move over the whole series (long tables: additive totals)."""
    periods = sorted(totals, key=lambda p: (period_start(p), p))
    if len(periods) < 2:
        return []
    first, prev, last = periods[0], periods[-2], periods[-1]
    latest = compute_change(prev, totals[prev], last, totals[last])
    whole = compute_change(first, totals[first], last, totals[last])
    fmt = partial(format_number, percent=percent)
    return [
        f"{name} was {fmt(totals[last])} in {last}, {describe_change(latest, percent)} from {fmt(totals[prev])} "
        f"in {prev}.",
        f"Over the {len(periods)} periods from {first} to {last} it moved from {fmt(totals[first])} to "
        f"{fmt(totals[last])} ({describe_change(whole, percent)}).",
    ]


def _per_category(name: str, series: Sequence[tuple[str, str, str, float]], percent: bool) -> list[str]:
    """A non-additive metric by category (a rate per region): each category's own values, never a sum."""
    by_period: dict[str, list[tuple[str, float]]] = {}
    for _, period, category, value in series:
        by_period.setdefault(period, []).append((category or "(none)", value))
    periods = sorted(by_period, key=lambda p: (period_start(p), p))
    fmt = partial(format_number, percent=percent)

    def listing(period: str) -> str:
        return ", ".join(f"{category} {fmt(value)}" for category, value in by_period[period])

    last = periods[-1]
    sentences = [f"{name} in {last}, by category: {listing(last)}."]
    if len(periods) > 1:
        sentences.append(f"In {periods[-2]} it was {listing(periods[-2])}.")
    return sentences
