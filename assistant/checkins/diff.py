"""What changed since the previous pack of the same cadence: the part of a check-in people actually read.

The previous pack is the stored JSON, not a recomputation, so the comparison is with what the meeting saw last
time even if roadmaps were edited since. Changes are matched by id (objectives, key results, initiatives) and,
for research themes, by label, strongest keyword or shared customers (labels come from clustering and
can shift wording).
"""

from __future__ import annotations

from assistant.checkins.models import CheckinPack, KeyResultLine, ObjectiveSection, Statement, ThemeLine, merge
from assistant.metrics.change import compute_change
from assistant.text import format_number

THEME_MATCH = 0.5  # customer overlap (Jaccard) from which two differently labelled themes are one


def _kr_changes(old: KeyResultLine | None, new: KeyResultLine, since: str) -> list[Statement]:
    p = new.progress
    cites = new.citations
    if old is None:
        return [Statement(kind="new_key_result", subject=p.kr_id, citations=cites,
                          text=f"{p.kr_id} was not in the {since} pack.")]
    q = old.progress
    out = []
    if p.current is not None and q.current is not None and (p.current_period, p.current) != (q.current_period,
                                                                                           q.current):
        change = compute_change(q.current_period or since, q.current, p.current_period or "", p.current)
        pct = "" if change.percent is None else f", {change.percent:+.{2 if abs(change.percent) < 1 else 1}f}%"
        verb = "rose" if change.absolute > 0 else "fell" if change.absolute < 0 else "stayed"
        out.append(Statement(kind="metric_moved", subject=p.kr_id, citations=cites, text=(
            f"{p.kr_id} ({p.metric}) {verb} from {format_number(q.current)} ({q.current_period}) to "
            f"{format_number(p.current)} ({p.current_period}): {change.absolute:+,.4g}{pct}.")))
    elif p.current is not None:
        out.append(Statement(kind="no_new_data", subject=p.kr_id, citations=cites, text=(
            f"{p.kr_id} ({p.metric}) has no newer data than in the {since} pack: still "
            f"{format_number(p.current)} for {p.current_period}.")))
    if p.status != q.status:
        out.append(Statement(kind="status_changed", subject=p.kr_id, citations=cites,
                             text=f"{p.kr_id} went from {q.status} to {p.status}."))
    return out


def _initiative_changes(old: ObjectiveSection | None, new: ObjectiveSection, since: str) -> list[Statement]:
    before = {i.id: i for i in old.initiatives} if old else {}
    now = {i.id: i for i in new.initiatives}
    out = []
    for item in new.initiatives:
        prior = before.get(item.id)
        if prior is None:
            if old is not None:
                out.append(Statement(kind="new_initiative", subject=item.id, citations=item.citations,
                                     text=f"New since {since}: {item.id} {item.title} ({item.status or 'no status'})."))
        elif (prior.status or "") != (item.status or ""):
            out.append(Statement(kind="status_changed", subject=item.id, citations=item.citations, text=(
                f"{item.id} changed status from {prior.status or 'no status'} to {item.status or 'no status'}.")))
    for item in (old.initiatives if old else []):
        if item.id not in now:
            gone = [c.model_copy(update={"previous": True}) for c in item.citations]
            out.append(Statement(kind="dropped_initiative", subject=item.id, citations=gone,
                                 text=f"Dropped since {since}: {item.id} {item.title} no longer serves {new.id}."))
    return out


def _same_theme(a: ThemeLine, b: ThemeLine) -> bool:
    """Same label, same strongest keyword, or mostly the same customers."""
    if a.label.lower() == b.label.lower() or (a.keywords[:1] and a.keywords[:1] == b.keywords[:1]):
        return True
    ca, cb = set(a.companies), set(b.companies)
    return bool(ca and cb) and len(ca & cb) / len(ca | cb) >= THEME_MATCH


def _theme_changes(old: CheckinPack, new: CheckinPack, since: str) -> list[Statement]:
    out = []
    for theme in new.themes:
        prior = next((t for t in old.themes if _same_theme(t, theme)), None)
        if prior is None:
            out.append(Statement(kind="new_theme", subject=theme.label, citations=theme.citations, text=(
                f"New research theme since {since}: \"{theme.label}\", raised by {theme.customers} customers "
                f"in {theme.interviews} interviews.")))
        elif theme.customers != prior.customers:
            out.append(Statement(kind="theme_grew", subject=theme.label, citations=theme.citations, text=(
                f"Research theme \"{theme.label}\" is now raised by {theme.customers} customers "
                f"(was {prior.customers} in {since}).")))
    return out


def apply_diff(old: CheckinPack, new: CheckinPack) -> None:
    """Fill ``changes`` of ``new`` (per objective and pack-wide) from the stored pack ``old``."""
    since = old.period
    new.previous_period = since
    old_sections = {o.id: o for o in old.objectives}
    for section in new.objectives:
        prior = old_sections.get(section.id)
        if prior is None:
            section.changes.append(Statement(kind="new_objective", subject=section.id, citations=section.citations,
                                             text=f"{section.id} was not in the {since} pack."))
        old_krs = {k.progress.kr_id: k for k in prior.key_results} if prior else {}
        for kr in section.key_results:
            section.changes.extend(_kr_changes(old_krs.get(kr.progress.kr_id), kr, since))
        section.changes.extend(_initiative_changes(prior, section, since))
        if prior is not None and prior.status != section.status:
            section.changes.append(Statement(
                kind="status_changed", subject=section.id,
                citations=merge(*(k.citations for k in section.key_results)),
                text=f"{section.id} overall went from {prior.status} to {section.status}."))
    current = {o.id for o in new.objectives}
    for section in old.objectives:
        if section.id not in current:
            gone = [c.model_copy(update={"previous": True}) for c in section.citations]
            text = f"{section.id} {section.title} was in the {since} pack, not in this one."
            new.changes.append(Statement(kind="dropped_objective", subject=section.id, citations=gone, text=text))
    if new.research:
        new.changes.extend(_theme_changes(old, new, since))
