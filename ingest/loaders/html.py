"""HTML pages and wiki exports (Confluence, Notion, Google Docs) through a real HTML parser, into Markdown.

The page is parsed with BeautifulSoup over lxml (lenient like a browser: unclosed tags, stray end tags), the
content root is chosen (Confluence's ``#main-content``, Notion's single ``<article>``, ``<main>``, else the
body), and :class:`~ingest.loaders.html_markdown.MarkdownWriter` writes it as Markdown so headings, lists and
tables reach the chunker and the plan parser as the same tree a Markdown file gives.
"""

from __future__ import annotations

import codecs
import re

from bs4 import BeautifulSoup, Tag

from ingest.loaders import Body, LoaderError, mdwrite
from ingest.loaders.html_markdown import MarkdownWriter, bold_classes
from ingest.loaders.markdown import text_body

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_ROOTS = ("#main-content", "main", "[role=main]")
_UNTITLED = frozenset({"", "untitled", "untitled document"})


def decode_html(data: bytes) -> str:
    """UTF-8 (with or without BOM), else the charset the page declares in a ``<meta>``; never a guess."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        declared = _CHARSET.search(data[:4096])
        name = declared.group(1).decode("ascii", "replace") if declared else ""
        try:
            codec = codecs.lookup(name).name if name else ""
        except LookupError:
            codec = ""
        if codec and codec != "utf-8":
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                pass
        raise LoaderError(
            f"not valid UTF-8 text (byte 0x{data[exc.start]:02x} at byte offset {exc.start}) and no other "
            "charset declared in a <meta> tag; re-save or re-export the page as UTF-8"
        ) from exc


def content_root(soup: BeautifulSoup) -> Tag:
    """Where the page's own content is: the export's content container, else the body."""
    for selector in _ROOTS:
        found = soup.select(selector)
        if len(found) == 1:
            return found[0]
    articles = soup.find_all("article")
    if len(articles) == 1 and isinstance(articles[0], Tag):
        return articles[0]
    body = soup.body
    return body if isinstance(body, Tag) else soup


def page_title(soup: BeautifulSoup, root: Tag) -> str | None:
    """``<title>``, else a Google Docs title paragraph, else the first ``<h1>``. Confluence prefixes titles
    with the space name ("Space : Page"), which is not part of the page's title."""
    candidates: list[str] = []
    title = soup.find("title")
    if isinstance(title, Tag):
        candidates.append(title.get_text())
    candidates += [t.get_text() for t in soup.select("p.title")[:1]]
    candidates += [t.get_text() for t in root.find_all("h1", limit=1)]
    for text in candidates:
        text = mdwrite.one_line(text)
        if text.lower() in _UNTITLED:
            continue
        if soup.select_one("#main-content") is not None and " : " in text:
            text = text.split(" : ", 1)[1].strip()
        return text
    return None


def html_markdown(html: str) -> tuple[str, str | None]:
    """(Markdown of the page's content, title) of an HTML document or fragment."""
    soup = BeautifulSoup(html, "lxml")
    root = content_root(soup)
    writer = MarkdownWriter(bold_classes(soup))
    markdown = mdwrite.tidy("\n\n".join(writer.blocks(root)))
    return markdown, page_title(soup, root)


def load_html(data: bytes) -> Body:
    """An HTML file as a Markdown body; its title from the page (``<title>``, title paragraph, first ``<h1>``).

    Raises:
        LoaderError: not decodable, or no visible text.
    """
    if b"\x00" in data[:8192]:
        raise LoaderError("binary file, not a supported document")
    text = decode_html(data)
    if not text.strip():
        raise LoaderError("empty file (only whitespace); add content or delete the file")
    markdown, title = html_markdown(text)
    if not markdown.strip():
        raise LoaderError(
            "no visible text in this HTML page (only scripts, styles, navigation or hidden elements); "
            "export the page with its content, or save it as Markdown"
        )
    body = text_body(markdown, title=title)
    body.title = title or body.title
    return body
