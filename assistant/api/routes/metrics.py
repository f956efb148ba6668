"""Metric series and key-result progress, computed from the parsed tables, for the caller's scope."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query

from assistant.api.deps import CallerDep, RuntimeDep
from assistant.metrics.series import MetricsReport, metrics_report

router = APIRouter(prefix="/v1", tags=["metrics"])


@router.get("/metrics", response_model=MetricsReport)
def get_metrics(
    caller: CallerDep,
    runtime: RuntimeDep,
    name: Annotated[str | None, Query(max_length=200, description="One metric: its values, change, trend.")] = None,
    as_of: Annotated[dt.date | None, Query(description="Measure progress as of this day (default: the end of "
                                                        "the latest period in the data).")] = None,
    periods: Annotated[int, Query(ge=2, le=520, description="Trend over this many latest periods.")] = 6,
) -> MetricsReport:
    """Every series in scope with key-result progress; with ``name``, that series in detail (404 if unknown)."""
    return metrics_report(runtime, name, scope=caller.scope, today=as_of, periods=periods)
