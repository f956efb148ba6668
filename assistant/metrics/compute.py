"""The operations a metric question asks for, computed on one series' rows.

Every number an answer states is computed here from the parsed rows: a value in a period, the change between
two periods, the maximum or minimum and when, the category that leads, a category's share, the first
appearance, and the periods where one category beat another. Rates and other non-additive measures are never
summed across categories (:func:`assistant.metrics.change.is_additive`). A period the series does not cover is
said plainly instead of answered from the nearest one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.metrics.asking import MetricAsk
from assistant.metrics.change import compute_change, describe_change, is_additive, is_percent
from assistant.metrics.resolve import Resolved
from assistant.periods import period_span, period_start
from assistant.periods.phrases import Span, years_named
from assistant.text import format_number, humanize_metric

MAX_LISTED = 5


@dataclass
class Outcome:
    """Sentences stating the numbers, the periods they used (to cite the right summary chunk), and the numbers
    that were computed rather than read (a difference is in no table)."""

    sentences: list[str] = field(default_factory=list)
    periods: list[str] = field(default_factory=list)
    computed: set[str] = field(default_factory=set)
    refusal: str | None = None


@dataclass
class _Table:
    label: str
    step: str
    percent: bool
    additive: bool
    periods: list[str]
    cells: dict[str, dict[str, float]]  # period -> category ("" when none) -> value

    def fmt(self, value: float) -> str:
        return format_number(value, self.percent)

    def when(self, period: str) -> str:
        start = period_start(period)
        if self.step == "monthly" or (len(period) == 7 and period[4] == "-"):
            return start.strftime("%B %Y")
        if self.step == "weekly":
            return f"the week of {period}"
        return period

    def series(self, category: str | None) -> list[tuple[str, float]]:
        """(period, value) of one category, or of the period totals when the measure adds up."""
        out = []
        for period in self.periods:
            cells = self.cells[period]
            if category is not None:
                if category in cells:
                    out.append((period, cells[category]))
            elif len(cells) == 1:
                out.append((period, next(iter(cells.values()))))
            elif self.additive:
                out.append((period, sum(cells.values())))
        return out


def _table(resolved: Resolved, rows: Sequence[tuple[str, str, float]]) -> _Table:
    cells: dict[str, dict[str, float]] = {}
    for period, category, value in rows:
        cells.setdefault(period, {})[category or ""] = value
    name = humanize_metric(resolved.series.metric)
    return _Table(label=name[:1].upper() + name[1:], step=resolved.series.granularity,
                  percent=is_percent(resolved.series.metric), additive=is_additive(resolved.series.metric),
                  periods=sorted(cells, key=lambda p: (period_start(p), p)), cells=cells)


def _settle(spans: Sequence[Span], table: _Table) -> list[Span]:
    """Year-less months/quarters placed in the year the question names, else the latest year the data has."""
    named = years_named(list(spans))
    years = sorted({period_start(p).year for p in table.periods})
    out = []
    for span in spans:
        if span.start is None and (named or years):
            span = span.in_year(named[0] if named else years[-1])
            if span.start and span.start.year == years[-1] and not named and \
                    not any(span.start <= period_start(p) <= (span.end or span.start) for p in table.periods):
                span = span.in_year(years[-1] - 1)
        if span.start is not None:
            out.append(span)
    return out


def _inside(table: _Table, start: dt.date, end: dt.date) -> list[str]:
    hits = [p for p in table.periods if start <= period_start(p) <= end]
    return hits or [p for p in table.periods if period_span(p, table.step)[0] <= start <= period_span(p, table.step)[1]]


def _window(spans: Sequence[Span]) -> tuple[dt.date, dt.date] | None:
    ranges = [s for s in spans if s.unit in {"year", "range", "quarter", "half"} and s.role == "at"]
    between = [s for s in spans if s.role == "between"]
    if len(between) >= 2 and between[0].start and between[-1].end:
        return between[0].start, between[-1].end
    if ranges and ranges[0].start and ranges[0].end:
        return ranges[0].start, ranges[0].end
    return None


def _complete(table: _Table, partial: str | None) -> list[str]:
    return table.periods[:-1] if partial and len(table.periods) > 1 else table.periods


def compute(resolved: Resolved, ask: MetricAsk, rows: Sequence[tuple[str, str, float]]) -> Outcome:
    """The answer's sentences for ``ask`` on the resolved series (or a refusal saying what is missing)."""
    series = resolved.series
    table = _table(resolved, rows)
    out = Outcome()
    if resolved.foreign:
        listed = ", ".join(series.categories[:15]) or "none: it is a single series"
        out.refusal = (f"the {table.label.lower()} table ({series.source}) has no {', '.join(resolved.foreign)} "
                       f"breakdown (its categories: {listed})")
        return out
    spans = _settle(ask.spans, table)
    points = [s for s in spans if s.unit not in {"year", "range"} or s.role == "between"]
    for span in points if ("value" in ask.operations or "change" in ask.operations) else []:
        assert span.start is not None and span.end is not None
        if not _inside(table, span.start, span.end):
            out.refusal = (f"the {table.label.lower()} series in {series.source} covers {table.periods[0]} to "
                           f"{table.periods[-1]}; it has no value for {span.text}")
            return out
    categories: list[str | None] = list(resolved.categories) or [None]
    if categories == [None] and not table.additive and any(len(c) > 1 for c in table.cells.values()):
        latest = table.cells[table.periods[-1]]  # a rate by region: each region's own figures, never a sum
        categories = list(sorted(latest, key=lambda c: -latest[c])[:MAX_LISTED])
    for op in ask.operations:
        for category in categories if op not in {"leader", "compare"} else [None]:
            _OPERATIONS[op](table, out, category, spans, points, ask, series.partial)
    return out


def _name(table: _Table, category: str | None) -> str:
    return f"{table.label} for {category}" if category else table.label


def _extreme(table: _Table, out: Outcome, category: str | None, spans: list[Span], points: list[Span],
             ask: MetricAsk, partial: str | None, highest: bool) -> None:
    window = _window(spans)
    values = [(p, v) for p, v in table.series(category)
              if window is None or window[0] <= period_start(p) <= window[1]]
    if not values:
        if category is None and not table.additive:
            cells = [(p, c, v) for p in table.periods for c, v in table.cells[p].items()]
            p, c, v = (max if highest else min)(cells, key=lambda x: x[2])
            out.sentences.append(f"The {'highest' if highest else 'lowest'} {table.label.lower()} was "
                                 f"{table.fmt(v)} ({c}, {table.when(p)}).")
            out.periods.append(p)
        return
    period, value = (max if highest else min)(values, key=lambda x: x[1])
    scope = f" in {window[0].year}" if window and window[0].year == window[1].year and window[0].month == 1 \
        and window[1].month == 12 else ""
    verb = "peaked at" if highest else "was at its lowest,"
    within = f" (the {'highest' if highest else 'lowest'} of {scope.strip()[3:]})" if scope else ""
    out.sentences.append(f"{_name(table, category)} {verb} {table.fmt(value)} in {table.when(period)}{within}.")
    out.periods.append(period)


def _value(table: _Table, out: Outcome, category: str | None, spans: list[Span], points: list[Span],
           ask: MetricAsk, partial: str | None) -> None:
    for span in points or spans[:1]:
        assert span.start is not None and span.end is not None
        found = [(p, v) for p, v in table.series(category) if p in _inside(table, span.start, span.end)]
        if not found:
            continue
        if len(found) == 1:
            period, value = found[0]
            out.sentences.append(f"{_name(table, category)} was {table.fmt(value)} in {table.when(period)}.")
        elif table.additive:
            total = sum(v for _, v in found)
            out.computed.add(table.fmt(total))
            listed = "; ".join(f"{p}: {table.fmt(v)}" for p, v in found[:8])
            out.sentences.append(f"{_name(table, category)} was {table.fmt(total)} in {span.text} over "
                                 f"{len(found)} periods ({listed}).")
        else:
            listed = "; ".join(f"{table.when(p)}: {table.fmt(v)}" for p, v in found[:8])
            out.sentences.append(f"{_name(table, category)} in {span.text}: {listed}.")
        out.periods += [p for p, _ in found]


def _change(table: _Table, out: Outcome, category: str | None, spans: list[Span], points: list[Span],
            ask: MetricAsk, partial: str | None) -> None:
    values = dict(table.series(category))
    chosen: list[str] = []
    for span in points[:2]:
        assert span.start is not None and span.end is not None
        inside = [p for p in _inside(table, span.start, span.end) if p in values]
        if inside:
            chosen.append(inside[-1] if table.step != "monthly" or len(inside) == 1 else inside[0])
    complete = [p for p in _complete(table, partial) if p in values]
    if len(chosen) == 1 and chosen[0] in complete and complete.index(chosen[0]) > 0:
        chosen.insert(0, complete[complete.index(chosen[0]) - 1])
    elif len(chosen) < 2 and len(complete) >= 2:
        chosen = complete[-2:]
    if len(chosen) < 2:
        return
    before, after = sorted(chosen[:2], key=lambda p: (period_start(p), p))
    change = compute_change(before, values[before], after, values[after])
    out.computed |= {table.fmt(abs(change.absolute))}
    out.sentences.append(f"{_name(table, category)} was {table.fmt(values[after])} in {table.when(after)}, "
                         f"against {table.fmt(values[before])} in {table.when(before)}: "
                         f"{describe_change(change, table.percent)}.")
    out.periods += [before, after]
    if partial and not points:
        out.sentences.append(f"The last period is left out: {partial}.")


def _latest(table: _Table, out: Outcome, category: str | None, spans: list[Span], points: list[Span],
            ask: MetricAsk, partial: str | None) -> None:
    _change(table, out, category, [], [], ask, partial)
    values = table.series(category)
    complete = [(p, v) for p, v in values if p in _complete(table, partial)]
    if len(complete) >= 3:
        first, last = complete[0], complete[-1]
        whole = compute_change(first[0], first[1], last[0], last[1])
        out.computed.add(table.fmt(abs(whole.absolute)))
        out.sentences.append(f"Over the {len(complete)} periods from {table.when(first[0])} to {table.when(last[0])} "
                             f"it moved from {table.fmt(first[1])} to {table.fmt(last[1])} "
                             f"({describe_change(whole, table.percent)}).")
        out.periods += [first[0]]


def _leader(table: _Table, out: Outcome, category: str | None, spans: list[Span], points: list[Span],
            ask: MetricAsk, partial: str | None) -> None:
    ranked_periods = [p for p in table.periods if len(table.cells[p]) > 1]
    if not ranked_periods:
        _extreme(table, out, None, spans, points, ask, partial, highest="min" not in ask.operations)
        return
    period = ranked_periods[-1]
    if points and points[0].start and points[0].end:
        inside = [p for p in _inside(table, points[0].start, points[0].end) if p in ranked_periods]
        period = inside[-1] if inside else period
    lowest = bool(set(ask.question.lower().split()) & {"least", "fewest", "lowest", "weakest", "worst"})
    ranked = sorted(table.cells[period].items(), key=lambda kv: kv[1], reverse=not lowest)
    (top, value), rest = ranked[0], ranked[1:3]
    when = "" if period == "snapshot" else f" in {table.when(period)}"
    others = "; then " + ", ".join(f"{c} ({table.fmt(v)})" for c, v in rest) if rest else ""
    out.sentences.append(f"{top} had the {'least' if lowest else 'most'} {table.label.lower()}{when}: "
                         f"{table.fmt(value)}{others}.")
    out.periods.append(period)


def _share(table: _Table, out: Outcome, category: str | None, spans: list[Span], points: list[Span],
           ask: MetricAsk, partial: str | None) -> None:
    if category is None or not table.additive:
        return
    periods = [p for p in _complete(table, partial) if category in table.cells[p]]
    if not periods:
        return
    period = periods[-1]
    total = sum(table.cells[period].values())
    value = table.cells[period][category]
    share = f"{value / total * 100:.1f}%" if total else "n/a"
    out.computed.add(share.rstrip("%"))
    out.sentences.append(f"{category} was {share} of {table.label.lower()} in {table.when(period)} "
                         f"({table.fmt(value)} of {table.fmt(total)}).")
    out.periods.append(period)


def _first(table: _Table, out: Outcome, category: str | None, spans: list[Span], points: list[Span],
           ask: MetricAsk, partial: str | None) -> None:
    found = next(((p, v) for p, v in table.series(category) if v), None)
    if found:
        out.sentences.append(f"{_name(table, category)} first appears in {table.when(found[0])}, at "
                             f"{table.fmt(found[1])}.")
        out.periods.append(found[0])


def _compare(table: _Table, out: Outcome, category: str | None, spans: list[Span], points: list[Span],
             ask: MetricAsk, partial: str | None) -> None:
    asked = ask.question.lower()
    words = _distinct_words({c for p in table.periods for c in table.cells[p]})
    mentioned = sorted((c for c, w in words.items() if _first_mention(asked, w) < len(asked)),
                       key=lambda c: _first_mention(asked, words[c]))
    pair = mentioned[:2]
    if len(pair) < 2:
        return
    a, b = pair
    rows = [(p, table.cells[p][a], table.cells[p][b]) for p in table.periods if a in table.cells[p] and
            b in table.cells[p]]
    more = ask.comparative != "less"
    wins = [(p, x, y) for p, x, y in rows if (x > y if more else x < y)]
    relation = "more" if more else "less"
    if not wins:
        out.sentences.append(f"{a} never had {relation} {table.label.lower()} than {b} in the {len(rows)} periods "
                             f"from {table.when(rows[0][0])} to {table.when(rows[-1][0])}." if rows else "")
        return
    listed = "; ".join(f"{table.when(p)} ({a} {table.fmt(x)} vs {b} {table.fmt(y)})" for p, x, y in wins[:MAX_LISTED])
    out.sentences.append(f"{a} had {relation} {table.label.lower()} than {b} in {len(wins)} of {len(rows)} periods: "
                         f"{listed}.")
    out.periods += [p for p, _, _ in wins[:MAX_LISTED]]


def _distinct_words(categories: set[str]) -> dict[str, list[str]]:
    """The words that tell each category apart ("buffer_team" vs "buffer_accounts": team, accounts)."""
    split = {c: [w for w in re.split(r"[^a-z0-9]+", c.lower()) if len(w) > 2] for c in categories if c}
    shared = set.intersection(*(set(w) for w in split.values())) if split else set()
    return {c: [w for w in words if w not in shared] or words for c, words in split.items()}


def _first_mention(asked: str, words: list[str]) -> int:
    spots = [m.start() for w in words for m in [re.search(rf"\b{re.escape(w)}", asked)] if m]
    return min(spots) if spots else len(asked)


def _max(table: _Table, out: Outcome, category: str | None, spans: list[Span], points: list[Span],
         ask: MetricAsk, partial: str | None) -> None:
    _extreme(table, out, category, spans, points, ask, partial, highest=True)


def _min(table: _Table, out: Outcome, category: str | None, spans: list[Span], points: list[Span],
         ask: MetricAsk, partial: str | None) -> None:
    _extreme(table, out, category, spans, points, ask, partial, highest=False)


_OPERATIONS = {"max": _max, "min": _min, "value": _value, "change": _change, "latest": _latest,
               "leader": _leader, "share": _share, "first": _first, "compare": _compare}
