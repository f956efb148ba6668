"""Word documents via python-docx, rendered as Markdown so headings drive section splitting.

Heading styles become ``#`` levels, list styles become ``-``/``1.`` items and tables become
``cell | cell`` rows, in document order, so the result chunks like any Markdown file.
"""

from __future__ import annotations

import io
import re
import zipfile

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph

from ingest.loaders import Body, LoaderError
from ingest.loaders.markdown import text_body

_HEADING_RE = re.compile(r"heading\s*(\d)", re.IGNORECASE)


def _paragraph_markdown(paragraph: Paragraph) -> str:
    text = paragraph.text.strip()
    if not text:
        return ""
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    match = _HEADING_RE.fullmatch(style.strip())
    if match:
        return "#" * min(int(match.group(1)), 6) + " " + text
    if style == "Title":
        return "# " + text
    if style.startswith("List Number"):
        return "1. " + text
    if style.startswith("List"):
        return "- " + text
    return text


def _table_markdown(table: Table) -> str:
    rows = []
    for row in table.rows:
        cells = [" ".join(cell.text.split()) for cell in row.cells]
        if any(cells):
            rows.append(" | ".join(cells))
    return "\n".join(rows)


def load_docx(data: bytes) -> Body:
    """The document body as Markdown; the core "title" property as a fallback title.

    Raises:
        LoaderError: not a readable .docx, or no text in it.
    """
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError) as exc:
        raise LoaderError(
            f"unreadable DOCX ({type(exc).__name__}); re-save it from Word or Google Docs as .docx"
        ) from exc
    blocks = []
    for block in document.iter_inner_content():
        rendered = _paragraph_markdown(block) if isinstance(block, Paragraph) else _table_markdown(block)
        if rendered:
            blocks.append(rendered)
    text = "\n\n".join(blocks)
    if not text.strip():
        raise LoaderError("no text in this DOCX; add content or export it again")
    title = (document.core_properties.title or "").strip() or None
    return text_body(text, title=title)
