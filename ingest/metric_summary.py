"""Readable, searchable summaries of parsed metric series: the retrieval text of metric reports.

A raw CSV row ("2026-06-01,1840") matches no question, so each metric gets sentences that name it in words
(with the raw column name kept for exact matches), state the latest value and its change, the range, the
extremes and then every period's value. All numbers are computed here from the parsed points, so the text
that answers cite is exactly what the table says.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from functools import partial

from assistant.metrics.change import compute_change, describe_change, is_percent
from assistant.periods import granularity, partial_reason, period_start
from assistant.schemas import MetricPoint
from assistant.text import format_number  # noqa: F401 - re-exported for callers of this module
from assistant.text import humanize_metric as humanize_words
from ingest.loaders.table import SNAPSHOT

TOP_CATEGORIES = 5


@dataclass(frozen=True)
class MetricChunk:
    """One retrieval chunk of a metric summary; ``period`` is the latest or the "first..last" covered."""

    metric: str
    text: str
    period: str


@dataclass(frozen=True)
class _Line:
    text: str
    period: str | None = None  # set on per-period lines, used to label later chunks


def humanize_metric(raw: str) -> str:
    """ "company_monthly_fts" -> "Company monthly first-time sessions (company_monthly_fts)"."""
    text = humanize_words(raw)
    return f"{text[0].upper()}{text[1:]} ({raw.strip()})"


def _change(new: float, old: float, percent: bool) -> str:
    return describe_change(compute_change("", old, "", new), percent)


def _wide_lines(points: list[MetricPoint], percent: bool, as_of: dt.date | None = None) -> list[_Line]:
    fmt = partial(format_number, percent=percent)
    periods = [p.period for p in points]
    first, last = points[0], points[-1]
    if len(points) == 1:
        return [_Line(f"One period only ({last.period}): {fmt(last.value)}.", last.period)]
    step = granularity(periods)
    span = f"{first.period} to {last.period} ({len(points)} periods)"
    lines = [_Line(f"{step.capitalize()} series, {span}.")]
    partial_note = partial_reason(periods, step, as_of)
    complete = points[:-1] if partial_note else points
    if partial_note:
        lines.append(_Line(f"Partial period: {partial_note}; it is left out of the latest change."))
    low = min(points, key=lambda p: p.value)
    high = max(points, key=lambda p: p.value)
    if len(complete) >= 2:
        now, prev = complete[-1], complete[-2]
        lines.append(_Line(
            f"Latest{' complete' if partial_note else ''} ({now.period}): {fmt(now.value)}, "
            f"{_change(now.value, prev.value, percent)} vs {prev.period} ({fmt(prev.value)})."
        ))
    lines += [
        _Line(
            f"First ({first.period}): {fmt(first.value)}; over the whole range "
            f"{_change(complete[-1].value, first.value, percent)}."
        ),
        _Line(f"Minimum {fmt(low.value)} ({low.period}); maximum {fmt(high.value)} ({high.period})."),
        _Line("Values by period:"),
    ]
    return lines + [_Line(f"{p.period}: {fmt(p.value)}", p.period) for p in points]


def _long_lines(points: list[MetricPoint], percent: bool) -> list[_Line]:
    fmt = partial(format_number, percent=percent)
    by_period: dict[str, list[MetricPoint]] = defaultdict(list)
    by_category: dict[str, list[MetricPoint]] = defaultdict(list)
    for p in points:
        by_period[p.period].append(p)
        by_category[p.category or "(none)"].append(p)
    periods = list(by_period)
    cats = list(by_category)
    last = periods[-1]
    named = ", ".join(cats[:12]) + (f" and {len(cats) - 12} more" if len(cats) > 12 else "")

    def leaders(period: str, limit: int | None) -> str:
        ranked = sorted(by_period[period], key=lambda p: -p.value)[:limit]
        return "; ".join(f"{p.category or '(none)'} {fmt(p.value)}" for p in ranked)

    if len(periods) == 1:
        when = "Snapshot table" if last == SNAPSHOT else f"Snapshot as of {last}"
        ranked = sorted(points, key=lambda p: -p.value)
        return [
            _Line(f"{when}, {len(cats)} categories: {named}."),
            _Line("Values by category, highest first:"),
            *(_Line(f"{p.category or '(none)'}: {fmt(p.value)}", last) for p in ranked),
        ]
    span = f"{periods[0]} to {last} ({len(periods)} periods, {len(cats)} categories: {named})"
    lines = [_Line(f"{granularity(periods).capitalize()} series by category, {span}.")]
    lines.append(_Line(f"Latest period {last}, leading categories: {leaders(last, TOP_CATEGORIES)}."))
    lines.append(_Line("Per category, latest value and change vs its previous period:"))
    for cat, series in by_category.items():
        now = series[-1]
        change = f", {_change(now.value, series[-2].value, percent)} vs {series[-2].period}" if len(series) > 1 else ""
        lines.append(_Line(f"{cat}: {fmt(now.value)} ({now.period}){change}."))
    lines.append(_Line("Values by period, every category, highest first:"))
    return lines + [_Line(f"{period}: {leaders(period, None)}", period) for period in periods]


def _series(points: list[MetricPoint]) -> dict[str, list[MetricPoint]]:
    grouped: dict[str, list[MetricPoint]] = defaultdict(list)
    for p in points:
        grouped[p.metric].append(p)
    for series in grouped.values():
        series.sort(key=lambda p: (period_start(p.period), p.period))
    return grouped


def _summary(
    metric: str, points: list[MetricPoint], title: str, as_of: dt.date | None = None
) -> tuple[str, list[_Line]]:
    percent = is_percent(metric)
    header = f"{humanize_metric(metric)} — {title}"
    categories = {p.category for p in points}
    if len(categories) == 1 and None not in categories:  # one category only: a plain series, named in the header
        header += f" ({points[0].category})"
        return header, _wide_lines(points, percent, as_of)
    if categories != {None}:
        return header, _long_lines(points, percent)
    return header, _wide_lines(points, percent, as_of)


def summary_text(points: list[MetricPoint], title: str, as_of: dt.date | None = None) -> str:
    """All metric summaries of one report, one block per metric: the source text of a metric report.

    ``as_of`` is the day the data was exported, when known: a last period ending after it is partial.
    """
    blocks = []
    for metric, series in _series(points).items():
        header, lines = _summary(metric, series, title, as_of)
        blocks.append("\n".join([header, *(line.text for line in lines)]))
    return "\n\n".join(blocks)


def metric_chunks(
    points: list[MetricPoint], title: str, size: int, as_of: dt.date | None = None
) -> list[MetricChunk]:
    """Summaries packed into chunks of at most ``size`` characters, each starting with the metric header.

    The first chunk of a metric carries the overview (latest value, changes, range, extremes) and is labelled
    with the latest period; later chunks hold the remaining per-period lines, labelled "first..last".
    """
    chunks: list[MetricChunk] = []
    for metric, series in _series(points).items():
        header, lines = _summary(metric, series, title, as_of)
        for i, group in enumerate(_pack(header, lines, size)):
            covered = [line.period for line in group if line.period]
            label = series[-1].period if i == 0 or not covered else _span(covered)
            chunks.append(MetricChunk(metric, "\n".join([header, *(line.text for line in group)]), label))
    return chunks


def _pack(header: str, lines: list[_Line], size: int) -> list[list[_Line]]:
    """Greedy packing of whole lines so that header + lines stays within ``size`` characters."""
    groups: list[list[_Line]] = [[]]
    length = len(header)
    for line in lines:
        if groups[-1] and length + 1 + len(line.text) > size:
            groups.append([])
            length = len(header)
        groups[-1].append(line)
        length += 1 + len(line.text)
    return [g for g in groups if g]


def _span(periods: list[str]) -> str:
    return periods[0] if periods[0] == periods[-1] else f"{periods[0]}..{periods[-1]}"
