"""The small pieces planning documents are written in: field lines, ids, numbers, reporting periods and dates.

Strategy docs and roadmaps are written by people, so the same fact appears in many shapes ("KR1.1 —",
"Key result 2.1:", "**Metric:** `nrr`", "Target: 110% for 2026-Q4", a Markdown table row). These helpers read
each shape into plain values and return None when a piece is not there, so the parser in
:mod:`assistant.planning.parse` never guesses. :class:`SourceText` puts a source back together from its chunks
first: the chunker splits long sections with overlapping text, and every line must remember its chunk so
each parsed item can be cited. Everything here is pure and clock-free, which keeps plans and metric
progress deterministic. Reporting periods and dates are read by :mod:`assistant.periods`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.periods import strip_periods
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
    bare = strip_periods(_PAREN.sub(" ", text))
    match = _NUMBER.search(bare)
    return float(match.group(0).replace(",", "")) if match else None


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
