"""Periods as people write them in questions, read into date spans.

"December 2025", "the week starting 2026-01-04", "Q3", "FY24 Q2", "in 2025", "Feb-Apr 2021", "since March",
"between May and July", "last quarter": each becomes a :class:`Span` (first and last day, its unit, its role in
the question). A span without a year ("December", "Q3") keeps ``year=None`` and is settled against the data
by :meth:`Span.in_year`, because only the data says which December a question means. Relative phrases ("last
quarter") are settled against an anchor day, normally the end of the series asked about, never the wall clock.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict

from assistant.periods.labels import month_end

Unit = Literal["day", "week", "month", "quarter", "half", "year", "range"]
Role = Literal["at", "since", "until", "between"]

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS |= {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m} | {"sept": 9}
_MON = r"(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?:19|20)\d{2}"
_PREP = r"(?:in|of|for|during|since|until|till|through|by|from|to|between|and|at|before|after|end of|start of)"
_WEEK_CUE = r"(?:week\s+(?:of|starting|beginning|commencing|from)(?:\s+on)?|week\s+of\s+the)"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("week_day", re.compile(rf"\b{_WEEK_CUE}\s+(\d{{4}})-(\d{{2}})-(\d{{2}})\b", re.I)),
    ("day", re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")),
    ("month_range", re.compile(rf"\b({_MON})\s*(?:-|–|to|through)\s*({_MON})\s+({_YEAR})\b", re.I)),
    ("iso_month", re.compile(r"\b(\d{4})-(0[1-9]|1[0-2])\b(?!-\d)")),
    ("fiscal_quarter", re.compile(r"\b(?:FY\s?'?(\d{2,4})[\s-]*Q([1-4])|Q([1-4])[\s-]*FY\s?'?(\d{2,4}))\b", re.I)),
    ("quarter", re.compile(rf"\b(?:({_YEAR})[\s-]?Q([1-4])|Q([1-4])(?:[\s-]+({_YEAR}))?)\b", re.I)),
    ("ordinal_quarter", re.compile(rf"\b(first|second|third|fourth)\s+quarter(?:\s+of\s+({_YEAR}))?\b", re.I)),
    ("half", re.compile(rf"\b(?:({_YEAR})[\s-]?H([12])|H([12])(?:[\s-]+({_YEAR}))?)\b", re.I)),
    ("month_year", re.compile(rf"\b({_MON})\s+(?:of\s+)?({_YEAR})\b", re.I)),
    ("month", re.compile(rf"(?:\b{_PREP}\s+(?:the\s+)?)?\b({_MON})(?=\W|$)", re.I)),
    ("fiscal_year", re.compile(r"\bFY\s?'?(\d{2,4})\b", re.I)),
    ("year", re.compile(rf"\b({_YEAR})\b")),
    ("relative", re.compile(r"\b(last|previous|this|current)\s+(week|month|quarter|year)\b", re.I)),
]
_ORDINAL = {"first": 1, "second": 2, "third": 3, "fourth": 4}


class Span(BaseModel):
    """A period named in a question: first and last day (inclusive), or a month/quarter of unknown year.
    Frozen: :func:`period_phrases` hands the same spans to every caller that reads the same text."""

    model_config = ConfigDict(frozen=True)

    text: str
    unit: Unit
    start: dt.date | None = None
    end: dt.date | None = None
    month: int | None = None  # set with year=None: "December" of a year the data decides
    quarter: int | None = None
    role: Role = "at"
    position: int = 0

    def in_year(self, year: int) -> Span:
        """This span settled in ``year`` (a span that already has dates is returned as it is)."""
        if self.start is not None:
            return self
        if self.month:
            return self.model_copy(update={"start": dt.date(year, self.month, 1), "end": month_end(year, self.month)})
        if self.quarter:
            first = 3 * self.quarter - 2
            return self.model_copy(update={"start": dt.date(year, first, 1), "end": month_end(year, first + 2)})
        return self


def _year(text: str) -> int:
    value = int(text)
    return value + 2000 if value < 100 else value


def _fiscal(year: int, quarter: int | None, start_month: int) -> tuple[dt.date, dt.date]:
    """Fiscal year ``year`` (named after the calendar year it ends in, the common convention) or one quarter."""
    first = dt.date(year - 1 if start_month > 1 else year, start_month, 1)
    months = (3 * (quarter - 1), 3 * quarter) if quarter else (0, 12)
    begin = _add_months(first, months[0])
    last = _add_months(first, months[1] - 1)
    return begin, month_end(last.year, last.month)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.month - 1 + months
    return dt.date(day.year + index // 12, index % 12 + 1, 1)


def _month_span(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), month_end(year, month)


def _relative(which: str, unit: str, anchor: dt.date) -> tuple[dt.date, dt.date]:
    back = which.lower() in {"last", "previous"}
    if unit == "week":
        start = anchor - dt.timedelta(days=anchor.weekday() + (7 if back else 0))
        return start, start + dt.timedelta(days=6)
    if unit == "month":
        first = _add_months(dt.date(anchor.year, anchor.month, 1), -1 if back else 0)
        return _month_span(first.year, first.month)
    if unit == "quarter":
        first = _add_months(dt.date(anchor.year, 3 * ((anchor.month - 1) // 3) + 1, 1), -3 if back else 0)
        return first, month_end(_add_months(first, 2).year, _add_months(first, 2).month)
    year = anchor.year - 1 if back else anchor.year
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _span(kind: str, m: re.Match[str], fiscal_start: int, anchor: dt.date | None) -> Span | None:
    text = m.group(0).strip()
    g = m.groups()
    if kind in {"day", "week_day"}:
        try:
            day = dt.date(int(g[0]), int(g[1]), int(g[2]))
        except ValueError:
            return None
        end = day + dt.timedelta(days=6) if kind == "week_day" else day
        return Span(text=text, unit="week" if kind == "week_day" else "day", start=day, end=end)
    if kind == "month_range":
        year = int(g[2])
        first, last = _MONTHS[g[0].lower().rstrip(".")], _MONTHS[g[1].lower().rstrip(".")]
        start_year = year - 1 if first > last else year
        return Span(text=text, unit="range", start=dt.date(start_year, first, 1), end=month_end(year, last))
    if kind == "iso_month":
        start, end = _month_span(int(g[0]), int(g[1]))
        return Span(text=text, unit="month", start=start, end=end)
    if kind == "fiscal_quarter":
        start, end = _fiscal(_year(g[0] or g[3]), int(g[1] or g[2]), fiscal_start)
        return Span(text=text, unit="quarter", start=start, end=end)
    if kind in {"quarter", "ordinal_quarter"}:
        if kind == "quarter":
            quarter, named = int(g[1] or g[2]), g[0] or g[3]
        else:
            quarter, named = _ORDINAL[g[0].lower()], g[1]
        if named is None:
            return Span(text=text, unit="quarter", quarter=quarter)
        first = 3 * quarter - 2
        return Span(text=text, unit="quarter", start=dt.date(int(named), first, 1),
                    end=month_end(int(named), first + 2))
    if kind == "half":
        half, named = int(g[1] or g[2]), g[0] or g[3]
        if named is None:
            return None
        first = 6 * half - 5
        return Span(text=text, unit="half", start=dt.date(int(named), first, 1), end=month_end(int(named), first + 5))
    if kind == "month_year":
        start, end = _month_span(int(g[1]), _MONTHS[g[0].lower().rstrip(".")])
        return Span(text=text, unit="month", start=start, end=end)
    if kind == "month":
        word = g[0]
        preposition = m.group(0)[: m.start(1) - m.start(0)].strip()
        capitalised = word[0].isupper() and m.start(1) > 0
        if not preposition and not capitalised:
            return None  # "may" the verb, "march" the verb: a month only where the sentence makes it one
        if word.lower().rstrip(".") in {"may", "mar", "jun", "aug", "sep", "oct", "dec", "jan", "feb", "apr"} and \
                not preposition:
            return None  # short or ambiguous words count only after a preposition ("in May")
        return Span(text=word, unit="month", month=_MONTHS[word.lower().rstrip(".")])
    if kind == "fiscal_year":
        start, end = _fiscal(_year(g[0]), None, fiscal_start)
        return Span(text=text, unit="year", start=start, end=end)
    if kind == "year":
        year = int(g[0])
        return Span(text=text, unit="year", start=dt.date(year, 1, 1), end=dt.date(year, 12, 31))
    if kind == "relative" and anchor is not None:
        start, end = _relative(g[0], g[1].lower(), anchor)
        return Span(text=text, unit=g[1].lower(), start=start, end=end)  # type: ignore[arg-type]
    return None


def _role(question: str, start: int) -> Role:
    before = question[max(0, start - 16) : start].lower()
    if re.search(r"\b(since|from|after)\s+(the\s+)?(week\s+\w+\s+)?$", before):
        return "since"
    if re.search(r"\b(until|till|through|before|up to)\s+(the\s+)?$", before):
        return "until"
    if re.search(r"\bbetween\s+(the\s+)?$", before):
        return "between"
    return "at"


def period_phrases(question: str, *, fiscal_start_month: int = 1, anchor: dt.date | None = None) -> list[Span]:
    """Every period the question names, in order; overlapping matches keep the most specific reading.

    "between X and Y", "from X to Y" and "X to Y" mark both ends with the ``between`` role; a month or quarter
    without a year inside such a range takes the year of the other end.

    Remembered per text: answer synthesis asks it of every candidate sentence, and the same passages come back
    for question after question.
    """
    return list(_period_phrases(question, fiscal_start_month, anchor))


@lru_cache(maxsize=16384)
def _period_phrases(question: str, fiscal_start_month: int, anchor: dt.date | None) -> tuple[Span, ...]:
    taken: list[tuple[int, int]] = []
    found: list[Span] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(question):
            a, b = m.span()
            if any(a < y and x < b for x, y in taken):
                continue
            span = _span(kind, m, fiscal_start_month, anchor)
            if span is None:
                continue
            taken.append((a, b))
            at = question.find(span.text, a)
            found.append(span.model_copy(update={"position": at, "role": _role(question, at)}))
    found.sort(key=lambda s: s.position)
    for i in range(1, len(found)):
        first, second = found[i - 1], found[i]
        gap = question[first.position + len(first.text) : second.position].strip().lower()
        if gap in {"and", "to", "through", "until", "till", "-", "–"} and first.role in {"between", "since", "at"}:
            if first.role == "between" or gap != "and":
                found[i - 1] = _settle_pair(first, second).model_copy(update={"role": "between"})
                found[i] = _settle_pair(second, first).model_copy(update={"role": "between"})
    return tuple(found)


def _settle_pair(span: Span, other: Span) -> Span:
    if span.start is None and other.start is not None:
        return span.in_year(other.start.year)
    return span


def years_named(spans: list[Span]) -> list[int]:
    """Calendar years the question names on their own ("in 2025"), to settle month and quarter spans."""
    return [s.start.year for s in spans if s.unit == "year" and s.start is not None]
