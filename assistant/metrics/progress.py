"""Trend words and progress toward a key result's target, on top of the one change rule in :mod:`.change`.

Numbers about metrics are computed in code from parsed rows; nothing else (and never a model) produces them.
Everything is a pure function of its inputs: "today" is a parameter defaulting to the end of the latest period in
the data, never the wall clock, so the same data always gives the same status.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

from assistant.metrics.change import FLAT_TOLERANCE, Change, Direction, compute_change
from assistant.periods import period_end
from assistant.planning.plan import KeyResult

Assessment = Literal["improving", "worsening", "flat"]
Status = Literal["on track", "at risk", "off track", "unknown"]
STATUS_RULE = (
    "progress = (current - baseline) / (target - baseline), so it works the same when lower is better; "
    "expected = share of the time from the end of the baseline period to the target date that has elapsed by "
    "'as of' (default: the end of the latest period in the data). On track: the target is already met or "
    "progress >= expected. Off track: progress < expected / 2. At risk: in between."
)


class Trend(BaseModel):
    """Direction over the last N periods, in words a reader can repeat."""

    periods: list[str]
    direction: Direction
    steady: bool = Field(description="Every step moved the same way as the whole window.")
    assessment: Assessment | None = Field(
        default=None, description="Set when a key result says which way is better."
    )
    words: str
    change: Change


class Progress(BaseModel):
    """How far a key result has come, against its baseline, target and the time elapsed."""

    kr_id: str
    objective_id: str | None
    kr_text: str
    metric: str | None
    baseline: float | None
    baseline_period: str | None
    current: float | None = None
    current_period: str | None = None
    target: float | None
    target_date: dt.date | None
    lower_is_better: bool | None
    progress: float | None = None
    expected: float | None = None
    achieved: bool = False
    status: Status = "unknown"
    as_of: dt.date | None = None
    note: str | None = Field(default=None, description="Why a figure is missing or how values were read.")
    kr_source: str
    kr_chunk_id: str
    series_source: str | None = None
    series_chunk_id: str | None = None


def trend(points: Sequence[tuple[str, float]], n: int = 6, lower_is_better: bool | None = None) -> Trend | None:
    """Direction of the last ``n`` periods (at least two needed), steadiness, and better/worse if known."""
    window = list(points)[-max(n, 2):]
    if len(window) < 2:
        return None
    change = compute_change(window[0][0], window[0][1], window[-1][0], window[-1][1])
    steps = [b - a for (_, a), (_, b) in zip(window, window[1:], strict=False)]
    direction = change.direction
    if direction == "flat":
        steady = all(abs(s) < FLAT_TOLERANCE * max(abs(window[0][1]), 1e-12) for s in steps)
    else:
        steady = all(s > 0 for s in steps) if direction == "up" else all(s < 0 for s in steps)
    assessment: Assessment | None = None
    if lower_is_better is not None:
        better = "down" if lower_is_better else "up"
        assessment = "flat" if direction == "flat" else "improving" if direction == better else "worsening"
    span = f"the last {len(window)} periods ({window[0][0]} to {window[-1][0]})"
    if direction == "flat":
        words = f"flat over {span}"
    else:
        against = sum(1 for s in steps if (s < 0 if direction == "up" else s > 0))
        how = "in every period" if steady else f"overall, with {against} of {len(steps)} steps the other way"
        words = f"{direction} {how} over {span}"
    if assessment and assessment != "flat":
        words += f" ({assessment})"
    return Trend(periods=[p for p, _ in window], direction=direction, steady=steady, assessment=assessment,
                 words=words, change=change)


def progress_fraction(baseline: float, current: float, target: float) -> float | None:
    """(current - baseline) / (target - baseline); None when target equals baseline (nothing to move)."""
    if target == baseline:
        return None
    return (current - baseline) / (target - baseline)


def expected_fraction(start: dt.date, due: dt.date, as_of: dt.date) -> float:
    """Share of the time from ``start`` to ``due`` that has elapsed by ``as_of``, clamped to [0, 1]."""
    if due <= start:
        return 1.0 if as_of >= due else 0.0
    return min(1.0, max(0.0, (as_of - start).days / (due - start).days))


def status_for(progress: float | None, expected: float | None) -> Status:
    """The documented rule (:data:`STATUS_RULE`); met targets are on track whatever the date."""
    if progress is None:
        return "unknown"
    if progress >= 1:
        return "on track"
    if expected is None:
        return "unknown"
    if progress >= expected:
        return "on track"
    return "off track" if progress < expected / 2 else "at risk"


def kr_progress(kr: KeyResult, points: Sequence[tuple[str, float]], today: dt.date | None = None,
                series_source: str | None = None, series_chunk_id: str | None = None) -> Progress:
    """Progress of ``kr`` measured on ``points`` (period, value) in period order; the latest value is current."""
    result = Progress(kr_id=kr.id, objective_id=kr.objective_id, kr_text=kr.text, metric=kr.metric,
                      baseline=kr.baseline, baseline_period=kr.baseline_period, target=kr.target,
                      target_date=kr.target_date, lower_is_better=kr.lower_is_better, kr_source=kr.source,
                      kr_chunk_id=kr.chunk_id, series_source=series_source, series_chunk_id=series_chunk_id)
    if not points:
        result.note = "no metric series in scope matches this key result's metric"
        return result
    period, current = points[-1]
    baseline, target = kr.baseline, kr.target
    result.current, result.current_period = current, period
    result.as_of = today or period_end(period)
    if baseline is None or target is None:
        result.note = "the key result states no numeric baseline and target"
        return result
    if "%" in (kr.baseline_text or "") and max(abs(v) for _, v in points) <= 1 < abs(baseline):
        baseline, target = baseline / 100, target / 100  # "31.2%" in the doc, 0.312 in the table
        result.baseline, result.target = baseline, target
        result.note = "the document states percentages; the table stores fractions, so they were divided by 100"
    result.progress = progress_fraction(baseline, current, target)
    if result.progress is None:
        result.note = "target equals baseline, so progress cannot be measured"
        return result
    result.achieved = result.progress >= 1
    start = period_end(kr.baseline_period) if kr.baseline_period else None
    if start and kr.target_date and result.as_of:
        result.expected = expected_fraction(start, kr.target_date, result.as_of)
    elif not result.achieved:
        result.note = "no baseline period or target date stated, so the expected pace is unknown"
    result.status = status_for(result.progress, result.expected)
    return result
