"""Metric questions answered from the parsed tables, in code.

When the question asks about a quantity and retrieval surfaced a metric report's summary chunk, the numbers in
the answer are computed here from the stored rows (latest value, change vs the previous period, change over the
whole series) and cited to that chunk, which states the same figures. A language model never writes them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.metric_rows import MetricRowStore
from assistant.retrieval import in_scope
from assistant.schemas import Answer, Hit
from assistant.store import ChunkStore
from assistant.synthesis.base import finalize
from assistant.text import content_terms, format_number, humanize_metric

_QUANTITATIVE = re.compile(
    r"\b(how (much|many|did|has|have|is|are)|trend|change[sd]?|move[sd]?|moving|latest|current|currently|now|value|"
    r"grow(th|n)?|grew|increase[sd]?|decrease[sd]?|drop(ped)?|decline[sd]?|rise|rose|fell|fall|up|down|number of|"
    r"rate|level|since|trajectory|progress)\b",
    re.I,
)


def wants_numbers(question: str) -> bool:
    return bool(_QUANTITATIVE.search(question))


def _pct(new: float, old: float) -> str:
    if old == 0:
        return "n/a"
    return f"{(new - old) / abs(old) * 100:+.1f}%"


def _direction(new: float, old: float) -> str:
    return "up" if new > old else "down" if new < old else "flat"


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
    if not wants_numbers(question):
        return None
    named = _named_metric(question, rows)
    if named is None:
        return None
    metric, source = named
    summary = next(
        (c for c in store.iter_chunks(where={"$and": [{"source": source}, {"metric": metric}]}) if in_scope(c, scope)),
        None,
    )
    if summary is None:
        return None
    series = rows.series(metric, source)
    totals: dict[str, float] = {}
    for _, period, _, value in series:
        totals[period] = totals.get(period, 0.0) + value  # long tables: the period total across categories
    periods = sorted(totals)
    if len(periods) < 2:
        return None
    name = humanize_metric(metric)
    name = name[0].upper() + name[1:]
    first, prev, last = periods[0], periods[-2], periods[-1]
    v_first, v_prev, v_last = totals[first], totals[prev], totals[last]
    sentences = [
        f"{name} was {format_number(v_last)} in {last}, {_direction(v_last, v_prev)} "
        f"{format_number(abs(v_last - v_prev))} ({_pct(v_last, v_prev)}) from {format_number(v_prev)} in {prev}.",
        f"Over the {len(periods)} periods from {first} to {last} it moved from {format_number(v_first)} to "
        f"{format_number(v_last)} ({_pct(v_last, v_first)}).",
    ]
    cited = [*hits, Hit(chunk=summary, score=1.0)] if summary.id not in {h.chunk.id for h in hits} else list(hits)
    return finalize(question, [(s, [summary.id]) for s in sentences], cited), cited
