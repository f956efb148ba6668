"""The small pieces planning documents are written in: field lines, ids, numbers, reporting periods and dates.

Strategy docs and roadmaps are written by people, so the same fact appears in many shapes ("KR1.1 —",
"Key result 2.1:", "**Metric:** `nrr`", "Target: 110% for 2026-Q4", a Markdown table row). These helpers read
each shape into plain values and return None when a piece is not there, so the parser in
:mod:`assistant.planning_parse` never guesses. :class:`SourceText` puts a source back together from its chunks
first: the chunker splits long sections with overlapping text, and every line must remember its chunk so
each parsed item can be cited. Everything here is pure and clock-free, which keeps plans and metric
progress deterministic. (``assistant`` never imports ``ingest``, hence the small period parser of its own.)
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from assistant.schemas import Chunk

_MIN_OVERLAP = 12
_MARKUP = re.compile(r"\*\*|__|`")
_BULLET = re.compile(r"^\s*(?:[-*+•]\s+|\d{1,2}[.)]\s+)")
_FIELD = re.compile(r"^(?P<key>[A-Za-z][A-Za-z /()-]{0,30}?)\s*:\s*(?P<value>.*)$")
_HEADING = re.compile(r"^\s{0,3}(?P<hashes>#{1,6})\s+(?P<text>.*?)[\s#]*$")
_SEPARATOR = r"\s*(?:[:—–.)|-]+\s*|\s+(?=[A-Z(]))"
OBJECTIVE_HEAD = re.compile(
    r"^(?:(?i:objective)\s*#?\s*O?(?P<n1>\d{1,2})|O(?P<n2>\d{1,2}))(?!\.?\d)" + _SEPARATOR + r"(?P<title>\S.*)$"
)
KR_HEAD = re.compile(
    r"^(?i:kr|key\s+result)\s*#?\s*(?P<num>\d{1,2}(?:\.\d{1,2})?)(?!\.?\d)(?:" + _SEPARATOR + r"(?P<text>\S.*))?$"
)
OBJECTIVE_PLAIN = re.compile(r"^(?i:objective)\s*[:—–-]\s*(?P<title>\S.*)$")  # "**OBJECTIVE: Grow**" (no number)
KR_PLAIN = re.compile(r"^(?i:kr|key\s+result)\s*[:—–-]\s*(?P<text>\S.*)$")  # "- KR: Reach 10k MAU"
INITIATIVE_HEAD = re.compile(r"^(?P<id>[A-Z][A-Z0-9]{1,5}-\d{1,4})\b\s*[:—–.)|-]*\s*(?P<title>.*)$")
_NOT_INITIATIVE = re.compile(r"^(?:H[12]|Q[1-4]|FY\d*|KR\d*)-")  # "H2-2026 plan" is a period, not an initiative
OBJECTIVE_REF = re.compile(r"\bO(\d{1,2})\b|\bKR\s?(\d{1,2})(?:\.\d{1,2})?\b")
_NONE_VALUES = frozenset({"none", "n/a", "na", "-", "—", "tbd", "no", "nothing", "unassigned", ""})

_PAREN = re.compile(r"\([^)]*\)")
_NUMBER = re.compile(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[-+]?\.\d+")
_DAY = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_QUARTER = re.compile(r"\b(\d{4})[-\s]?Q([1-4])\b|\bQ([1-4])[-\s]?(\d{4})\b")
_HALF = re.compile(r"\b(\d{4})[-\s]?H([12])\b|\bH([12])[-\s]?(\d{4})\b")
_MONTH = re.compile(r"\b(\d{4})-(\d{2})\b(?!-\d)")
_MONTH_NAMES = {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_MONTH_WORDS = sorted({*(n.lower() for n in calendar.month_name if n), *_MONTH_NAMES, "sept"}, key=len, reverse=True)
_MONTH_WORD = re.compile(r"\b(" + "|".join(_MONTH_WORDS) + r")\.?\s+(?:of\s+)?(\d{4})\b", re.I)


def is_bold(line: str) -> bool:
    """A line whose text (after any list bullet) starts in bold: how many docs mark an objective."""
    return _BULLET.sub("", line).lstrip().startswith(("**", "__"))


def clean(text: str) -> str:
    """A line without Markdown emphasis/code marks and list bullets, trimmed."""
    return _BULLET.sub("", _MARKUP.sub("", text)).strip()


def heading(line: str) -> tuple[int, str] | None:
    """(level, text) of an ATX heading line, else None."""
    match = _HEADING.match(line)
    return (len(match["hashes"]), clean(match["text"])) if match else None


def field(line: str) -> tuple[str, str] | None:
    """("target date", "2026-12-31") from "- **Target date:** 2026-12-31"; None for prose and headings."""
    if _HEADING.match(line):
        return None
    match = _FIELD.match(clean(line))
    if not match:
        return None
    key = " ".join(_PAREN.sub("", match["key"]).lower().split())
    return key, match["value"].strip()


def initiative_id(text: str) -> tuple[str, str] | None:
    """(id, title) when ``text`` opens with an initiative id such as "GRO-1"."""
    match = INITIATIVE_HEAD.match(text)
    if not match or _NOT_INITIATIVE.match(match["id"]):
        return None
    return match["id"], match["title"].strip(" :—–-")


def objective_refs(value: str) -> list[str] | None:
    """Objective ids a field names ("O1, O3" -> [O1, O3]; "KR2.1" -> [O2]); [] for "none"; None if no ids."""
    if clean(value).lower().strip(" .") in _NONE_VALUES:
        return []
    refs = [f"O{int(a or b)}" for a, b in OBJECTIVE_REF.findall(value)]
    return list(dict.fromkeys(refs)) or None


def number(text: str | None) -> float | None:
    """The value a baseline or target states: the first number once periods and asides are removed.

    "1,840 (week of 2026-06-01)" -> 1840; "104.2% (2026-Q2)" -> 104.2; "Q2 2026: 19.0 months" -> 19.0.
    """
    if not text:
        return None
    bare = _PAREN.sub(" ", text)
    for pattern in (_DAY, _QUARTER, _HALF, _MONTH, _MONTH_WORD):
        bare = pattern.sub(" ", bare)
    match = _NUMBER.search(bare)
    return float(match.group(0).replace(",", "")) if match else None


def periods(text: str) -> list[str]:
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
        named = periods(aside)
        if named:
            return named[0]
    named = periods(text)
    return named[0] if named else None


def period_end(period: str) -> dt.date | None:
    """The day a period's value is complete: a day is itself; a month, quarter, half or year is its last day.

    Why the end: a monthly or quarterly figure ("12 accounts at the end of June") is only known once the
    period is over, so time elapsed toward a target is measured from there.
    """
    try:
        if "-Q" in period:
            year, quarter = period.split("-Q")
            return _month_end(int(year), 3 * int(quarter))
        if "-H" in period:
            year, half = period.split("-H")
            return _month_end(int(year), 6 * int(half))
        parts = [int(p) for p in period.split("-")]
    except ValueError:
        return None
    try:
        if len(parts) == 3:
            return dt.date(*parts)
        if len(parts) == 2:
            return _month_end(*parts)
        if len(parts) == 1:
            return dt.date(parts[0], 12, 31)
    except ValueError:
        return None
    return None


def deadline(text: str | None) -> dt.date | None:
    """The date a target is due: the latest date or period end it names ("by 2026-12-31"; "in each of 2026-10,
    2026-11 and 2026-12" -> 2026-12-31), or None when it names none."""
    ends = [end for p in periods(text or "") if (end := period_end(p)) is not None]
    return max(ends) if ends else None


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


@dataclass
class SourceText:
    """One source's lines in document order, each with the chunk id it came from, plus source-level metadata.

    Within a section, consecutive chunks overlap (the splitter repeats up to ``chunk_overlap`` characters), so
    the repeated text is dropped and a line cut in two is rejoined; sections are separated by a blank line.
    """

    source: str
    team: str | None
    doc_type: str | None
    lines: list[tuple[str, str]]

    @classmethod
    def from_chunks(cls, chunks: list[Chunk]) -> SourceText:
        ordered = sorted(chunks, key=lambda c: c.meta.position)
        lines: list[tuple[str, str]] = []
        previous: Chunk | None = None
        for chunk in ordered:
            parts = chunk.text.split("\n")
            if previous is not None and previous.meta.section == chunk.meta.section:
                overlap = _overlap(previous.text, chunk.text)
                parts = chunk.text[overlap:].split("\n")
                if overlap and lines:  # the cut fell inside a line: its rest continues that line
                    lines[-1] = (lines[-1][0] + parts.pop(0), lines[-1][1])
            elif lines:
                lines.append(("", chunk.id))
            lines += [(line, chunk.id) for line in parts]
            previous = chunk
        first = ordered[0].meta if ordered else None
        return cls(
            source=first.source if first else "",
            team=first.team if first else None,
            doc_type=first.doc_type if first else None,
            lines=lines,
        )


def _overlap(before: str, after: str) -> int:
    """Length of the longest end of ``before`` that ``after`` starts with (the splitter's overlap), or 0."""
    for size in range(min(len(before), len(after), 4000), _MIN_OVERLAP - 1, -1):
        if before.endswith(after[:size]):
            return size
    return 0
