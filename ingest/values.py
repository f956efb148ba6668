"""Parsing of the small values documents are made of: numbers, calendar days and reporting periods.

Spreadsheet exports and frontmatter write the same value many ways ("1,840", "$1.2", "31.2%"; "2026-09-14",
"14 Sep 2026", "2026-09-14T10:00:00Z"; "2026-Q1", "Q1 2026"). Normalising them in one place keeps the metric
loader, the metadata resolver and the summaries consistent, and deterministic (no locale, no clock).
"""

from __future__ import annotations

import datetime as dt
import re

MISSING = frozenset({"", "-", "--", "—", "–", "n/a", "na", "null", "none", "nan", "#n/a", "?"})

_NUMBER_RE = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_CURRENCY = "$€£¥₹"
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


def parse_number(raw: object) -> float | None:
    """A number from a cell, or None when the cell is missing or not numeric.

    Strips what spreadsheets add for humans (thousands separators, currency symbols, a trailing %, accounting
    parentheses for negatives) so "1,840", "$1,840.50" and "(12)" all parse; "nan"/"inf" are refused so a
    text cell never becomes a number by accident.
    """
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return float(raw) if raw == raw and abs(raw) != float("inf") else None
    text = str(raw).strip()
    if text.lower() in MISSING:
        return None
    negative = text.startswith("(") and text.endswith(")")
    if negative:
        text = text[1:-1].strip()
    text = text.strip(_CURRENCY).replace(",", "").replace("_", "").replace("\u00a0", "").replace(" ", "")
    text = text.removesuffix("%").lstrip(_CURRENCY)
    if not _NUMBER_RE.fullmatch(text):
        return None
    value = float(text)
    return -value if negative else value


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


def parse_period(raw: object, allow_year: bool = False) -> str | None:
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


def slugify(value: str) -> str:
    """Lowercase, hyphen-separated id ("Growth Team" -> "growth-team"): how teams are keyed everywhere."""
    return re.sub(r"[^a-z0-9]+", "-", value.strip().lower()).strip("-")
