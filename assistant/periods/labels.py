"""Reporting periods and calendar days: the one vocabulary ingest, planning, metrics, check-ins and contacts share.

Documents name periods in many shapes ("2026-05", "May 2026", "Q3 2026", "2026-H2", an ISO timestamp); tables,
plans and cadences must agree on what each means, so every shape is normalised here to one label
(YYYY-MM-DD, YYYY-MM, YYYY-Qn, YYYY-Hn, YYYY) and every question about a label (when it starts and ends, which
quarter a day is in) is answered here. Everything is pure and clock-free, so reports are reproducible.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel

from assistant.errors import ProdopsError

PeriodKind = Literal["month", "quarter", "half"]
_DAY_FORMATS = (
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%d-%b-%Y",
    "%d-%B-%Y",
    "%d %b %Y",
    "%d %B %Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%b %d %Y",
    "%B %d %Y",
)
_MONTH_FORMATS = ("%b %Y", "%B %Y", "%b-%Y", "%B-%Y", "%Y/%m")
_QUARTER_RES = (
    re.compile(r"(?P<y>\d{4})[-\s_]?Q(?P<q>[1-4])", re.IGNORECASE),
    re.compile(r"Q(?P<q>[1-4])[-\s_]?(?P<y>\d{4})", re.IGNORECASE),
)
_YEAR_MONTH_RE = re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})")
_YEAR_RE = re.compile(r"(?:19|20)\d{2}")
_DAY = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_QUARTER = re.compile(r"\b(\d{4})[-\s]?Q([1-4])\b|\bQ([1-4])[-\s]?(\d{4})\b")
_HALF = re.compile(r"\b(\d{4})[-\s]?H([12])\b|\bH([12])[-\s]?(\d{4})\b")
_MONTH = re.compile(r"\b(\d{4})-(\d{2})\b(?!-\d)")
_MONTH_NAMES = {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_MONTH_WORDS = sorted({*(n.lower() for n in calendar.month_name if n), *_MONTH_NAMES, "sept"}, key=len, reverse=True)
_PAREN = re.compile(r"\([^)]*\)")
_MONTH_WORD = re.compile(r"\b(" + "|".join(_MONTH_WORDS) + r")\.?\s+(?:of\s+)?(\d{4})\b", re.I)
_PERIODS: dict[str, tuple[re.Pattern[str], str]] = {
    "month": (re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"), "YYYY-MM, e.g. 2026-11"),
    "quarter": (re.compile(r"^(\d{4})-Q([1-4])$"), "YYYY-Qn, e.g. 2026-Q4"),
    "half": (re.compile(r"^(\d{4})-H([12])$"), "YYYY-Hn, e.g. 2026-H2"),
}
_MONTHS_PER = {"month": 1, "quarter": 3, "half": 6}


def parse_day(raw: object) -> dt.date | None:
    """A calendar day from a date/datetime object or a string in a common format, else None.

    Accepts ISO dates and timestamps (with "Z"), YYYY/MM/DD and written-out forms such as "14 Sep 2026",
    "29-Jan-2025" or "Sep 14, 2026". Slash dates with the year last are refused: 01/02/2026 is ambiguous.
    """
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = str(raw).strip()
    if not text or not text[0].isalnum():
        return None
    try:
        return dt.datetime.fromisoformat(text).date()
    except ValueError:
        pass
    for fmt in _DAY_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def normalize_period(raw: object, allow_year: bool = False) -> str | None:
    """Normalise a reporting period to YYYY-MM-DD, YYYY-MM or YYYY-Qn (YYYY only when ``allow_year``).

    Why: one table may say "2026-05", another "May 2026" and a third an ISO timestamp; normalised strings
    sort and compare correctly and are what the metric store keys on. Bare years are only accepted when the
    column is known to hold years, since a four-digit number is otherwise just a number.
    """
    if isinstance(raw, dt.date):
        return (raw.date() if isinstance(raw, dt.datetime) else raw).isoformat()
    text = str(raw).strip()
    if not text:
        return None
    for pattern in _QUARTER_RES:
        match = pattern.fullmatch(text)
        if match:
            return f"{match['y']}-Q{match['q']}"
    match = _YEAR_MONTH_RE.fullmatch(text)
    if match and 1 <= int(match["m"]) <= 12:
        return f"{match['y']}-{int(match['m']):02d}"
    day = parse_day(text)
    if day is not None:
        return day.isoformat()
    for fmt in _MONTH_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).strftime("%Y-%m")
        except ValueError:
            continue
    if allow_year and _YEAR_RE.fullmatch(text):
        return text
    return None


def period_start(period: str) -> dt.date:
    """The first day a normalised period covers, for sorting and spacing; unknown labels sort first."""
    try:
        if "-Q" in period:
            year, quarter = period.split("-Q")
            return dt.date(int(year), 3 * int(quarter) - 2, 1)
        parts = [int(p) for p in period.split("-")]
        if len(parts) == 1:
            return dt.date(parts[0], 1, 1)
        if len(parts) == 2:
            return dt.date(parts[0], parts[1], 1)
        return dt.date(parts[0], parts[1], parts[2])
    except ValueError:
        return dt.date.min


def period_end(period: str) -> dt.date | None:
    """The day a period's value is complete: a day is itself; a month, quarter, half or year is its last day.

    Why the end: a monthly or quarterly figure ("12 accounts at the end of June") is only known once the
    period is over, so time elapsed toward a target is measured from there.
    """
    try:
        if "-Q" in period:
            year, quarter = period.split("-Q")
            return month_end(int(year), 3 * int(quarter))
        if "-H" in period:
            year, half = period.split("-H")
            return month_end(int(year), 6 * int(half))
        parts = [int(p) for p in period.split("-")]
    except ValueError:
        return None
    try:
        if len(parts) == 3:
            return dt.date(*parts)
        if len(parts) == 2:
            return month_end(*parts)
        if len(parts) == 1:
            return dt.date(parts[0], 12, 31)
    except ValueError:
        return None
    return None


def deadline(text: str | None) -> dt.date | None:
    """The date a target is due: the latest date or period end it names ("by 2026-12-31"; "in each of 2026-10,
    2026-11 and 2026-12" -> 2026-12-31), or None when it names none."""
    ends = [end for p in periods_in(text or "") if (end := period_end(p)) is not None]
    return max(ends) if ends else None


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def quarter_of(day: dt.date) -> str:
    """The calendar quarter a day falls in, as a period label ("2026-Q4")."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def periods_in(text: str) -> list[str]:
    """Every reporting period named in ``text``, normalised (YYYY-MM-DD, YYYY-MM, YYYY-Qn, YYYY-Hn), in order."""
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []

    def add(match: re.Match[str], label: str) -> None:
        if not any(a < match.end() and match.start() < b for a, b in taken):
            taken.append(match.span())
            found.append((match.start(), label))

    for m in _DAY.finditer(text):
        add(m, m.group(0))
    for m in _QUARTER.finditer(text):
        add(m, f"{m[1] or m[4]}-Q{m[2] or m[3]}")
    for m in _HALF.finditer(text):
        add(m, f"{m[1] or m[4]}-H{m[2] or m[3]}")
    for m in _MONTH.finditer(text):
        if 1 <= int(m[2]) <= 12:
            add(m, f"{m[1]}-{m[2]}")
    for m in _MONTH_WORD.finditer(text):
        add(m, f"{m[2]}-{_MONTH_NAMES[m[1][:3].lower()]:02d}")
    return [label for _, label in sorted(found)]


def stated_period(text: str | None) -> str | None:
    """The period a baseline refers to: the one in parentheses if any ("1,840 (week of 2026-06-01)"), else the
    first one named."""
    if not text:
        return None
    for aside in _PAREN.findall(text):
        named = periods_in(aside)
        if named:
            return named[0]
    named = periods_in(text)
    return named[0] if named else None


def strip_periods(text: str) -> str:
    """``text`` with every period it names blanked out, so the numbers left are values, not years or months."""
    for pattern in (_DAY, _QUARTER, _HALF, _MONTH, _MONTH_WORD):
        text = pattern.sub(" ", text)
    return text


class Period(BaseModel):
    """A check-in period: its label as typed, its kind, and its first and last day."""

    label: str
    kind: PeriodKind
    start: dt.date
    end: dt.date


def parse_period(text: str, kind: PeriodKind | None = None) -> Period:
    """``2026-11``, ``2026-Q4`` or ``2026-H2`` as a :class:`Period`; ``kind`` insists on one of them.

    Raises:
        ProdopsError: not a period, or not the cadence's kind of period (the message gives the right form).
    """
    label = text.strip().upper()
    for name, (pattern, _form) in _PERIODS.items():
        match = pattern.match(label)
        if not match:
            continue
        if kind is not None and name != kind:
            raise ProdopsError(f"this cadence runs per {kind}: use {_PERIODS[kind][1]}, not {text!r}")
        year, index = int(match.group(1)), int(match.group(2))
        first_month = (index - 1) * _MONTHS_PER[name] + 1
        end = period_end(label)
        assert end is not None  # the patterns only accept periods period_end understands
        return Period(label=label, kind=name, start=dt.date(year, first_month, 1), end=end)  # type: ignore[arg-type]
    forms = "; ".join(form for _, form in _PERIODS.values()) if kind is None else _PERIODS[kind][1]
    raise ProdopsError(f"{text!r} is not a period: use {forms}")


Granularity = Literal["daily", "weekly", "monthly", "quarterly", "yearly", "single-period", "irregular"]
_STEP_DAYS: dict[str, int] = {"daily": 1, "weekly": 7}


def granularity(periods: list[str]) -> Granularity:
    """daily/weekly/monthly/quarterly/yearly from the period format or the typical spacing between periods."""
    if len(periods) < 2:
        return "single-period"
    if all("-Q" in p for p in periods):
        return "quarterly"
    if all(len(p) == 7 for p in periods):
        return "monthly"
    if all(len(p) == 4 for p in periods):
        return "yearly"
    starts = sorted(period_start(p) for p in periods)
    gaps = sorted((b - a).days for a, b in zip(starts, starts[1:], strict=False))
    median = gaps[len(gaps) // 2]
    for low, high, label in ((0, 1, "daily"), (6, 8, "weekly"), (28, 31, "monthly"), (89, 92, "quarterly")):
        if low <= median <= high:
            return label  # type: ignore[return-value]
    return "yearly" if 364 <= median <= 366 else "irregular"


def period_span(label: str, step: str) -> tuple[dt.date, dt.date]:
    """First and last day a period of a series covers: a day label of a weekly series is its whole week, of a
    monthly series its month; month, quarter, half and year labels cover themselves."""
    start = period_start(label)
    if len(label) == 10 and step in _STEP_DAYS:
        return start, start + dt.timedelta(days=_STEP_DAYS[step] - 1)
    if len(label) == 10 and step == "monthly":
        return start, month_end(start.year, start.month)
    if len(label) == 10 and step == "quarterly":
        last = start.month + 2
        return start, month_end(start.year + (last - 1) // 12, (last - 1) % 12 + 1)
    if len(label) == 10 and step == "yearly":
        return start, dt.date(start.year, 12, 31)
    return start, period_end(label) or start


def partial_reason(periods: list[str], step: str, as_of: dt.date | None = None) -> str | None:
    """Why the last period of a series is incomplete, or None: it is shorter than the series' step (a week
    that stops after three days), or it ends after the day the data was exported (``as_of``)."""
    if len(periods) < 3 or step not in {"daily", "weekly", "monthly", "quarterly", "yearly"}:
        return None
    starts = [period_start(p) for p in periods]
    gaps = sorted((b - a).days for a, b in zip(starts, starts[1:], strict=False))
    typical = gaps[len(gaps) // 2]
    last_gap = (starts[-1] - starts[-2]).days
    if typical > 1 and last_gap < 0.6 * typical:
        return f"the last period ({periods[-1]}) starts {last_gap} days after the one before, not {typical}"
    end = period_span(periods[-1], step)[1]
    if as_of is not None and end > as_of:
        return f"the last period ({periods[-1]}) runs to {end}, after the data's date ({as_of})"
    return None
