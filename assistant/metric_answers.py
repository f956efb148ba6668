"""Metric questions answered from the parsed tables, in code.

When the question asks about a quantity and retrieval surfaced a metric report's summary chunk, the numbers in
the answer are computed here from the stored rows (latest value, change vs the previous period, change over the
whole series) and cited to that chunk, which states the same figures. A language model never writes them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.metric_rows import MetricRowStore
from assistant.schemas import Answer, Hit, Kind
from assistant.synthesis.base import finalize
from assistant.text import format_number, humanize_metric

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


def metric_answer(question: str, hits: Sequence[Hit], rows: MetricRowStore) -> Answer | None:
    """A computed answer when the question is quantitative and a retrieved chunk is a metric summary."""
    if not wants_numbers(question):
        return None
    metric_hit = next((h for h in hits[:3] if h.chunk.meta.kind == Kind.METRICS and h.chunk.meta.metric), None)
    if metric_hit is None:
        return None
    meta = metric_hit.chunk.meta
    series = rows.series(meta.metric or "", meta.source)
    totals: dict[str, float] = {}
    for _, period, _, value in series:
        totals[period] = totals.get(period, 0.0) + value  # long tables: the period total across categories
    periods = sorted(totals)
    if len(periods) < 2:
        return None
    name = humanize_metric(meta.metric or "")
    name = name[0].upper() + name[1:]
    first, prev, last = periods[0], periods[-2], periods[-1]
    v_first, v_prev, v_last = totals[first], totals[prev], totals[last]
    sentences = [
        f"{name} was {format_number(v_last)} in {last}, {_direction(v_last, v_prev)} "
        f"{format_number(abs(v_last - v_prev))} ({_pct(v_last, v_prev)}) from {format_number(v_prev)} in {prev}.",
        f"Over the {len(periods)} periods from {first} to {last} it moved from {format_number(v_first)} to "
        f"{format_number(v_last)} ({_pct(v_last, v_first)}).",
    ]
    return finalize(question, [(s, [metric_hit.chunk.id]) for s in sentences], hits)
