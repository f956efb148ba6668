"""The small pieces planning documents are written in: field lines, ids, numbers, reporting periods and dates.

Strategy docs and roadmaps are written by people, so the same fact appears in many shapes ("KR1.1 —",
"Key result 2.1:", "**Metric:** `nrr`", "Target: 110% for 2026-Q4", a Markdown table row). These helpers read
each shape into plain values and return None when a piece is not there, so the parser in
:mod:`assistant.planning.parse` never guesses. :class:`SourceText` puts a source back together from its chunks
first (the Markdown tree is parsed from it): the chunker splits long sections with overlapping text, and every
line must remember its chunk so each parsed item can be cited. Everything here is pure and clock-free, which
keeps plans and metric progress deterministic. Reporting periods and dates are read by :mod:`assistant.periods`.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cached_property

from assistant.periods import strip_periods
from assistant.schemas import Chunk

_MIN_OVERLAP = 12
_MARKUP = re.compile(r"\*\*|__|`")
_BULLET = re.compile(r"^\s*(?:[-*+•]\s+|\d{1,2}[.)]\s+)")
_FIELD = re.compile(r"^(?P<key>[A-Za-z][A-Za-z /()-]{0,30}?)\s*:\s*(?P<value>.*)$")
_HEADING = re.compile(r"^\s{0,3}(?P<hashes>#{1,6})\s+(?P<text>.*?)[\s#]*$")
_SEPARATOR = r"\s*(?:[:—–.)|-]+\s*|\s+(?=[A-Z(]))"
KR_HEAD = re.compile(
    r"^(?i:kr|key\s+result)\s*#?\s*(?P<num>\d{1,2}(?:\.\d{1,2})?)(?!\.?\d)(?:" + _SEPARATOR + r"(?P<text>\S.*))?$"
)
INITIATIVE_HEAD = re.compile(r"^(?P<id>[A-Z][A-Z0-9]{1,5}-\d{1,4})\b\s*[:—–.)|-]*\s*(?P<title>.*)$")
_NOT_INITIATIVE = re.compile(r"^(?:H[12]|Q[1-4]|FY\d*|KR\d*)-")  # "H2-2026 plan" is a period, not an initiative
OBJECTIVE_REF = re.compile(r"\bO(\d{1,2})\b|\bKR\s?(\d{1,2})(?:\.\d{1,2})?\b")
_NONE_VALUES = frozenset({"none", "n/a", "na", "-", "—", "tbd", "no", "nothing", "unassigned", ""})

_PAREN = re.compile(r"\([^)]*\)")
_NUMBER = re.compile(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[-+]?\.\d+")


def clean(text: str) -> str:
    """A line without Markdown emphasis/code marks and list bullets, trimmed."""
    return _BULLET.sub("", _MARKUP.sub("", text)).strip()


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
    """One source's text put back together from its chunks, each line remembering the chunk it came from.

    Within a section, consecutive chunks overlap (the splitter repeats up to ``chunk_overlap`` characters), so
    the repeated text is dropped and a line cut in two is rejoined. Where two chunks do not overlap, the
    splitter cut at whitespace it then stripped; the chunker records it (``ChunkMeta.lead``) and it is put
    back exactly. For chunks stored without it, the line break is restored with a blank line before a new
    paragraph, and a list line gets back the indentation of its nearest sibling so nesting survives.
    Sections are separated by a blank line.
    """

    source: str
    team: str | None
    doc_type: str | None
    lines: list[tuple[str, str]]
    kind: str | None = None
    title: str | None = None
    date: str | None = None

    @classmethod
    def from_chunks(cls, chunks: list[Chunk]) -> SourceText:
        ordered = sorted(chunks, key=lambda c: c.meta.position)
        lines: list[tuple[str, str]] = []
        previous: Chunk | None = None
        for chunk in ordered:
            parts = chunk.text.split("\n")
            if previous is not None and previous.meta.section == chunk.meta.section:
                overlap = _overlap(previous.text, chunk.text)
                if overlap:
                    parts = chunk.text[overlap:].split("\n")
                    if lines:  # the cut fell inside a line: its rest continues that line
                        lines[-1] = (lines[-1][0] + parts.pop(0), lines[-1][1])
                elif lines and chunk.meta.lead is not None:  # the stripped whitespace was kept: exact
                    gap = chunk.meta.lead.split("\n")
                    lines[-1] = (lines[-1][0] + gap[0], lines[-1][1])
                    lines += [(blank, chunk.id) for blank in gap[1:-1]]
                    if len(gap) > 1:
                        parts[0] = gap[-1] + parts[0]
                    else:
                        lines[-1] = (lines[-1][0] + parts.pop(0), lines[-1][1])
                elif lines and _open_row(lines[-1][0]):  # a table row longer than a chunk, cut at a space
                    lines[-1] = (f"{lines[-1][0]} {parts.pop(0)}", lines[-1][1])
                elif lines:  # stored before leads were kept: restore what the splitter most likely stripped
                    parts[0] = _rejoin(lines, parts, chunk.id)
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
            kind=str(first.kind) if first else None,
            title=first.title if first else None,
            date=first.date if first else None,
        )

    @cached_property
    def text(self) -> str:
        return "\n".join(line for line, _ in self.lines)

    @cached_property
    def starts(self) -> list[int]:
        """Offset in :attr:`text` where each line starts."""
        out, at = [], 0
        for line, _ in self.lines:
            out.append(at)
            at += len(line) + 1
        return out

    def chunk_at(self, offset: int) -> str:
        """The chunk holding the character at ``offset`` of :attr:`text`."""
        if not self.lines:
            return ""
        return self.lines[max(0, bisect.bisect_right(self.starts, offset) - 1)][1]

    def chunks_between(self, start: int, end: int) -> list[str]:
        """Every chunk holding part of ``text[start:end]``, in order."""
        if not self.lines:
            return []
        first = max(0, bisect.bisect_right(self.starts, start) - 1)
        last = max(first, bisect.bisect_right(self.starts, max(start, end - 1)) - 1)
        return list(dict.fromkeys(chunk for _, chunk in self.lines[first: last + 1]))


_LIST_LINE = re.compile(r"^(?P<indent>[ \t]*)(?P<marker>[-*+]|\d{1,9}[.)])(?P<gap>[ \t]+|$)")
_BLOCK_START = re.compile(r"^\s*(?:#{1,6}\s|>|\||```|~~~)")


def _rejoin(lines: list[tuple[str, str]], parts: list[str], chunk_id: str) -> str:
    """The first line of a chunk that follows the previous one without overlap, with what the splitter stripped.

    Appends a blank line to ``lines`` when the chunk starts a new block, and returns the chunk's first line
    with its indentation restored: a list line takes its nearest sibling's indentation, a paragraph followed
    by indented lines goes inside the list item before it, anything else starts at the margin.
    """
    first = parts[0]
    before = next((line for line, _ in reversed(lines) if line.strip()), "")
    if not lines[-1][0].strip() or _BLOCK_START.match(first):
        return first
    if before.rstrip(" ").endswith("\\") or before.endswith("  "):  # a hard break: the same paragraph goes on
        item = _LIST_LINE.match(before)
        return (" " * _content_column(item) if item else before[: len(before) - len(before.lstrip())]) + first
    after = next((line for line in parts[1:] if line.strip()), "")
    depth = len(after) - len(after.lstrip())
    listed = _LIST_LINE.match(first)
    if listed:
        if not _LIST_LINE.match(before) and before == before.lstrip():  # after a paragraph at the margin
            lines.append(("", chunk_id))
            return first
        if depth and not _LIST_LINE.match(after):  # its own continuation line shows where its text starts
            return " " * max(0, depth - len(listed["marker"]) - 1) + first
        return _sibling_indent(lines, listed) + first
    lines.append(("", chunk_id))
    item = next((m for line, _ in reversed(lines) if (m := _LIST_LINE.match(line))), None)
    if depth and item is not None:
        return " " * min(depth, _content_column(item)) + first
    return first


def _content_column(item: re.Match[str]) -> int:
    """Where a list item's text starts: after its indentation, marker and the spaces after the marker."""
    return len(item["indent"]) + len(item["marker"]) + max(1, len(item["gap"]))


def _sibling_indent(lines: list[tuple[str, str]], first: re.Match[str]) -> str:
    """Indentation of the nearest earlier list line with the same kind of marker and the same look (bold or
    not): items at one level of a list tend to be written alike, so that is most likely a sibling."""
    kind, bold = _marker_kind(first["marker"]), _starts_bold(first)
    same_kind = [m for line, _ in reversed(lines) if (m := _LIST_LINE.match(line))
                 and _marker_kind(m["marker"]) == kind]
    alike = next((m for m in same_kind if _starts_bold(m) == bold), None)
    chosen = alike or (same_kind[0] if same_kind else None)
    return chosen["indent"] if chosen else ""


def _starts_bold(match: re.Match[str]) -> bool:
    return match.string[match.end():].lstrip().startswith(("**", "__"))


def _open_row(line: str) -> bool:
    """A Markdown table row whose closing pipe has not come yet."""
    stripped = line.strip()
    return stripped.startswith("|") and not stripped.endswith("|")


def _marker_kind(marker: str) -> str:
    return "ordered" if marker[0].isdigit() else marker


def _overlap(before: str, after: str) -> int:
    """Length of the longest end of ``before`` that ``after`` starts with (the splitter's overlap), or 0."""
    for size in range(min(len(before), len(after), 4000), _MIN_OVERLAP - 1, -1):
        if before.endswith(after[:size]):
            return size
    return 0
