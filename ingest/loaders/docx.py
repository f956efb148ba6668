"""Word documents via python-docx, written as Markdown so they chunk and parse like a Markdown file.

Heading styles (and styles based on them) become ``#`` levels, the Title style a level-1 heading; list
paragraphs (a list style, or Word/Google Docs numbering) become ``-``/``1.`` items nested by their numbering
level; tables become pipe tables whose first row is the header; bold runs stay bold, since bold labels
("**Objective 1:**") are how many plans are written. Blocks keep document order.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import docx
from docx.document import Document
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.hyperlink import Hyperlink
from docx.text.paragraph import Paragraph
from lxml import etree

from ingest.loaders import Body, LoaderError, mdwrite
from ingest.loaders.markdown import text_body

_HEADING_RE = re.compile(r"heading\s*(\d)", re.IGNORECASE)
_LIST_STYLE_LEVEL = re.compile(r"list(?: (?:bullet|number))?\s*(\d)?$", re.IGNORECASE)
_ORDERED_FORMATS = frozenset({"decimal", "lowerLetter", "upperLetter", "lowerRoman", "upperRoman", "decimalZero"})


def _style_chain(paragraph: Paragraph) -> list[Any]:
    """The paragraph's style and the styles it is based on (a custom "Goal" style based on Heading 2)."""
    chain: list[Any] = []
    style = paragraph.style
    while style is not None and len(chain) < 6:
        chain.append(style)
        style = style.base_style
    return chain


def _heading_level(paragraph: Paragraph) -> int | None:
    for style in _style_chain(paragraph):
        name = (style.name or "").strip()
        if name == "Title":
            return 1
        match = _HEADING_RE.fullmatch(name)
        if match:
            return min(int(match.group(1)), 6) or 1
    return None


class _Numbering:
    """Numbering definitions (numId -> level -> format), read once from the document's numbering part."""

    def __init__(self, document: Document) -> None:
        self.formats: dict[tuple[str, int], str] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        abstract: dict[str, dict[int, str]] = {}
        for node in root.findall(qn("w:abstractNum")):
            levels = abstract.setdefault(node.get(qn("w:abstractNumId")) or "", {})
            for lvl in node.findall(qn("w:lvl")):
                fmt = lvl.find(qn("w:numFmt"))
                levels[int(lvl.get(qn("w:ilvl")) or 0)] = fmt.get(qn("w:val")) if fmt is not None else ""
        for num in root.findall(qn("w:num")):
            ref = num.find(qn("w:abstractNumId"))
            for level, fmt in abstract.get(ref.get(qn("w:val")) if ref is not None else "", {}).items():
                self.formats[(num.get(qn("w:numId")) or "", level)] = fmt

    def item(self, paragraph: Paragraph) -> tuple[int, bool] | None:
        """(nesting level, ordered) when the paragraph is a list item, else None. A list style's own number
        ("List Bullet 2") is its level: Word gives each such style a separate one-level numbering."""
        name = _style_name(paragraph)
        styled = _LIST_STYLE_LEVEL.fullmatch(name) if name.startswith("list") else None
        for own, element in [(True, paragraph._p), *((False, s.element) for s in _style_chain(paragraph))]:
            ppr = element.find(qn("w:pPr"))
            num_pr = ppr.find(qn("w:numPr")) if ppr is not None else None
            num_id = num_pr.find(qn("w:numId")) if num_pr is not None else None
            if num_pr is None or num_id is None or num_id.get(qn("w:val")) in (None, "0"):
                continue
            ilvl = num_pr.find(qn("w:ilvl"))
            level = int(ilvl.get(qn("w:val")) or 0) if ilvl is not None else 0
            key = num_id.get(qn("w:val")) or ""
            fmt = next((f for lvl in range(level, -1, -1) if (f := self.formats.get((key, lvl)))), "")
            ordered = fmt in _ORDERED_FORMATS or (not fmt and "number" in name)
            if not own and styled and styled.group(1):
                level = int(styled.group(1)) - 1
            return level, ordered
        if styled:
            return int(styled.group(1) or 1) - 1, "number" in name
        return None


def _style_name(paragraph: Paragraph) -> str:
    return ((paragraph.style.name if paragraph.style is not None else "") or "").strip().lower()


def _runs_markdown(paragraph: Paragraph) -> str:
    """The paragraph's text with bold runs marked; consecutive bold runs form one bold span."""
    pieces: list[tuple[str, bool]] = []
    for item in paragraph.iter_inner_content():
        runs = item.runs if isinstance(item, Hyperlink) else [item]
        for run in runs:
            if run.text:
                pieces.append((run.text, bool(run.bold)))
    text, span, span_bold = "", "", False
    for piece, is_bold in [*pieces, ("", False)]:
        if is_bold != span_bold or not piece:
            text += mdwrite.bold(span) if span_bold else span
            span, span_bold = "", is_bold
        span += piece
    return mdwrite.collapse(text).strip()


def _table_markdown(table: Table) -> str:
    rows = [[" ".join(cell.text.split()) for cell in row.cells] for row in table.rows]
    return mdwrite.pipe_table(rows)


def _document_markdown(document: Document) -> str:
    numbering = _Numbering(document)
    blocks: list[str] = []
    items: list[str] = []  # the current list, one line per item
    widths: list[int] = []  # content indent per open list level
    for block in document.iter_inner_content():
        level = _heading_level(block) if isinstance(block, Paragraph) else None
        item = numbering.item(block) if isinstance(block, Paragraph) and level is None else None
        if item is None and items:
            blocks.append("\n".join(items))
            items, widths = [], []
        if isinstance(block, Table):
            if rendered := _table_markdown(block):
                blocks.append(rendered)
            continue
        text = _runs_markdown(block) if level is None else mdwrite.one_line(block.text)
        if not text:
            continue
        if level is not None:
            blocks.append(mdwrite.heading(level, text))
        elif item is not None:
            depth, ordered = item
            del widths[depth:]
            pad = widths[-1] if widths else 0  # a level that skips one nests under the last open level
            marker = "1." if ordered else "-"
            items.append(" " * pad + f"{marker} {mdwrite.escape_line_starts(text)}")
            widths.append(pad + len(marker) + 1)
        else:
            blocks.append(mdwrite.escape_line_starts(text))
    if items:
        blocks.append("\n".join(items))
    return "\n\n".join(blocks)


def load_docx(data: bytes) -> Body:
    """The document body as Markdown; the core "title" property as a fallback title.

    Raises:
        LoaderError: not a readable .docx, or no text in it.
    """
    try:
        document = docx.Document(io.BytesIO(data))
        text = _document_markdown(document)
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError, etree.LxmlError) as exc:
        raise LoaderError(
            f"unreadable DOCX ({type(exc).__name__}); re-save it from Word or Google Docs as .docx"
        ) from exc
    if not text.strip():
        raise LoaderError("no text in this DOCX; add content or export it again")
    title = (document.core_properties.title or "").strip() or None
    return text_body(text, title=title)
