"""The structure of a Markdown text as tests compare it: headings, list items and table rows, in plain text.

Read with markdown-it-py (CommonMark plus GFM tables), so two texts that render to the same tree compare equal
whatever their spacing, list markers or inline markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

_MD = MarkdownIt("commonmark").enable("table")


@dataclass
class Outline:
    headings: list[tuple[int, str]] = field(default_factory=list)
    items: list[tuple[int, str]] = field(default_factory=list)  # (nesting depth from 0, first line of text)
    rows: list[tuple[str, ...]] = field(default_factory=list)  # header row included


def plain(token: Token) -> str:
    """An inline token's text without markup: link and emphasis text kept, raw HTML tags dropped."""
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)
    return " ".join("".join(parts).split())


def outline(markdown: str) -> Outline:
    result = Outline()
    tokens = _MD.parse(markdown)
    depth = -1
    row: list[str] = []
    for i, token in enumerate(tokens):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif token.type == "tr_open":
            row = []
        elif token.type == "tr_close":
            result.rows.append(tuple(row))
        elif token.type == "inline":
            opener = tokens[i - 1]
            if opener.type == "heading_open":
                result.headings.append((int(opener.tag[1]), plain(token)))
            elif opener.type in ("th_open", "td_open"):
                row.append(plain(token))
            elif opener.type == "paragraph_open" and i >= 2 and tokens[i - 2].type == "list_item_open":
                result.items.append((depth, plain(token)))
    return result
