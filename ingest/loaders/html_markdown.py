"""An HTML element tree (BeautifulSoup) written out as Markdown: headings, nested lists, pipe tables, bold labels.

Structure is what the chunker and the plan parser read, so it is kept; presentation is not. Links become their
text, images their alt text, and what a reader never sees (scripts, styles, navigation, footers, hidden
elements, forms) is dropped. Export quirks handled here rather than in each caller: Google Docs marks bold with
CSS classes and nests lists as flat sibling lists with a level in the class name (``lst-kix_…-1``); Notion
puts page properties in a two-column table of ``<th>`` keys; task lists carry checkboxes.
"""

from __future__ import annotations

import re
import unicodedata

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PreformattedString

from ingest.loaders import mdwrite
from ingest.loaders.html_tables import table_blocks

DROP = frozenset(
    "script style noscript template nav footer iframe svg canvas form button select textarea object embed head "
    "link meta title audio video map dialog math option datalist".split()
)
_DROP_ROLES = frozenset({"navigation", "contentinfo", "banner", "search", "menu", "menubar", "toolbar", "dialog"})
_BLOCKS = frozenset(
    "address article aside blockquote center details dd div dl dt fieldset figcaption figure footer header "
    "hgroup h1 h2 h3 h4 h5 h6 hr li main ol p pre section summary table tbody thead tfoot tr td th caption "
    "ul body html".split()
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_BOLD_STYLE = re.compile(r"font-weight\s*:\s*(?:bold|bolder|[6-9]00)", re.IGNORECASE)
_NORMAL_STYLE = re.compile(r"font-weight\s*:\s*(?:normal|lighter|[1-4]00)", re.IGNORECASE)
_GDOCS_LEVEL = re.compile(r"^lst-kix_[\w-]+-(\d+)$")
_MAX_DEPTH = 120  # deeper nesting is flattened to text: no recursion limit, no quadratic blow-up


def bold_classes(soup: BeautifulSoup) -> frozenset[str]:
    """CSS classes that make text bold, read from the page's ``<style>`` rules (how Google Docs marks bold)."""
    found: set[str] = set()
    for style in soup.find_all("style"):
        for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", style.get_text()):
            if _BOLD_STYLE.search(body):
                found.update(m.group(1) for s in selectors.split(",") if (m := re.fullmatch(r"\s*\.([\w-]+)\s*", s)))
    return frozenset(found)


def is_dropped(tag: Tag) -> bool:
    """True for what a reader of the page never sees as content."""
    if tag.name in DROP:
        return True
    if tag.name == "input":
        return True  # checkboxes are read by the list item that holds them
    if tag.has_attr("hidden") or str(tag.get("aria-hidden", "")).lower() == "true":
        return True
    if str(tag.get("role", "")).lower() in _DROP_ROLES:
        return True
    return bool(_HIDDEN_STYLE.search(str(tag.get("style", ""))))


def _classes(tag: Tag) -> list[str]:
    value: str | list[str] = tag.get("class") or []
    return value.split() if isinstance(value, str) else list(value)


class MarkdownWriter:
    """Renders one element tree; keeps the current heading level so ``<details>`` titles nest under it."""

    def __init__(self, bold: frozenset[str] = frozenset()) -> None:
        self.bold_classes = bold
        self.level = 0  # last heading level written
        self._bold = 0  # inside bold text: no nested ** markers
        self._list_depth = 0
        self._in_cell = 0
        self._gdocs: list[tuple[int, int]] = []  # (level, content indent) of the open Google Docs list levels

    # --- blocks ------------------------------------------------------------------------------------------------

    def blocks(self, node: Tag, depth: int = 0) -> list[str]:
        """The Markdown blocks of an element's children, in order."""
        if depth > _MAX_DEPTH:
            text = mdwrite.one_line(node.get_text(" "))
            return [mdwrite.escape_line_starts(text)] if text else []
        out: list[str] = []
        inline: list[str] = []
        after_list = False  # the last block written was a list, with nothing but whitespace since
        for child in node.children:
            if isinstance(child, NavigableString):
                if not isinstance(child, PreformattedString):  # comments, doctypes, CDATA
                    inline.append(mdwrite.collapse(str(child).replace("\n", " ")))
                    after_list = after_list and not str(child).strip()
                continue
            if not isinstance(child, Tag) or is_dropped(child):
                continue
            if child.name in _BLOCKS:
                self._flush(inline, out)
                if not self._is_gdocs_list(child):
                    self._gdocs.clear()
                rendered = self.block(child, depth + 1)
                if after_list and child.name in ("ul", "ol") and rendered and out:
                    # Notion writes one list per item, Google Docs one per nesting level: one list again
                    out[-1] += "\n" + rendered.pop(0)
                out += rendered
                after_list = child.name in ("ul", "ol") and bool(out)
            else:
                inline.append(self.inline(child, depth + 1))
                after_list = False
        self._flush(inline, out)
        return out

    def cell_blocks(self, cell: Tag, depth: int) -> list[str]:
        """A table cell's blocks without bold marks: a header cell is bold by style, and "**Owner**" is not
        the column name "Owner"."""
        self._bold += 1
        self._in_cell += 1
        try:
            return self.blocks(cell, depth)
        finally:
            self._bold -= 1
            self._in_cell -= 1

    def _flush(self, inline: list[str], out: list[str]) -> None:
        text = "\n".join(line.strip() for line in mdwrite.collapse("".join(inline)).split("\n"))
        inline.clear()
        if self._in_cell or not _only_icons(text):  # a page or callout icon ("🎯") says nothing; a 🟡 status does
            out.append(mdwrite.escape_line_starts(text.strip("\n")))

    def block(self, tag: Tag, depth: int) -> list[str]:
        """One block-level element as Markdown blocks."""
        name = tag.name
        if name in ("h1", "h2", "h3", "h4", "h5", "h6"):
            return self._heading(int(name[1]), tag, depth)
        if name == "p" and "title" in _classes(tag):
            return self._heading(1, tag, depth)  # Google Docs: the document title is a styled paragraph
        if name in ("ul", "ol"):
            return self._list(tag, depth)
        if name == "table":
            return table_blocks(self, tag, depth)
        if name == "pre":
            return [self._code(tag.get_text())]
        if name == "blockquote":
            quoted = "\n\n".join(self.blocks(tag, depth)).split("\n")
            return ["\n".join("> " + line if line else ">" for line in quoted)]
        if name == "details":
            return self._details(tag, depth)
        if name == "dl":
            return self._definitions(tag, depth)
        if name == "hr":
            return []
        return self.blocks(tag, depth)

    def _heading(self, level: int, tag: Tag, depth: int) -> list[str]:
        self._bold += 1  # headings are not re-marked bold
        text = self.inline(tag, depth)
        self._bold -= 1
        line = mdwrite.heading(level, text)
        if not line:
            return []
        self.level = level
        return [line]

    def _details(self, tag: Tag, depth: int) -> list[str]:
        """``<details><summary>T</summary>…`` -> a heading one level below the enclosing one, then the body.
        Inside a list item a heading would end the list, so the title stays the item's bold text there."""
        summary = tag.find("summary", recursive=False)
        title = mdwrite.one_line(self.inline(summary, depth)) if isinstance(summary, Tag) else ""
        if isinstance(summary, Tag):
            summary.extract()
        enclosing = self.level
        out: list[str] = []
        if title and self._list_depth:
            out.append(mdwrite.bold(title))
        elif title:
            out.append(mdwrite.heading(max(enclosing, 1) + 1, title))
            self.level = max(enclosing, 1) + 1
        out += self.blocks(tag, depth)
        self.level = enclosing
        return out

    def _definitions(self, tag: Tag, depth: int) -> list[str]:
        items: list[str] = []
        term = ""
        for child in tag.find_all(["dt", "dd"], recursive=False):
            text = mdwrite.one_line(self.inline(child, depth))
            if child.name == "dt":
                if term:
                    items.append(f"- {mdwrite.bold(term)}")
                term = text
            elif text:
                items.append(f"- {mdwrite.bold(term + ':')} {text}" if term else f"- {text}")
                term = ""
        if term:
            items.append(f"- {mdwrite.bold(term)}")
        return ["\n".join(items)] if items else []

    @staticmethod
    def _code(text: str) -> str:
        longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
        fence = "`" * max(3, longest + 1)
        return f"{fence}\n{text.strip(chr(10))}\n{fence}"

    # --- lists -------------------------------------------------------------------------------------------------

    @staticmethod
    def _is_gdocs_list(tag: Tag) -> bool:
        return tag.name in ("ul", "ol") and any(_GDOCS_LEVEL.match(c) for c in _classes(tag))

    def _list(self, tag: Tag, depth: int) -> list[str]:
        ordered = tag.name == "ol"
        try:
            number = int(str(tag.get("start", "1")))
        except ValueError:
            number = 1
        items = []
        self._list_depth += 1
        for li in tag.find_all("li", recursive=False):
            if "value" in li.attrs and str(li["value"]).isdigit():
                number = int(str(li["value"]))
            marker = f"{number}." if ordered else "-"
            number += 1
            blocks = self.blocks(li, depth)
            check = _checkbox(li, tag)
            if check:
                blocks = [f"{check} {blocks[0] if blocks else ''}".rstrip(), *blocks[1:]]
            items.append(mdwrite.list_item(marker, blocks))
        self._list_depth -= 1
        text = "\n".join(items)
        if not text.strip():
            return []
        level = next((int(m.group(1)) for c in _classes(tag) if (m := _GDOCS_LEVEL.match(c))), None)
        if level is None:
            return [text]
        # Google Docs: each nesting level is a separate sibling list; indent it under the open parent level.
        while self._gdocs and self._gdocs[-1][0] >= level:
            self._gdocs.pop()
        pad = self._gdocs[-1][1] if self._gdocs else 0
        self._gdocs.append((level, pad + (len(f"{number - 1}.") if ordered else 1) + 1))
        return [mdwrite.indent(text, " " * pad)]

    # --- inline ------------------------------------------------------------------------------------------------

    def inline(self, tag: Tag, depth: int = 0) -> str:
        """The element's text with bold and code marks; blocks inside inline context become spaced text."""
        if depth > _MAX_DEPTH:
            return mdwrite.one_line(tag.get_text(" "))
        name = tag.name
        if name == "br":
            return "\n"
        if name == "img":
            alt = mdwrite.one_line(str(tag.get("alt", "")))
            return f" {alt} " if alt and not re.search(r"\.\w{2,4}$", alt) else ""
        if name == "code" and not tag.find_parent("pre"):
            text = tag.get_text()
            ticks = "`" * (max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
            return f"{ticks}{text}{ticks}" if text.strip() else text
        strong = self._is_bold(tag)
        if strong:
            self._bold += 1
        parts: list[str] = []
        for child in tag.children:
            if isinstance(child, NavigableString):
                if not isinstance(child, PreformattedString):
                    parts.append(mdwrite.collapse(str(child).replace("\n", " ")))
            elif isinstance(child, Tag) and not is_dropped(child):
                text = self.inline(child, depth + 1)
                parts.append(f" {text} " if child.name in _BLOCKS and text.strip() else text)
        if strong:
            self._bold -= 1
        text = "".join(parts)
        return mdwrite.bold(text) if strong and "\n" not in text.strip() else text

    def _is_bold(self, tag: Tag) -> bool:
        if self._bold:
            return False
        style = str(tag.get("style", ""))
        if _NORMAL_STYLE.search(style):
            return False  # Google Docs' clipboard wraps whole documents in <b style="font-weight:normal">
        if tag.name in ("b", "strong") or _BOLD_STYLE.search(style):
            return True
        return bool(self.bold_classes) and any(c in self.bold_classes for c in _classes(tag))


def _only_icons(text: str) -> bool:
    """True when the text is only pictographs (emoji, their joiners and variation selectors) or blank."""
    return all(char.isspace() or unicodedata.category(char) in ("So", "Sk", "Mn", "Cf") for char in text)


def _checkbox(li: Tag, parent: Tag) -> str:
    """``[x]``/``[ ]`` for a task-list item (an ``<input type=checkbox>``, Notion's checkbox ``<div>``,
    Confluence's ``inline-task-list``), else ""."""
    box = li.find("input", attrs={"type": "checkbox"})
    if isinstance(box, Tag) and box.find_parent("li") is li:
        return "[x]" if box.has_attr("checked") else "[ ]"
    marker = li.find(class_=re.compile(r"^checkbox-(?:on|off)$"))
    if isinstance(marker, Tag) and marker.find_parent("li") is li:
        return "[x]" if "checkbox-on" in _classes(marker) else "[ ]"
    if "inline-task-list" in _classes(parent):
        return "[x]" if "checked" in _classes(li) else "[ ]"
    return ""
