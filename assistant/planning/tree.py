"""A Markdown document as a tree of blocks, each logical line with its clean text and verbatim source span.

Plans are written as headings, nested lists, bold labels, block quotes and tables, and their meaning is in that
shape (a key result is a bullet *under* an objective), so the text is parsed with a real CommonMark parser
(markdown-it-py) rather than line by line. Headings then become sections that hold everything up to the next
heading of the same or a higher level.

A block's text is split into *logical lines*: a hard break (a trailing backslash or two spaces) always ends
one, and a soft break ends one when the next line opens with a label ("KR:", "**Status:**", "KR1.2 —"),
because hand-written plans put one item per line inside a single paragraph. A line that merely wraps stays
part of the line before it. Every line keeps its offsets in the source text, so an item can quote the exact
span it was read from and cite the chunk that holds it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt

_BREAK_LABEL = re.compile(  # a physical line that starts a new logical line even after a soft break
    r"^(?:=+>|⇒|[A-Z][\w&/()'’.+ -]{0,40}:(?:\s|$)|(?i:kr|key\s+results?)\s*#?\s*\d|O\d{1,2}\b\s*[:—–.-])"
)
_BR_TAG = re.compile(r"^<br\s*/?>$", re.IGNORECASE)
_TRAILING_BREAK = re.compile(r"(?:\s*\\|\s{2,})$")


@dataclass
class Line:
    """One logical line: clean text (no markup, links reduced to their text) and its source span."""

    text: str
    start: int
    end: int
    lead: str = ""  # text of the bold run the line opens with ("**Objective**: x" -> "Objective"), else ""

    @property
    def bold(self) -> bool:
        return bool(self.lead)


@dataclass
class Block:
    """A heading section, paragraph, list, list item, block quote, table or other leaf block."""

    kind: str  # document | section | paragraph | bullet_list | ordered_list | item | quote | table | other
    start_line: int = 0
    level: int = 0  # heading level of a section
    lines: list[Line] = field(default_factory=list)  # section: [heading]; paragraph: its logical lines
    children: list[Block] = field(default_factory=list)
    header: list[Line] = field(default_factory=list)  # table header cells
    rows: list[list[Line]] = field(default_factory=list)  # table body rows, cell by cell
    row_spans: list[tuple[int, int]] = field(default_factory=list)  # source span of each body row

    @property
    def heading(self) -> Line | None:
        return self.lines[0] if self.kind == "section" and self.lines else None

    @property
    def is_list(self) -> bool:
        return self.kind in ("bullet_list", "ordered_list")


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")


def parse_tree(source: str) -> Block:
    """The document as sections (by heading level) holding blocks; never raises on any input text."""
    starts = [0] + [m.end() for m in re.finditer("\n", source)]
    builder = _Builder(source, starts)
    for token in _parser().parse(source):
        builder.feed(token)
    return _sections(builder.root.children)


class _Builder:
    """Turns markdown-it's flat token stream into nested blocks."""

    def __init__(self, source: str, starts: list[int]) -> None:
        self.source, self.starts = source, starts
        self.root = Block("document")
        self.stack: list[Block] = [self.root]
        self.in_head = False

    def feed(self, token: Any) -> None:
        kind = token.type
        line = token.map[0] if token.map else self.stack[-1].start_line
        if kind.endswith("_open"):
            self._open(kind[:-5], token, line)
        elif kind.endswith("_close"):
            self._close(kind[:-6])
        elif kind == "inline":
            self._inline(token)
        elif kind in ("fence", "code_block", "html_block", "hr"):
            self.stack[-1].children.append(Block("other", line))

    def _open(self, name: str, token: Any, line: int) -> None:
        mapped = {"heading": "heading", "paragraph": "paragraph", "bullet_list": "bullet_list",
                  "ordered_list": "ordered_list", "list_item": "item", "blockquote": "quote", "table": "table"}
        if name in mapped:
            block = Block(mapped[name], line, level=int(token.tag[1]) if name == "heading" else 0)
            self.stack[-1].children.append(block)
            self.stack.append(block)
        elif name == "thead":
            self.in_head = True
        elif name == "tr" and not self.in_head:
            table = self._table()
            if table is not None and token.map:
                a, b = token.map
                table.rows.append([])
                table.row_spans.append((self.starts[a], self._line_end(b - 1)))

    def _close(self, name: str) -> None:
        if name == "thead":
            self.in_head = False
        elif name in ("heading", "paragraph", "bullet_list", "ordered_list", "list_item", "blockquote", "table"):
            if len(self.stack) > 1:
                self.stack.pop()

    def _table(self) -> Block | None:
        return next((b for b in reversed(self.stack) if b.kind == "table"), None)

    def _line_end(self, line: int) -> int:
        end = self.starts[line + 1] - 1 if line + 1 < len(self.starts) else len(self.source)
        return max(self.starts[line], end)

    def _inline(self, token: Any) -> None:
        block = self.stack[-1]
        if block.kind == "table":
            cell = _cell_line(self, token, block)
            if self.in_head:
                block.header.append(cell)
            elif block.rows:
                block.rows[-1].append(cell)
            return
        lines = _logical_lines(self, token)
        if block.kind == "heading":
            text = " ".join(x.text for x in lines).strip()
            start = lines[0].start if lines else self.starts[block.start_line]
            end = lines[-1].end if lines else start
            block.lines = [Line(text, start, end, lines[0].lead if lines else "")]
        else:
            block.lines.extend(lines)


def _cell_line(builder: _Builder, token: Any, table: Block) -> Line:
    """A table cell: its text and where it sits in the row's source line."""
    text, lead = _render(token.children or [])
    row = token.map[0] if token.map else table.start_line
    line_start, line_end = builder.starts[row], builder._line_end(row)
    used = table.header if builder.in_head else (table.rows[-1] if table.rows else [])
    cursor = used[-1].end if used else line_start
    found = builder.source.find(token.content, cursor, line_end) if token.content else -1
    start = found if found >= 0 else cursor
    return Line(text.strip(), start, start + len(token.content) if found >= 0 else start, lead)


def _logical_lines(builder: _Builder, token: Any) -> list[Line]:
    """Split an inline token into logical lines, each with its clean text and source span."""
    first = token.map[0] if token.map else 0
    content_lines = token.content.split("\n")
    spans: list[tuple[int, int]] = []
    for k, piece in enumerate(content_lines):
        row = min(first + k, len(builder.starts) - 1)
        line_start, line_end = builder.starts[row], builder._line_end(row)
        stripped = piece.strip()
        found = builder.source.find(stripped, line_start, line_end + 1) if stripped else -1
        start = found if found >= 0 else line_start
        spans.append((start, start + len(stripped) if found >= 0 else line_end))
    physical: list[list[Any]] = [[]]
    hard_after: list[bool] = []
    for child in token.children or []:
        if child.type == "softbreak" or child.type == "hardbreak" or (
                child.type == "html_inline" and _BR_TAG.match(child.content.strip())):
            hard_after.append(child.type != "softbreak")
            physical.append([])
        else:
            physical[-1].append(child)
    hard_after.append(True)
    out: list[Line] = []
    pending: tuple[str, str, int, int] | None = None
    for k, children in enumerate(physical):
        text, lead = _render(children)
        start, end = spans[min(k, len(spans) - 1)]
        if pending is not None and not pending[0]:
            pending = None
        if pending is not None and not (_BREAK_LABEL.match(text.strip()) or lead):
            pending = (f"{pending[0]} {text.strip()}".strip(), pending[1], pending[2], end)
        else:
            if pending is not None:
                out.append(_finish(builder.source, *pending))
            pending = (text.strip(), lead, start, end)
        if hard_after[k] and pending is not None:
            out.append(_finish(builder.source, *pending))
            pending = None
    if pending is not None:
        out.append(_finish(builder.source, *pending))
    return [line for line in out if line.text]


def _finish(source: str, text: str, lead: str, start: int, end: int) -> Line:
    span = source[start:end]
    trimmed = _TRAILING_BREAK.sub("", span)
    return Line(re.sub(r"\s*\\$", "", text).strip(), start, start + len(trimmed), lead)


def _render(children: list[Any]) -> tuple[str, str]:
    """(clean text, lead bold text) of inline tokens: markup dropped, links and images reduced to text.

    The lead is the text of the bold run the line starts with, which is how people mark a label
    ("**Objective**: ...") or a whole item ("**OBJECTIVE: ...**") as special.
    """
    parts: list[str] = []
    lead: list[str] = []
    state = "before"  # before -> in (inside the opening bold run) -> after
    depth = 0
    for child in children:
        kind = child.type
        if kind == "strong_open":
            depth += 1
            if state == "before" and not "".join(parts).strip():
                state = "in"
        elif kind == "strong_close":
            depth = max(0, depth - 1)
            if state == "in" and depth == 0:
                state = "after"
        elif kind in ("text", "code_inline", "image"):
            parts.append(child.content)
            if state == "in":
                lead.append(child.content)
            elif state == "before" and child.content.strip():
                state = "after"
    return " ".join("".join(parts).split()), " ".join("".join(lead).split()) if state != "before" else ""


def _sections(blocks: list[Block]) -> Block:
    """Nest flat top-level blocks under their headings (a heading holds what follows until one of its level)."""
    root = Block("document")
    stack: list[Block] = [root]
    for block in blocks:
        if block.kind == "heading":
            while len(stack) > 1 and stack[-1].level >= block.level:
                stack.pop()
            section = Block("section", block.start_line, level=block.level, lines=block.lines)
            stack[-1].children.append(section)
            stack.append(section)
        else:
            stack[-1].children.append(block)
    return root

