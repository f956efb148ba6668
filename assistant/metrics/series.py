"""Metric series from the parsed report tables, with exact changes, trends and key-result progress.

This is what `prodops metrics`, `GET /v1/metrics` and check-in packs read. Rows come from the metric-row store
(parsed tables), only for reports the caller may read (the source manifest's visibility); every series cites
its report's summary chunk, the retrievable text that states the same figures. Arithmetic lives in
:mod:`assistant.metrics.change`.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections import defaultdict

from pydantic import BaseModel, Field

from assistant.access import source_readable
from assistant.errors import NotFound
from assistant.metrics.change import Change, compute_change, is_additive
from assistant.metrics.progress import STATUS_RULE, Progress, Trend, kr_progress, trend
from assistant.periods import granularity, partial_reason, period_end
from assistant.planning.plan import Plan, load_plan, metric_key
from assistant.reports import Format, render
from assistant.runtime import Runtime
from assistant.schemas import Kind, SearchFilters
from assistant.store.filters import chroma_where
from assistant.text import format_number, humanize_metric

TREND_PERIODS = 6


class SeriesInfo(BaseModel):
    """One metric series of one report; ``chunk_id`` is the report's summary chunk for this metric (cite it)."""

    metric: str
    label: str
    source: str
    title: str
    team: str | None
    chunk_id: str | None
    periods: int
    first_period: str
    last_period: str
    latest: float | None
    categories: list[str] = Field(default_factory=list, description="Set for long tables (one row per category).")
    granularity: str = Field(default="", description="daily, weekly, monthly, quarterly, yearly, irregular...")
    partial: str | None = Field(default=None, description="Why the last period is incomplete, when it is.")
    chunk_ids: list[str] = Field(default_factory=list, description="Every summary chunk of this series, in order.")


class CategoryValue(BaseModel):
    category: str
    value: float


class PeriodValue(BaseModel):
    """A period's value; for long tables the total over categories (None when summing makes no sense, e.g.
    rates) plus the per-category rows."""

    period: str
    value: float | None
    categories: list[CategoryValue] = Field(default_factory=list)


class MetricSeries(BaseModel):
    info: SeriesInfo
    values: list[PeriodValue]
    change: Change | None = Field(default=None, description="Latest period vs the one before.")
    trend: Trend | None = None
    progress: list[Progress] = Field(default_factory=list, description="Key results measured on this series.")
    other_sources: list[str] = Field(default_factory=list, description="Other reports with a metric of this name.")


class MetricsReport(BaseModel):
    """What `prodops metrics` renders: every series in scope, key-result progress, and one series in detail."""

    series: list[SeriesInfo] = Field(default_factory=list)
    progress: list[Progress] = Field(default_factory=list)
    detail: MetricSeries | None = None
    as_of: dt.date | None = None
    status_rule: str = STATUS_RULE




def _summary_chunks(runtime: Runtime, scope: list[str] | None) -> dict[tuple[str, str], list[str]]:
    """(source, metric) -> ids of the summary chunks of that metric in that report, in document order."""
    found: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    for chunk in runtime.store.iter_chunks(where=chroma_where(SearchFilters(kinds=[Kind.METRICS]), scope)):
        found[(chunk.meta.source, chunk.meta.metric or "")].append((chunk.meta.position, chunk.id))
    return {key: [chunk_id for _, chunk_id in sorted(ids)] for key, ids in found.items()}


def _values(runtime: Runtime, metric: str, source: str) -> list[PeriodValue]:
    rows: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for _, period, category, value in runtime.metric_rows.series(metric, source):
        rows[period].append((category, value))
    out = []
    for period, cells in rows.items():
        if len(cells) == 1 and not cells[0][0]:
            out.append(PeriodValue(period=period, value=cells[0][1]))
            continue
        total = sum(v for _, v in cells) if is_additive(metric) else None
        out.append(PeriodValue(period=period, value=total,
                               categories=[CategoryValue(category=c or "(none)", value=v) for c, v in cells]))
    return sorted(out, key=lambda v: _period_sort(v.period))


def _period_sort(period: str) -> tuple[dt.date, str]:
    return (period_end(period) or dt.date.min, period)


_CACHE: dict[tuple[int, int, tuple[str, ...] | None], list[SeriesInfo]] = {}


def list_series(runtime: Runtime, scope: list[str] | None = None) -> list[SeriesInfo]:
    """Every metric series in a report the caller may read, by metric name then report.

    Cached until the metric rows change (every ingest that touches a metric report changes them), since chat
    resolves every metric question against this list.
    """
    key = (id(runtime.metric_rows), runtime.metric_rows.version(), tuple(sorted(scope)) if scope is not None else None)
    if key not in _CACHE:
        if len(_CACHE) > 64:
            _CACHE.clear()
        _CACHE[key] = _list_series(runtime, scope)
    return [s.model_copy() for s in _CACHE[key]]


def _list_series(runtime: Runtime, scope: list[str] | None) -> list[SeriesInfo]:
    records = {r.path: r for r in runtime.store.sources() if r.kind is Kind.METRICS and source_readable(r, scope)}
    chunks = _summary_chunks(runtime, scope)
    out = []
    for metric, source, _ in runtime.metric_rows.metrics():
        record = records.get(source)
        if record is None:
            continue
        values = _values(runtime, metric, source)
        if not values:
            continue
        categories = list(dict.fromkeys(c.category for v in values for c in v.categories))
        labels = [v.period for v in values]
        step = granularity(labels)
        as_of = dt.date.fromisoformat(record.date[:10]) if record.date else None
        ids = chunks.get((source, metric), [])
        out.append(SeriesInfo(metric=metric, label=humanize_metric(metric), source=source, title=record.title,
                              team=record.team, chunk_id=ids[0] if ids else None, periods=len(values),
                              first_period=values[0].period, last_period=values[-1].period,
                              latest=values[-1].value, categories=categories, granularity=step,
                              partial=partial_reason(labels, step, as_of), chunk_ids=ids))
    return out


def _pick(candidates: list[SeriesInfo]) -> SeriesInfo:
    """A plain series over a per-category one, then the most recent, then the first report by path."""
    ranked = sorted(candidates, key=lambda s: s.source)
    ranked.sort(key=lambda s: _period_sort(s.last_period), reverse=True)
    return sorted(ranked, key=lambda s: bool(s.categories))[0]


def find_series(available: list[SeriesInfo], name: str, source: str | None = None) -> tuple[SeriesInfo, list[str]]:
    """The series called ``name`` (case and separators ignored) and the other reports that have it.

    Raises:
        NotFound: no series of that name in scope; the message suggests close names.
    """
    matches = [s for s in available if metric_key(s.metric) == metric_key(name) and source in (None, s.source)]
    if not matches:
        names = sorted({s.metric for s in available})
        close = difflib.get_close_matches(metric_key(name), names, n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(close)}?" if close else "run `prodops metrics` to list them"
        raise NotFound(f"unknown metric {name!r}{f' in {source}' if source else ''}; {hint}")
    chosen = _pick(matches)
    return chosen, [s.source for s in matches if s.source != chosen.source]


def _points(values: list[PeriodValue]) -> list[tuple[str, float]]:
    return [(v.period, v.value) for v in values if v.value is not None]


def metric_detail(runtime: Runtime, name: str, scope: list[str] | None = None, source: str | None = None,
                  today: dt.date | None = None, periods: int = TREND_PERIODS, plan: Plan | None = None,
                  available: list[SeriesInfo] | None = None) -> MetricSeries:
    """One series with its per-period values, latest change, trend and progress of the key results on it."""
    info, others = find_series(available if available is not None else list_series(runtime, scope), name, source)
    values = _values(runtime, info.metric, info.source)
    points = _points(values)
    plan = plan if plan is not None else load_plan(runtime, scope)
    krs = plan.key_results_for_metric(info.metric)
    progress = [kr_progress(kr, points, today, info.source, info.chunk_id) for kr in krs]
    lower = next((kr.lower_is_better for kr in krs if kr.lower_is_better is not None), None)
    change = compute_change(*points[-2], *points[-1]) if len(points) >= 2 else None
    return MetricSeries(info=info, values=values, change=change, trend=trend(points, periods, lower),
                        progress=progress, other_sources=others)


def period_change(series: MetricSeries, from_period: str, to_period: str) -> Change:
    """Change of ``series`` between two of its periods.

    Raises:
        NotFound: a period the series does not have (or has no total for).
    """
    values = dict(_points(series.values))
    for period in (from_period, to_period):
        if period not in values:
            raise NotFound(f"{series.info.metric} has no value for period {period!r} in {series.info.source}")
    return compute_change(from_period, values[from_period], to_period, values[to_period])


def plan_progress(runtime: Runtime, scope: list[str] | None = None, today: dt.date | None = None,
                  plan: Plan | None = None, available: list[SeriesInfo] | None = None) -> list[Progress]:
    """Progress of every key result in the plan, each measured on the series its ``Metric:`` line names."""
    plan = plan if plan is not None else load_plan(runtime, scope)
    available = available if available is not None else list_series(runtime, scope)
    out = []
    for kr in plan.key_results:
        try:
            info, _ = find_series(available, kr.metric or "")
        except NotFound:
            out.append(kr_progress(kr, [], today))
            continue
        points = _points(_values(runtime, info.metric, info.source))
        out.append(kr_progress(kr, points, today, info.source, info.chunk_id))
    return out


def metrics_report(runtime: Runtime, name: str | None = None, scope: list[str] | None = None,
                   today: dt.date | None = None, periods: int = TREND_PERIODS) -> MetricsReport:
    """Everything `prodops metrics [NAME]` shows, for the caller's scope (trend over the last ``periods``)."""
    available = list_series(runtime, scope)
    plan = load_plan(runtime, scope)
    detail = (metric_detail(runtime, name, scope, today=today, periods=periods, plan=plan, available=available)
              if name else None)
    progress = detail.progress if detail else plan_progress(runtime, scope, today, plan, available)
    return MetricsReport(series=available, progress=progress, detail=detail, as_of=today)


def render_metrics(report: MetricsReport, fmt: Format = "md") -> str:
    """The report as Markdown, HTML or JSON (templates ``metrics.<fmt>.j2``; numbers via ``format_number``)."""
    return render("metrics", report, fmt, num=format_number)
