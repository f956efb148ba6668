"""The one rule for how a metric moved, and the one rule for when values may be added up.

Chat answers, `prodops metrics`, metric summaries at ingest and check-in packs all describe change with
:func:`compute_change` and :func:`describe_change`, and total categories only through :func:`period_totals`,
so the same table never reads "flat" in one place and "up 0.3%" in another, and a rate is never summed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel

from assistant.text import format_number, humanize_metric

Direction = Literal["up", "down", "flat"]
FLAT_TOLERANCE = 0.005  # a net move under 0.5% of the starting value reads as "flat"
_NOT_ADDITIVE = frozenset(
    "rate rates pct percent percentage ratio avg average mean median share margin retention score nps percentile "
    "latency uptime p50 p90 p95 p99 conversion churn ctr cvr arpu aov per".split()
)


class Change(BaseModel):
    """The move of a metric between two periods; ``percent`` is None when the starting value is 0."""

    from_period: str
    to_period: str
    from_value: float
    to_value: float
    absolute: float
    percent: float | None
    direction: Direction


def compute_change(from_period: str, from_value: float, to_period: str, to_value: float) -> Change:
    """Absolute and percent change from one period's value to another's."""
    delta = to_value - from_value
    percent = None if from_value == 0 else delta / abs(from_value) * 100
    return Change(from_period=from_period, to_period=to_period, from_value=from_value, to_value=to_value,
                  absolute=delta, percent=percent, direction=_direction(from_value, to_value))


def _direction(start: float, end: float) -> Direction:
    delta = end - start
    if delta == 0 or (start != 0 and abs(delta) < FLAT_TOLERANCE * abs(start)):
        return "flat"
    return "up" if delta > 0 else "down"


def describe_change(change: Change, percent: bool = False) -> str:
    """"up 120 (+6.9%)", "down 3.1 percentage points (-9.2%)", "flat (up 2, +0.1%)" or "flat (no change)".

    ``percent``: the values are percentages, whose difference is stated in points.
    """
    if change.absolute == 0:
        return "flat (no change)"
    moved = "up" if change.absolute > 0 else "down"
    amount = format_number(abs(change.absolute), percent)
    if percent:
        amount = f"{amount[:-1]} percentage point{'' if abs(change.absolute) == 1 else 's'}"
    relative = f"{change.percent:+.1f}%" if change.percent is not None else ""
    if change.direction == "flat":
        return f"flat ({moved} {amount}{', ' + relative if relative else ''})"
    return f"{moved} {amount}{f' ({relative})' if relative else ''}"


def is_additive(metric: str) -> bool:
    """Whether per-category values add up to a total: counts and amounts do; rates, ratios, percentages,
    averages, percentiles and scores don't (two regions converting at 10% and 20% don't convert at 30%)."""
    words = set(re.split(r"[^a-z0-9]+", humanize_metric(metric).lower())) | set(re.split(r"[^a-z0-9]+", metric.lower()))
    return not words & _NOT_ADDITIVE and "%" not in metric


def is_percent(metric: str) -> bool:
    """Whether a metric's values are percentages (its name says so)."""
    words = set(re.split(r"[^a-z0-9%]+", humanize_metric(metric).lower()))
    return bool(words & {"pct", "percent", "percentage", "%"}) or "%" in metric


def period_totals(metric: str, rows: Iterable[tuple[str, str | None, float]]) -> dict[str, float] | None:
    """period -> total over categories for (period, category, value) rows, or None when the metric is not
    additive and some period has more than one category (then only per-category values make sense)."""
    by_period: dict[str, list[float]] = {}
    for period, _category, value in rows:
        by_period.setdefault(period, []).append(value)
    if not is_additive(metric) and any(len(values) > 1 for values in by_period.values()):
        return None
    return {period: sum(values) for period, values in by_period.items()}
