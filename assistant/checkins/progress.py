"""Key-result progress as of a period's end, and which metrics count as moving, for check-in packs.

:func:`assistant.metrics.plan_progress` always reads a series' latest value; a pack for an earlier period must
not see data from after it, so the same series lookup and status rule are applied to the series cut at the
period end. Which objectives belong to a team is decided here too, from what documents state.
"""

from __future__ import annotations

import datetime as dt
import re

from assistant.errors import NotFound
from assistant.metrics.change import Change, compute_change
from assistant.metrics.progress import Progress, kr_progress
from assistant.metrics.series import find_series, list_series, metric_detail
from assistant.periods import period_end
from assistant.planning.plan import Objective, Plan
from assistant.runtime import Runtime

MIN_STEP = 0.01  # a latest change under 1% of the baseline-to-target distance is not movement


def progress_as_of(runtime: Runtime, plan: Plan, scope: list[str] | None,
                   end: dt.date) -> dict[str, tuple[Progress, Change | None]]:
    """Each key result's progress on the values of periods ending by ``end``, and its latest change.

    :func:`assistant.metrics.plan_progress` always reads the latest value; a pack for an earlier period must not
    see later data, so the same series lookup and status rule are applied to the truncated series.
    """
    available = list_series(runtime, scope)
    points_of: dict[tuple[str, str], list[tuple[str, float]]] = {}
    out: dict[str, tuple[Progress, Change | None]] = {}
    for kr in plan.key_results:
        try:
            info, _ = find_series(available, kr.metric or "")
        except NotFound:
            out[kr.id] = (kr_progress(kr, []), None)
            continue
        key = (info.metric, info.source)
        if key not in points_of:
            series = metric_detail(runtime, info.metric, scope, source=info.source, plan=plan, available=available)
            points_of[key] = [(v.period, v.value) for v in series.values
                              if v.value is not None and (period_end(v.period) or dt.date.max) <= end]
        points = points_of[key]
        progress = kr_progress(kr, points, None, info.source, info.chunk_id)
        if not points:
            progress.note = f"{info.metric} has no value for a period ending by {end.isoformat()}"
        change = compute_change(*points[-2], *points[-1]) if len(points) >= 2 else None
        out[kr.id] = (progress, change)
    return out


def is_moving(progress: Progress, change: Change | None) -> bool:
    """The documented rule (:data:`assistant.checkin_models.MOVING_RULE`).

    The step is measured against the key result's own baseline-to-target distance, not the value: uptime
    rising 0.02 points is a big step toward a 0.14-point goal, though tiny next to 99.9.
    """
    if progress.achieved:
        return True
    if progress.status in ("off track", "unknown") or change is None:
        return False
    if progress.baseline is None or progress.target is None or progress.target == progress.baseline:
        return False
    return change.absolute / (progress.target - progress.baseline) >= MIN_STEP


def owns(objective: Objective, team: str, plan: Plan) -> bool:
    """A team's objectives: those its ``Owner:`` line names before any parenthesis, or its roadmap serves."""
    owner = (objective.owner or "").split("(")[0].lower()
    if re.search(rf"\b{re.escape(team.lower())}\b", owner):
        return True
    return any(i.team == team for i in plan.initiatives_for(objective.id))
