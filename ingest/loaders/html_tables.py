"""HTML tables as Markdown: data tables -> pipe tables with a header row, key/value tables -> labelled items,
layout tables -> their cells' content as ordinary blocks.

A table is judged by its shape, not its classes: a grid of plain cells is data (its first row is the header,
as in a Google Docs or Word table that has no ``<th>``); rows of one ``<th>`` key and ``<td>`` values are
properties (Notion's page properties, a Confluence page-properties macro); cells holding headings or tables
are page layout. Row and column spans are expanded so every row has the same columns (a value spanning rows
is repeated, as a reader of the grid would read it).
"""

from __future__ import annotations

import re
from typing import Protocol

from bs4 import Tag

from ingest.loaders import mdwrite

_MAX_SPAN = 50  # spans above this are markup damage (or an attack on memory), not a real table
_LAYOUT_INSIDE = ["h1", "h2", "h3", "h4", "h5", "h6", "table", "pre", "blockquote"]
_LIST_MARK = re.compile(r"^(?:\\?[-+*]|\d{1,9}\\?[.)])\s+")
_ESCAPE = re.compile(r"^\\(?=[#>+*=`~-])|(?<=^\d)\\(?=[.)])")


class Writer(Protocol):
    """What a table needs from the page writer (:class:`ingest.loaders.html_markdown.MarkdownWriter`)."""

    def blocks(self, node: Tag, depth: int = 0) -> list[str]: ...

    def cell_blocks(self, cell: Tag, depth: int) -> list[str]: ...

    def inline(self, tag: Tag, depth: int = 0) -> str: ...


def _rows(table: Tag) -> list[list[Tag]]:
    """The table's own rows (not those of tables nested in its cells), each as its cells."""
    rows = []
    for tr in table.find_all("tr"):
        if tr.find_parent("table") is table:
            cells = list(tr.find_all(["td", "th"], recursive=False))
            if cells:
                rows.append(cells)
    return rows


def _span(cell: Tag, name: str) -> int:
    try:
        return max(1, min(int(str(cell.get(name, "1")).strip() or 1), _MAX_SPAN))
    except ValueError:
        return 1


def cell_text(writer: Writer, cell: Tag, depth: int) -> str:
    """A cell's content on one line: paragraphs joined by spaces, list items by "; "."""
    lines = [line.strip() for block in writer.cell_blocks(cell, depth) for line in block.split("\n") if line.strip()]
    text = ""
    for line in lines:
        line = _ESCAPE.sub("", _LIST_MARK.sub("", line))
        if text:
            text += " " if text[-1] in ".!?:;" else "; "
        text += line
    return text


def _grid(writer: Writer, rows: list[list[Tag]], depth: int) -> list[list[str]]:
    grid: list[list[str]] = []
    carried: dict[int, tuple[str, int]] = {}  # column -> (text, rows it still covers) from a rowspan above
    for cells in rows:
        row: list[str] = []
        queue = list(cells)
        while queue or len(row) in carried:
            if len(row) in carried:
                text, left = carried.pop(len(row))
                if left > 1:
                    carried[len(row)] = (text, left - 1)
                row.append(text)
                continue
            cell = queue.pop(0)
            text = cell_text(writer, cell, depth)
            rowspan = _span(cell, "rowspan")
            for k in range(_span(cell, "colspan")):
                if rowspan > 1:
                    carried[len(row)] = (text if k == 0 else "", rowspan - 1)
                row.append(text if k == 0 else "")
        grid.append(row)
    return grid


def _is_layout(table: Tag, rows: list[list[Tag]]) -> bool:
    if str(table.get("role", "")).lower() in ("presentation", "none"):
        return True
    if len(rows) == 1 and len(rows[0]) == 1:
        return True
    return any(cell.find(_LAYOUT_INSIDE) is not None for row in rows for cell in row)


def _is_properties(rows: list[list[Tag]]) -> bool:
    return all(len(r) >= 2 and r[0].name == "th" and all(c.name == "td" for c in r[1:]) for r in rows)


def table_blocks(writer: Writer, table: Tag, depth: int) -> list[str]:
    """The Markdown blocks for one ``<table>``."""
    rows = _rows(table)
    out: list[str] = []
    caption = table.find("caption", recursive=False)
    if isinstance(caption, Tag):
        text = mdwrite.one_line(writer.inline(caption, depth))
        out += [mdwrite.escape_line_starts(text)] if text else []
    if not rows:
        return out
    if _is_layout(table, rows):
        for row in rows:
            for cell in row:
                out += writer.blocks(cell, depth)
        return out
    if _is_properties(rows):
        items = []
        for row in rows:
            key = cell_text(writer, row[0], depth).rstrip(":")
            value = "; ".join(v for v in (cell_text(writer, c, depth) for c in row[1:]) if v)
            if key or value:
                items.append(f"- {mdwrite.bold(key + ':')} {value}".rstrip() if key else f"- {value}")
        return [*out, "\n".join(items)] if items else out
    table_md = mdwrite.pipe_table(_grid(writer, rows, depth))
    return [*out, table_md] if table_md else out
