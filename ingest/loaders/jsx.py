"""Reading MDX source: ESM blocks, code fences, JSX tags and ``{…}`` expressions, as a small element tree.

MDX is Markdown in which JSX elements and JavaScript expressions may appear. No maintained Python parser for it
exists, so this module recognises exactly the MDX constructs that change how the text must be read and leaves
everything else to Markdown: fenced code and inline code spans are kept verbatim (a ``<Button>`` inside
backticks is an example, not a component); ``import``/``export`` blocks are dropped; a ``<`` or ``{`` that does
not start a well-formed tag or a balanced expression is plain text, as in "a < b".
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field

_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_IMPORT = re.compile(r"^import\s*(?:['\"]|\{|\*|[\w$]+\s*(?:,|\bfrom\b))")
_EXPORT = re.compile(r"^export\s+(?:default\b|const\b|let\b|var\b|function\b|async\b|class\b|\{|\*)")
_TAG_NAME = re.compile(r"[A-Za-z][\w.:-]*")
_ATTR_NAME = re.compile(r"[A-Za-z_:$][\w:.$-]*")
_AUTOLINK = re.compile(r"<(?:[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*|[^\s<>@]+@[^\s<>@]+\.[A-Za-z]{2,})>")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())
_MAX_TAG = 4000  # a "tag" longer than this is text with a stray "<", not a tag
_MAX_EXPRESSION = 20000  # an unclosed "{" is text; bounding the search keeps many of them linear
_TICKS = re.compile(r"`+")


@dataclass
class Element:
    """A JSX/HTML element: attributes as parsed values (str, or None for non-string expressions)."""

    name: str
    attrs: list[tuple[str, str | None]] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)
    block: bool = False  # opening tag starts a line and the element ends its line: a flow element
    indent: str = ""  # whitespace before a block element's opening tag


@dataclass
class Verbatim:
    """Code (a fence or an inline span), kept byte for byte."""

    text: str


Node = str | Verbatim | Element


def split_blocks(text: str) -> list[tuple[str, str]]:
    """("code" | "esm" | "text", lines) runs of the document, in order."""
    lines = text.split("\n")
    runs: list[tuple[str, str]] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        if fence:
            mark = fence.group(1)
            end = i + 1
            closing = re.compile(rf"[ \t]*{re.escape(mark[0])}{{{len(mark)},}}[ \t]*")
            while end < len(lines) and not closing.fullmatch(lines[end]):
                end += 1
            runs.append(("code", "\n".join(lines[i : end + 1])))
            i = end + 1
            continue
        if _IMPORT.match(line) or _EXPORT.match(line):
            end, depth = i, 0
            while end < len(lines):
                depth += sum(lines[end].count(c) for c in "([{") - sum(lines[end].count(c) for c in ")]}")
                end += 1
                if depth <= 0 and (end >= len(lines) or not lines[end].strip()):
                    break
            runs.append(("esm", "\n".join(lines[i:end])))
            i = end
            continue
        if runs and runs[-1][0] == "text":
            runs[-1] = ("text", runs[-1][1] + "\n" + line)
        else:
            runs.append(("text", line))
        i += 1
    return runs


def _skip_string(src: str, i: int) -> int:
    """Index after the JS string/template literal starting at ``src[i]``."""
    quote = src[i]
    i += 1
    while i < len(src) and src[i] != quote:
        i += 2 if src[i] == "\\" else 1
    return i + 1


def balanced_braces(src: str) -> frozenset[int]:
    """Positions of the "{" that have a matching "}" (counted plainly, in one pass). A "{" without one can never
    start an expression, so the tokenizer skips it without scanning the rest of the text each time."""
    stack: list[int] = []
    matched: set[int] = set()
    for i, char in enumerate(src):
        if char == "{":
            stack.append(i)
        elif char == "}" and stack:
            matched.add(stack.pop())
    return frozenset(matched)


def parse_expression(src: str, start: int) -> tuple[str | None, int] | None:
    """(value, end) of the ``{…}`` at ``start``: a plain string or number literal gives its text, anything
    else (variables, calls, comments) gives None; unbalanced braces give None overall (not an expression)."""
    depth, i = 0, start
    limit = min(len(src), start + _MAX_EXPRESSION)
    while i < limit:
        char = src[i]
        if char in "\"'`":
            i = _skip_string(src, i)
            continue
        if src.startswith("/*", i):
            close = src.find("*/", i + 2)
            i = len(src) if close < 0 else close + 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return _literal(src[start + 1 : i].strip()), i + 1
        i += 1
    return None


def _literal(code: str) -> str | None:
    """The text of a plain string (no interpolation) or number literal, else None."""
    if len(code) >= 2 and code[0] == code[-1] and code[0] in "\"'`" and _skip_string(code, 0) == len(code):
        body = code[1:-1]
        if code[0] == "`" and "${" in body:
            return None
        if code[0] == '"':
            try:
                return str(json.loads(code))
            except ValueError:
                return body
        return re.sub(r"\\(.)", r"\1", body)
    return code if _NUMBER.fullmatch(code) else None


def _parse_tag(
    src: str, start: int, balanced: frozenset[int]
) -> tuple[str, list[tuple[str, str | None]], str, int] | None:
    """(name, attributes, kind "open"|"close"|"self", end) of the tag at ``start``, or None."""
    i = start + 1
    closing = i < len(src) and src[i] == "/"
    i += closing
    name_match = _TAG_NAME.match(src, i)
    name = name_match.group(0) if name_match else ""
    if not name and not (i < len(src) and src[i] == ">"):
        return None  # "<" followed by neither a name nor the fragment "<>"
    i = name_match.end() if name_match else i
    attrs: list[tuple[str, str | None]] = []
    limit = min(len(src), start + _MAX_TAG)
    while i < limit:
        while i < limit and src[i].isspace():
            i += 1
        if src.startswith("/>", i) and not closing:
            return name, attrs, "self", i + 2
        if i < limit and src[i] == ">":
            return name, attrs, "close" if closing else "open", i + 1
        if closing or i >= limit:
            return None
        if src[i] == "{":  # {...spread}
            parsed = parse_expression(src, i) if i in balanced else None
            if parsed is None:
                return None
            i = parsed[1]
            continue
        attr = _ATTR_NAME.match(src, i)
        if not attr:
            return None
        i = attr.end()
        value: str | None = None
        eq = re.compile(r"\s*=\s*").match(src, i)
        if eq:
            i = eq.end()
            if i < len(src) and src[i] in "\"'":
                close = src.find(src[i], i + 1)
                if close < 0:
                    return None
                value, i = src[i + 1 : close], close + 1
            elif i < len(src) and src[i] == "{":
                parsed = parse_expression(src, i) if i in balanced else None
                if parsed is None:
                    return None
                value, i = parsed
            else:
                return None
        attrs.append((attr.group(0), value))
    return None


@dataclass
class _Tag:
    name: str
    attrs: list[tuple[str, str | None]]
    kind: str  # "open" | "close" | "self"
    starts_line: bool
    ends_line: bool
    indent: str


class _CodeSpans:
    """Where backtick runs close: the next run of the same length in the same paragraph (a code span never
    crosses a blank line). Runs are indexed once, so a text full of stray backticks stays linear."""

    def __init__(self, src: str) -> None:
        self.src = src
        self.runs: dict[int, list[int]] = {}
        for match in _TICKS.finditer(src):
            self.runs.setdefault(len(match.group(0)), []).append(match.start())

    def end(self, i: int, run: int) -> int | None:
        starts = self.runs.get(run, [])
        k = bisect.bisect_right(starts, i)
        if k >= len(starts):
            return None
        close = starts[k]
        paragraph_end = self.src.find("\n\n", i, close)
        return close + run if paragraph_end < 0 else None


def tokenize(src: str) -> list[str | Verbatim | _Tag | None]:
    """Text, inline code, tags and expression values (None: an expression that is not a plain literal)."""
    tokens: list[str | Verbatim | _Tag | None] = []
    text_from, i = 0, 0
    balanced = balanced_braces(src)
    spans = _CodeSpans(src)

    def flush(upto: int) -> None:
        if upto > text_from:
            tokens.append(src[text_from:upto])

    while i < len(src):
        char = src[i]
        if char == "\\":
            i += 2
            continue
        if char == "`":
            run = len(_TICKS.match(src, i).group(0))  # type: ignore[union-attr]
            end = spans.end(i, run)
            if end is None:
                i += run
                continue
            flush(i)
            tokens.append(Verbatim(src[i:end]))
            i = text_from = end
            continue
        if src.startswith("<!--", i) and (close := src.find("-->", i + 4)) >= 0:
            flush(i)
            i = text_from = close + 3
            continue
        if char == "<" and (auto := _AUTOLINK.match(src, i)):
            i = auto.end()
            continue
        if char == "<" and (tag := _parse_tag(src, i, balanced)):
            name, attrs, kind, end = tag
            line_start = src.rfind("\n", 0, i) + 1
            line_end = src.find("\n", end)
            before = src[line_start:i]
            after = src[end : len(src) if line_end < 0 else line_end]
            flush(i)
            tokens.append(_Tag(name, attrs, kind, not before.strip(), not after.strip(), before))
            i = text_from = end
            continue
        if char == "{" and i in balanced and (expr := parse_expression(src, i)):
            flush(i)
            tokens.append(expr[0])
            i = text_from = expr[1]
            continue
        i += 1
    flush(len(src))
    return tokens


def parse_mdx(text: str) -> list[Node]:
    """The document (after its frontmatter) as text, code and elements; ESM blocks are gone."""
    root = Element("#root")
    stack = [root]
    for n, (kind, run) in enumerate(split_blocks(text)):
        if n:
            stack[-1].children.append("\n")
        if kind == "code":
            stack[-1].children.append(Verbatim(run))
            continue
        if kind == "esm":
            continue
        for token in tokenize(run):
            if token is None:
                continue
            if isinstance(token, str | Verbatim):
                stack[-1].children.append(token)
            elif token.kind == "close":
                match = next((k for k in range(len(stack) - 1, 0, -1) if stack[k].name == token.name), None)
                if match is not None:
                    stack[match].block = stack[match].block and token.ends_line
                    del stack[match:]
            else:
                element = Element(token.name, token.attrs, block=token.starts_line, indent=token.indent)
                stack[-1].children.append(element)
                if token.kind == "self" or token.name.lower() in VOID:
                    element.block = token.starts_line and token.ends_line
                else:
                    stack.append(element)
    return root.children
