"""Document text as safe HTML for the page's source panel: Markdown rendered with raw HTML switched off.

Stored text is untrusted (anyone who can upload writes it). markdown-it-py with ``html`` disabled escapes every
tag the text contains, and its link validator drops ``javascript:``, ``vbscript:``, ``file:`` and ``data:``
URLs; what remains is Markdown's own small vocabulary (headings, lists, emphasis, code, tables, links). The page's
Content-Security-Policy (no inline script, images from this origin only) is the second wall.
"""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def markdown_html(text: str) -> str:
    """Sanitized HTML for one chunk of document text."""
    return _parser().render(text)
