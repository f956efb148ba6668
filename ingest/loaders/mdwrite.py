"""Writing Markdown from other formats' structure (HTML, DOCX, MDX components).

Every loader hands the chunker and the plan parser the same tree: ATX headings, indented lists and pipe tables
with a header row. Text taken from another format must not turn into structure by accident ("#1 priority" at
the start of an HTML paragraph is not a heading), so line starts that Markdown would read as a block marker
are escaped here, in one place.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_BLOCK_MARKER = re.compile(r"^( {0,3})(#{1,6}(?=\s|$)|[-+*](?=\s|$)|>|\d{1,9}(?=[.)](?:\s|$))|=+\s*$|`{3,}|~{3,})")
_CLOSING_HASHES = re.compile(r"(\s)(#+)\s*$")
_SPACE = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_LIST_START = re.compile(r"^(?:[-+*]|\d{1,9}[.)])[ \t]")
_FENCES = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def collapse(text: str) -> str:
    """Runs of spaces and tabs (and non-breaking spaces) as one space; newlines are kept."""
    return _SPACE.sub(" ", text)


def one_line(text: str) -> str:
    """All whitespace, newlines included, as single spaces: for headings and table cells."""
    return " ".join(text.split())


def escape_line_starts(text: str) -> str:
    """Backslash-escape what would open a Markdown block at a line start (heading, list, quote, fence)."""
    lines = []
    for line in text.split("\n"):
        match = _BLOCK_MARKER.match(line)
        if match:
            marker = match.group(2)
            at = match.start(2) + (len(marker) if marker[0].isdigit() else 0)
            line = line[:at] + "\\" + line[at:]
        lines.append(line)
    return "\n".join(lines)


def heading(level: int, text: str) -> str:
    """An ATX heading (levels clamped to 1..6); a trailing " #" in the text is escaped, not dropped."""
    text = _CLOSING_HASHES.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", one_line(text))
    return f"{'#' * max(1, min(level, 6))} {text}" if text else ""


def table_cell(text: str) -> str:
    """One line, with pipes escaped so they do not split the cell."""
    return one_line(text).replace("|", "\\|")


def pipe_table(rows: Sequence[Sequence[str]]) -> str:
    """A GFM pipe table: the first row is the header; short rows are padded, empty rows dropped."""
    kept = [[table_cell(cell) for cell in row] for row in rows if any(cell.strip() for cell in row)]
    if not kept:
        return ""
    width = max(len(row) for row in kept)
    kept = [row + [""] * (width - len(row)) for row in kept]
    lines = ["| " + " | ".join(kept[0]) + " |", "|" + " --- |" * width]
    lines += ["| " + " | ".join(row) + " |" for row in kept[1:]]
    return "\n".join(lines)


def bold(text: str) -> str:
    """``**text**`` with the surrounding spaces kept outside the markers (``** x**`` is not emphasis)."""
    core = text.strip()
    if not core:
        return text
    lead = text[: len(text) - len(text.lstrip())]
    tail = text[len(text.rstrip()) :]
    return f"{lead}**{core}**{tail}"


def indent(text: str, prefix: str) -> str:
    """Every non-blank line prefixed (list continuation, nested content)."""
    return "\n".join(prefix + line if line.strip() else "" for line in text.split("\n"))


def list_item(marker: str, blocks: Sequence[str]) -> str:
    """A list item: the first block after the marker, its other lines and the following blocks indented under
    the item's text so they stay inside the item."""
    pad = " " * (len(marker) + 1)
    if not blocks:
        return marker
    head, _, more = blocks[0].partition("\n")
    parts = [f"{marker} {head}".rstrip()]
    if more:
        parts.append(indent(more, pad))
    text = "\n".join(parts)
    for block in blocks[1:]:
        text += ("\n" if _LIST_START.match(block) else "\n\n") + indent(block, pad)  # nested lists stay tight
    return text


def tidy(markdown: str) -> str:
    """Trailing spaces removed and blank-line runs squeezed to one, outside fenced code (which stays as is)."""
    out: list[str] = []
    fence = ""
    blank = False
    for line in markdown.split("\n"):
        match = _FENCES.match(line)
        if fence:
            out.append(line)
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence) \
                    and not line.strip()[len(match.group(1)):].strip():
                fence = ""
            continue
        if match:
            fence = match.group(1)
        line = line.rstrip()
        if not line and blank:
            continue
        blank = not line
        out.append(line)
    return "\n".join(out).strip("\n")
