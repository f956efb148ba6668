"""The check-in pack as data: what `prodops checkin`, `POST /v1/checkins` and the history store share.

A pack is stored as JSON and diffed against the next one, so it is a plain pydantic model. Every sentence in it
is a :class:`Statement` carrying the citations (source path + chunk id) of what it was computed from; the
footnote numbers are assigned once, at the end (:func:`number_citations`), so Markdown, HTML and JSON agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from pydantic import BaseModel, Field

from assistant.metrics.change import Change
from assistant.metrics.progress import STATUS_RULE, Progress, Status
from assistant.schemas import Citation

MOVING_RULE = (
    "A key result's metric is moving when its latest change (the last two values up to the period end) goes "
    "toward the target by at least 1% of the baseline-to-target distance and the key result is not off track "
    "(progress at least half the expected pace); a met target counts as moving. An objective none of whose "
    "key results is moving is a risk."
)
OBJECTIVE_STATUS_RULE = "An objective's status is its worst key-result status (off track > at risk > on track)."


class Statement(BaseModel):
    """One sentence of the pack, written by code from computed facts, with its citations."""

    kind: str = Field(description="e.g. off_track, no_status, stale_date, orphan, uncovered, no_evidence, unread_plan, "
                      "no_moving_metric, metric_moved, no_new_data, status_changed, new_initiative, "
                      "dropped_initiative, new_theme")
    subject: str | None = Field(default=None, description="The KR, initiative, objective or theme it is about.")
    text: str
    citations: list[Citation] = Field(default_factory=list)


class KeyResultLine(BaseModel):
    progress: Progress
    moving: bool
    last_change: Change | None = None
    citations: list[Citation] = Field(default_factory=list)


class InitiativeLine(BaseModel):
    id: str
    title: str
    team: str | None
    status: str | None
    owner: str | None = None
    target_date: dt.date | None = None
    stale: bool = Field(default=False, description="Target date before the pack's as-of date while not done.")
    evidence_customers: int | None = Field(default=None, description="Distinct customers whose words support it.")
    citations: list[Citation] = Field(default_factory=list)


class NarrativeSentence(BaseModel):
    """A model-written sentence that passed the grounding check against the chunks it cites."""

    text: str
    citations: list[Citation] = Field(default_factory=list)
    score: float


class ObjectiveSection(BaseModel):
    id: str
    title: str
    owner: str | None = None
    status: Status = "unknown"
    citations: list[Citation] = Field(default_factory=list)
    key_results: list[KeyResultLine] = Field(default_factory=list)
    initiatives: list[InitiativeLine] = Field(default_factory=list)
    risks: list[Statement] = Field(default_factory=list)
    questions: list[Statement] = Field(default_factory=list)
    changes: list[Statement] = Field(default_factory=list)
    narrative: list[NarrativeSentence] = Field(default_factory=list)
    narrative_dropped: int = Field(default=0, description="Model sentences removed: unsupported or uncited.")


class ThemeLine(BaseModel):
    label: str
    keywords: list[str] = Field(default_factory=list)
    customers: int
    interviews: int
    companies: list[str] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)


class CheckinPack(BaseModel):
    """A check-in pack for one cadence, period, team and access scope."""

    cadence: str
    cadence_slug: str
    period: str
    period_kind: str
    period_start: dt.date
    period_end: dt.date
    as_of: dt.date | None = Field(default=None, description="The latest data used: never after the period end.")
    team: str | None = None
    scope: list[str] | None = None
    participants: list[str] = Field(default_factory=list)
    previous_period: str | None = Field(default=None, description="The stored pack the changes compare with.")
    objectives: list[ObjectiveSection] = Field(default_factory=list)
    missing_objectives: list[str] = Field(default_factory=list, description="Named by the cadence, not found.")
    unread_plans: list[str] = Field(default_factory=list, description="Documents that look like plans (OKR words, "
                                    "objective or key-result labels) but yielded nothing.")
    plan_read: bool = Field(default=True, description="False when no objective, key result or initiative was read.")
    risks: list[Statement] = Field(default_factory=list, description="Not tied to one objective (orphans).")
    questions: list[Statement] = Field(default_factory=list)
    changes: list[Statement] = Field(default_factory=list, description="Pack-wide: research, dropped objectives.")
    themes: list[ThemeLine] = Field(default_factory=list)
    research: bool = False
    research_since: dt.date | None = None
    sources: list[Citation] = Field(default_factory=list, description="Every citation once, in footnote order.")
    status_rule: str = STATUS_RULE
    moving_rule: str = MOVING_RULE
    objective_status_rule: str = OBJECTIVE_STATUS_RULE
    narrative_model: str | None = None

    def citation_lists(self) -> Iterator[list[Citation]]:
        """Every list of citations in the pack, in reading order."""
        for section in self.objectives:
            yield section.citations
            for kr in section.key_results:
                yield kr.citations
            for initiative in section.initiatives:
                yield initiative.citations
            for statement in (*section.risks, *section.questions, *section.changes):
                yield statement.citations
            for sentence in section.narrative:
                yield sentence.citations
        for statement in (*self.risks, *self.questions, *self.changes):
            yield statement.citations
        for theme in self.themes:
            yield theme.citations


def cite(source: str | None, chunk_id: str | None, previous: bool = False) -> list[Citation]:
    """A one-element citation list, or empty when the fact has no chunk (e.g. a metric with no series)."""
    return [Citation(source=source, chunk_id=chunk_id, previous=previous)] if source and chunk_id else []


def merge(*groups: list[Citation]) -> list[Citation]:
    """Citation lists joined, each chunk once, order kept."""
    seen: dict[str, Citation] = {}
    for group in groups:
        for c in group:
            seen.setdefault(c.chunk_id, c.model_copy())
    return list(seen.values())


def number_citations(pack: CheckinPack) -> None:
    """Give every distinct chunk one footnote number (first use first) and list them in ``pack.sources``."""
    numbers: dict[str, Citation] = {}
    for group in pack.citation_lists():
        for c in group:
            if c.chunk_id not in numbers:
                numbers[c.chunk_id] = Citation(source=c.source, chunk_id=c.chunk_id, n=len(numbers) + 1,
                                           previous=c.previous)
            c.n = numbers[c.chunk_id].n
    pack.sources = list(numbers.values())
