"""Check-in packs: per objective, key-result progress, the work serving it, risks, questions and changes.

Teams rebuild review decks by hand and each does it differently; a pack is the same document for everyone,
computed from the plan (strategy docs and roadmaps), the metric tables and the interviews. Metrics are read as
of the end of the period: only values of periods ending by then count, and a key result's pace is judged at
its latest such value, never at the wall clock. Every statement is written by code from computed facts and
cites the chunks it came from; a language model, when configured, only adds a checked narrative.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from langchain_core.language_models import BaseChatModel

from assistant.alignment import build_alignment
from assistant.checkins.cadences import Cadence
from assistant.checkins.diff import apply_diff
from assistant.checkins.history import HistoryStore, variant
from assistant.checkins.lint import is_stale, latest_source_date
from assistant.checkins.models import (
    CheckinPack,
    InitiativeLine,
    KeyResultLine,
    ObjectiveSection,
    Statement,
    ThemeLine,
    cite,
    merge,
    number_citations,
)
from assistant.checkins.progress import is_moving, owns, progress_as_of
from assistant.errors import ProdopsError
from assistant.metrics.change import Change
from assistant.metrics.progress import Progress, Status
from assistant.periods import Period, parse_period, period_end
from assistant.planning.plan import Initiative, Objective, load_plan
from assistant.runtime import Runtime
from assistant.text import format_number
from assistant.themes.report import synthesize_themes

_SEVERITY: dict[Status, int] = {"off track": 3, "at risk": 2, "on track": 1, "unknown": 0}
MAX_THEMES = 8


def history_store(runtime: Runtime, history_dir: Path | None = None) -> HistoryStore:
    """Where packs are kept: ``history_dir`` or ``<data_dir>/checkins``."""
    return HistoryStore(history_dir or runtime.settings.data_dir / "checkins")


def _kr_line(progress: Progress, change: Change | None) -> KeyResultLine:
    citations = merge(cite(progress.kr_source, progress.kr_chunk_id),
                      cite(progress.series_source, progress.series_chunk_id))
    return KeyResultLine(progress=progress, moving=is_moving(progress, change), last_change=change,
                         citations=citations)


def _figures(p: Progress) -> str:
    due = f" by {p.target_date.isoformat()}" if p.target_date else ""
    return f"{format_number(p.current)} vs {format_number(p.target)} target{due}" if p.current is not None \
        and p.target is not None else "no current value"


def _kr_question(line: KeyResultLine, word: str) -> Statement | None:
    p, cites = line.progress, line.citations
    if p.status == "off track":
        text = f"{p.kr_id} is off track ({_figures(p)}): what changes this {word}?"
    elif p.status == "at risk":
        text = (f"{p.kr_id} is at risk ({_figures(p)}; {p.progress or 0:.0%} of the way with "
                f"{p.expected or 0:.0%} of the time gone): what would bring it back on pace?")
    elif p.status == "unknown":
        text = f"{p.kr_id} has no status ({p.note or 'not measurable'}): who will measure it?"
    else:
        return None
    return Statement(kind=p.status.replace(" ", "_"), subject=p.kr_id, text=text, citations=cites)


def _initiative_question(item: InitiativeLine) -> Statement | None:
    due = item.target_date.isoformat() if item.target_date else ""
    if not item.status and item.stale:
        text = f"{item.id} has no status and its target date ({due}) has passed: is it still in progress?"
    elif not item.status:
        text = f"{item.id} states no status: how is it going?"
    elif item.stale:
        text = f"{item.id}'s target date ({due}) has passed while it is {item.status}: what is the new date?"
    elif item.status in ("off track", "at risk"):
        text = f"{item.id} is {item.status}: what is the recovery plan?"
    else:
        return None
    kind = "stale_date" if item.stale else "no_status" if not item.status else "initiative_" + item.status
    return Statement(kind=kind.replace(" ", "_"), subject=item.id, text=text, citations=item.citations)


def _section(objective: Objective, krs: list[KeyResultLine], items: list[InitiativeLine], served: bool,
             no_evidence: set[str], word: str) -> ObjectiveSection:
    section = ObjectiveSection(id=objective.id, title=objective.title, owner=objective.owner,
                               citations=cite(objective.source, objective.chunk_id), key_results=krs,
                               initiatives=items)
    known = [k.progress.status for k in krs if k.progress.status != "unknown"]
    section.status = max(known, key=lambda s: _SEVERITY[s]) if known else "unknown"
    if krs and not any(k.moving for k in krs):
        detail = "; ".join(f"{k.progress.kr_id} {k.progress.status} ({_figures(k.progress)})" for k in krs)
        section.risks.append(Statement(kind="no_moving_metric", subject=objective.id,
                                       citations=merge(*(k.citations for k in krs)),
                                       text=f"No metric of {objective.id} is moving toward its target: {detail}."))
    if not served:
        section.risks.append(Statement(kind="uncovered", subject=objective.id, citations=section.citations,
                                       text=f"No roadmap initiative serves {objective.id}."))
        section.questions.append(Statement(kind="uncovered", subject=objective.id, citations=section.citations,
                                           text=f"Nothing on the roadmaps serves {objective.id}: who will propose "
                                                "work for it?"))
    for item in items:
        if item.id in no_evidence:
            section.risks.append(Statement(kind="no_evidence", subject=item.id, citations=item.citations,
                                           text=f"{item.id} {item.title} is a bet without customer evidence: no "
                                                "interview supports it."))
    section.questions += [q for q in (_kr_question(k, word) for k in krs) if q]
    section.questions += [q for q in (_initiative_question(i) for i in items) if q]
    return section


def _initiative_line(item: Initiative, as_of: dt.date | None, customers: dict[str, int]) -> InitiativeLine:
    return InitiativeLine(id=item.id, title=item.title, team=item.team, status=item.status, owner=item.owner,
                          target_date=item.target_date, stale=is_stale(item, as_of),
                          evidence_customers=customers.get(item.id), citations=cite(item.source, item.chunk_id))


def _themes(runtime: Runtime, pack: CheckinPack, cadence: Cadence, period: Period, scope: list[str] | None) -> None:
    research = cadence.inputs.research
    if research is False:
        return
    pack.research = True
    days = None if research is True else int(research)
    pack.research_since = period.end - dt.timedelta(days=days) if days else None
    report = synthesize_themes(runtime, scope, pack.team, since=pack.research_since, until=period.end)
    for theme in report.themes[:MAX_THEMES]:
        pack.themes.append(ThemeLine(label=theme.label, keywords=theme.keywords, customers=theme.customers,
                                     interviews=theme.interviews, companies=theme.companies,
                                     citations=merge(*(cite(q.source, q.chunk_id) for q in theme.quotes[:3]))))


def build_pack(runtime: Runtime, cadence: Cadence, period: str, team: str | None = None,
               scope: list[str] | None = None, *, model: BaseChatModel | None = None,
               history_dir: Path | None = None, save: bool = True, evidence: bool = True) -> CheckinPack:
    """The pack of ``cadence`` for ``period`` (e.g. ``2026-11``), optionally for one team, in ``scope``.

    Compared with the latest stored pack of an earlier period (same cadence, team and scope) and stored
    afterwards unless ``save`` is false. ``evidence`` looks up customer evidence per initiative (retrieval).

    Raises:
        ProdopsError: a period of the wrong kind, or a team that is not a participant.
    """
    span = parse_period(period, cadence.period)
    if team and cadence.participants and team not in cadence.participants:
        raise ProdopsError(f"team {team!r} is not a participant of {cadence.slug} "
                           f"({', '.join(cadence.participants)})")
    plan = load_plan(runtime, scope, model=model)
    progress = progress_as_of(runtime, plan, scope, span.end)
    dates = [latest_source_date(runtime, scope, until=span.end)]
    dates += [period_end(p.current_period) for p, _ in progress.values() if p.current_period]
    known = [d for d in dates if d and d <= span.end]
    pack = CheckinPack(cadence=cadence.name, cadence_slug=cadence.slug, period=span.label, period_kind=span.kind,
                       period_start=span.start, period_end=span.end, as_of=max(known) if known else None,
                       team=team, scope=scope, participants=cadence.participants,
                       unread_plans=[u.source for u in plan.unread], plan_read=plan.read)
    note = plan.unread_note()
    if note:
        pack.risks.append(Statement(kind="unread_plan", text=f"{note}. What they plan is missing from this pack.",
                                    citations=merge(*(cite(u.source, u.chunk_id) for u in plan.unread))))
    in_roadmaps = [i for i in plan.initiatives if cadence.inputs.wants("roadmaps", i.team)
                   and (team is None or i.team == team)]
    no_evidence: set[str] = set()
    customers: dict[str, int] = {}
    if evidence and in_roadmaps:
        alignment = build_alignment(runtime, scope, plan)
        no_evidence = set(alignment.bets_without_evidence)
        customers = {i.id: i.evidence.customers for c in alignment.objectives for i in c.initiatives}
    served = {o for i in plan.initiatives for o in i.objective_ids}
    for objective in plan.objectives:
        if not cadence.inputs.wants("objectives", objective.id) or (team and not owns(objective, team, plan)):
            continue
        krs = [_kr_line(*progress[kr.id]) for kr in objective.key_results
               if cadence.inputs.wants("metrics", kr.metric) and kr.id in progress]
        items = [_initiative_line(i, pack.as_of, customers) for i in in_roadmaps if objective.id in i.objective_ids]
        pack.objectives.append(_section(objective, krs, items, objective.id in served, no_evidence, span.kind))
    if cadence.inputs.objectives != "all":
        ids = {o.id.lower() for o in plan.objectives}
        pack.missing_objectives = [o for o in cadence.inputs.objectives if o.lower() not in ids]
    for item in in_roadmaps:
        if not item.objective_ids:
            line = _initiative_line(item, pack.as_of, customers)
            pack.risks.append(Statement(kind="orphan", subject=item.id, citations=line.citations,
                                        text=f"{item.id} {item.title} ({item.team or 'no team'}) names no objective."))
            pack.questions.append(Statement(kind="orphan", subject=item.id, citations=line.citations,
                                            text=f"{item.id} names no objective: which objective does it serve, "
                                                 "or should it stop?"))
    _themes(runtime, pack, cadence, span, scope)
    store = history_store(runtime, history_dir)
    previous = store.previous(cadence.slug, span.label, variant(team, scope))
    if previous is not None:
        apply_diff(previous, pack)
    if model is not None:
        from assistant.checkins.narrative import add_narratives

        add_narratives(runtime, pack, model)
    number_citations(pack)
    if save:
        store.save(pack)
    return pack
