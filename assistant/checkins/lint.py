"""`prodops checkin lint`: roadmap entries that would make a check-in pack wrong, found before the meeting.

A pack can only report what roadmaps state. An item with no objective link is invisible to every objective,
one with no status can't be reviewed, and one whose target date has passed while it is not done misleads
everyone reading the date. Lint lists those per roadmap so product ops can get them fixed first. "Passed" is
judged against the latest dated document in the store (or ``as_of``), never the wall clock, so the same
workspace always gives the same report.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Literal

from pydantic import BaseModel, Field

from assistant.access import can_read
from assistant.checkins.cadences import Cadence
from assistant.planning.plan import Initiative, Plan, load_plan
from assistant.runtime import Runtime

Problem = Literal["no objective", "unknown objective", "no status", "stale date"]
DONE = frozenset({"done", "complete", "completed", "shipped", "launched", "cancelled", "canceled", "dropped"})


class LintIssue(BaseModel):
    initiative: str
    title: str
    problem: Problem
    detail: str
    chunk_id: str


class RoadmapLint(BaseModel):
    source: str
    team: str | None
    initiatives: int
    issues: list[LintIssue] = Field(default_factory=list)


class LintReport(BaseModel):
    as_of: dt.date | None
    cadence: str | None = None
    roadmaps: list[RoadmapLint] = Field(default_factory=list)

    @property
    def issue_count(self) -> int:
        return sum(len(r.issues) for r in self.roadmaps)


def is_done(status: str | None) -> bool:
    return bool(status) and any(word in (status or "") for word in DONE)


def is_stale(initiative: Initiative, as_of: dt.date | None) -> bool:
    """Target date before ``as_of`` while the item is not done (a done item's past date is just history)."""
    due = initiative.target_date
    return bool(due and as_of and due < as_of and not is_done(initiative.status))


def latest_source_date(runtime: Runtime, scope: list[str] | None = None,
                       until: dt.date | None = None) -> dt.date | None:
    """The date of the newest ingested document the caller may read (not after ``until``): "now" for lint and
    packs, taken from the data so reports are reproducible."""
    latest: dt.date | None = None
    for record in runtime.store.sources():
        readable = can_read(record.visibility, scope)
        if not (record.complete and readable and record.date):
            continue
        try:
            day = dt.date.fromisoformat(record.date[:10])
        except ValueError:
            continue
        if (until is None or day <= until) and (latest is None or day > latest):
            latest = day
    return latest


def _issues(initiative: Initiative, plan: Plan, as_of: dt.date | None) -> list[LintIssue]:
    found: list[tuple[Problem, str]] = []
    known = {o.id for o in plan.objectives}
    if not initiative.objective_ids:
        found.append(("no objective", "names no objective (add an `Objective:` line)"))
    elif plan.objectives:
        for objective_id in initiative.objective_ids:
            if objective_id not in known:
                found.append(("unknown objective", f"names {objective_id}, which no strategy doc defines"))
    if not initiative.status:
        found.append(("no status", "states no status (add a `Status:` line: on track, at risk, off track, done)"))
    if is_stale(initiative, as_of):
        assert initiative.target_date is not None
        state = initiative.status or "no status"
        found.append(("stale date", f"target date {initiative.target_date.isoformat()} is before "
                      f"{as_of.isoformat() if as_of else ''} and it is not done ({state})"))
    return [LintIssue(initiative=initiative.id, title=initiative.title, problem=problem, detail=detail,
                      chunk_id=initiative.chunk_id) for problem, detail in found]


def lint_roadmaps(runtime: Runtime, cadence: Cadence | None = None, as_of: dt.date | None = None,
                  scope: list[str] | None = None, plan: Plan | None = None) -> LintReport:
    """Per roadmap, its items that miss an objective link or a status, or carry a stale date.

    With a cadence, only the roadmaps of the teams it pulls in (``inputs.roadmaps``) are checked.
    """
    plan = plan if plan is not None else load_plan(runtime, scope)
    as_of = as_of or latest_source_date(runtime, scope)
    by_source: dict[str, list[Initiative]] = defaultdict(list)
    for initiative in plan.initiatives:
        if cadence is None or cadence.inputs.wants("roadmaps", initiative.team):
            by_source[initiative.source].append(initiative)
    report = LintReport(as_of=as_of, cadence=cadence.slug if cadence else None)
    for source in sorted(by_source):
        items = by_source[source]
        teams = sorted({i.team for i in items if i.team})
        report.roadmaps.append(RoadmapLint(source=source, team=", ".join(teams) or None, initiatives=len(items),
                                           issues=[x for i in items for x in _issues(i, plan, as_of)]))
    return report
