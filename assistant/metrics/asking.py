"""What a metric question asks for: which operations, over which periods, at which granularity.

"Which month of 2025 was the best, and where did December end up?" asks for a maximum over 2025 and a value
in December; "how did X in the week of A compare with the week of B?" for a change between two periods;
"which network got the most views?" for the leading category; "was there a week when A reached more than B?"
for a comparison of two categories. Reading this from the wording is deliberately separate from choosing the
series, so the same reading works for any company's tables.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field

from assistant.periods.phrases import Span, period_phrases

Operation = Literal["max", "min", "value", "change", "latest", "leader", "share", "first", "compare"]

_MAX = re.compile(r"\b(most|highest|best|biggest|largest|peak(ed|s)?|top|record|maximum|max|strongest|busiest)\b", re.I)
_MIN = re.compile(r"\b(least|lowest|worst|weakest|smallest|fewest|minimum|min|slowest|quietest)\b", re.I)
_CHANGE = re.compile(
    r"\b(compar(e|ed|es|ison)|vs\.?|versus|change[sd]?|grow(th|n)?|grew|declin\w*|drop(ped)?|fell|rose|"
    r"increase[sd]?|decrease[sd]?|difference|trend\w*|move[sd]?|moving)\b", re.I)
_VALUE = re.compile(
    r"\b(how (many|much)|what (was|were|is|are)|number of|count of|level of|end(ed)? up|total|amount of|"
    r"how (big|large|high|low)|reach(ed)?)\b", re.I)
_LATEST = re.compile(r"\b(latest|current(ly)?|now|most recent|these days|so far|to date)\b", re.I)
_SHARE = re.compile(r"\b(share of|percent(age)? of|proportion of|fraction of|what part of)\b", re.I)
_FIRST = re.compile(r"\b(first (time|week|month|day|quarter)|when did .{1,40} (start|begin))\b", re.I)
_COMPARE = re.compile(
    r"\b(more|less|fewer|higher|lower|bigger|smaller|greater)\b(\s+[\w'’-]+){0,3}?\s+than\b|"
    r"\b(exceed(ed|s)?|outperform(ed|s)?|beat|surpass(ed)?|overtook|overtake)\b", re.I)
_WHICH = re.compile(r"\b(which|what)\s+(?:(?:of the|one of the)\s+)?([a-z][\w-]*)(?:\s+([a-z][\w-]*))?", re.I)
_TIME_NOUNS = frozenset("week weeks month months quarter quarters year years day days date period time".split())
_NOT_NOUNS = frozenset("was were is are did do does has have had one kind sort type".split())
_GRANULARITY = (
    (re.compile(r"\b(weekly|week|weeks|wow)\b", re.I), "weekly"),
    (re.compile(r"\b(monthly|month|months|mom)\b", re.I), "monthly"),
    (re.compile(r"\b(quarterly|quarter|quarters|qoq)\b", re.I), "quarterly"),
    (re.compile(r"\b(daily|day|days)\b", re.I), "daily"),
    (re.compile(r"\b(yearly|annual|annually|yoy)\b", re.I), "yearly"),
)


class MetricAsk(BaseModel):
    """The question's metric intent; ``operations`` is empty when it asks for no number."""

    question: str
    operations: list[Operation] = Field(default_factory=list)
    spans: list[Span] = Field(default_factory=list)
    granularity: str | None = None
    comparative: Literal["more", "less"] | None = None
    ranks_categories: bool = Field(default=False, description="'which <thing> had the most …' over categories")

    @property
    def wants_numbers(self) -> bool:
        return bool(self.operations)

    @property
    def about_time(self) -> bool:
        """Whether the answer is a period or a move over time (so a snapshot table cannot give it)."""
        timed = {"change", "latest", "first"} | (set() if self.ranks_categories else {"max", "min"})
        return bool(timed & set(self.operations)) or any(s.unit not in {"year"} for s in self.spans)


def _which_noun(question: str) -> str | None:
    """The thing a "which/what X" question asks to pick ("which network" -> network), not a verb ("what was")."""
    for match in _WHICH.finditer(question):
        noun = match.group(2).lower()
        if noun not in _NOT_NOUNS:
            return noun
    return None


def read_ask(question: str, fiscal_start_month: int = 1) -> MetricAsk:
    """The operations, periods and granularity a question asks about (no series chosen yet)."""
    spans = period_phrases(question, fiscal_start_month=fiscal_start_month)
    ops: list[Operation] = []
    noun = _which_noun(question)
    extreme: Operation | None = "max" if _MAX.search(question) else "min" if _MIN.search(question) else None
    ranks = bool(extreme and noun and noun not in _TIME_NOUNS and not noun.endswith("ly"))
    comparative: Literal["more", "less"] | None = None
    compared = _COMPARE.search(question)
    if compared:
        comparative = "less" if re.search(r"less|fewer|lower|smaller", compared.group(0).lower()) else "more"
        ops.append("compare")
    if extreme:
        ops.append("leader" if ranks else extreme)
    if _SHARE.search(question):
        ops.append("share")
    if _FIRST.search(question):
        ops.append("first")
    points = [s for s in spans if s.unit not in {"year", "range"} or s.role == "between"]
    if _CHANGE.search(question) or len([s for s in points if s.role != "between"]) >= 2:
        ops.append("change")
    elif points and not extreme:
        ops.append("value")
    elif extreme and any(s.unit not in {"year", "range"} for s in spans):
        ops.append("value")  # "which month was best, and where did December end up?"
    if not ops and (_VALUE.search(question) or _LATEST.search(question)):
        ops.append("latest" if _LATEST.search(question) or not spans else "value")
    granularity = next((g for pattern, g in _GRANULARITY if pattern.search(question)), None)
    if granularity is None and any(s.unit == "week" for s in spans):
        granularity = "weekly"
    return MetricAsk(question=question, operations=list(dict.fromkeys(ops)), spans=spans, granularity=granularity,
                     comparative=comparative, ranks_categories=ranks)
