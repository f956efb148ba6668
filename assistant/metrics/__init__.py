"""Metric series from parsed tables: one change and additivity rule, progress, answers to metric questions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.lazy import lazy_exports

if TYPE_CHECKING:
    from assistant.metrics.answers import metric_answer
    from assistant.metrics.change import Change, compute_change, describe_change, is_additive, period_totals
    from assistant.metrics.progress import Progress, Trend, kr_progress, trend
    from assistant.metrics.series import (
        MetricSeries,
        MetricsReport,
        SeriesInfo,
        find_series,
        list_series,
        metric_detail,
        metrics_report,
        plan_progress,
        render_metrics,
    )

__getattr__ = lazy_exports(
    __name__,
    {
        "MetricSeries": "series",
        "MetricsReport": "series",
        "SeriesInfo": "series",
        "find_series": "series",
        "list_series": "series",
        "metric_detail": "series",
        "metrics_report": "series",
        "plan_progress": "series",
        "render_metrics": "series",
        "Change": "change",
        "Progress": "progress",
        "Trend": "progress",
        "compute_change": "change",
        "describe_change": "change",
        "is_additive": "change",
        "period_totals": "change",
        "kr_progress": "progress",
        "trend": "progress",
        "metric_answer": "answers",
    },
)
__all__ = [
    "describe_change",
    "is_additive",
    "period_totals",
    "Change",
    "MetricSeries",
    "MetricsReport",
    "Progress",
    "SeriesInfo",
    "Trend",
    "compute_change",
    "find_series",
    "kr_progress",
    "list_series",
    "metric_answer",
    "metric_detail",
    "metrics_report",
    "plan_progress",
    "render_metrics",
    "trend",
]
