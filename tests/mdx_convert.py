"""Markdown -> MDX, the way a docs site migration would write it, for round-trip tests of the MDX loader.

Braces and tag-less "<" outside code are escaped (MDX reads them as expressions); each ``##`` section is wrapped in
``<details><summary>`` (the loader gives the summary back as a heading one level below the enclosing one);
ESM lines, a people component and a self-closing chart are added; the first paragraph goes into a callout.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_SYNTAX = re.compile(r"([{}]|<(?![A-Za-z/!]))")
HEADER = (
    'import { Callout, Person, Chart } from "@site/components"\n\n'
    'export const meta = {\n  source: "handbook",\n\n  converted: true,\n}\n\n'
)
PERSON = '<Person name="Quinn Example" role="Reviewer" avatar="/img/q.png" />'


def _escape(text: str) -> str:
    """Braces and a "<" that starts no tag ("a <> b") are MDX syntax, so a converter escapes them."""
    return _SYNTAX.sub(r"\\\1", text)


def _escape_braces(line: str) -> str:
    out, last = [], 0
    for match in _CODE_SPAN.finditer(line):
        out.append(_escape(line[last : match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(_escape(line[last:]))
    return "".join(out)


def to_mdx(markdown: str) -> str:
    lines: list[str] = []
    fence = ""
    in_section = False
    outside_level = 0  # level of the last heading not inside a wrapped section
    wrapped_paragraph = False
    source = markdown.split("\n")
    for i, line in enumerate(source):
        if fence:
            lines.append(line)
            if line.strip().startswith(fence):
                fence = ""
            continue
        match = _FENCE.match(line)
        if match:
            fence = match.group(1)
            lines.append(line)
            continue
        heading = _HEADING.match(line)
        if heading:
            level = len(heading.group(1))
            if in_section and level <= 2:
                lines += ["", "</details>", ""]
                in_section = False
            if level == 2 and outside_level <= 1:
                lines += ["<details>", f"<summary>{_escape_braces(heading.group(2))}</summary>", ""]
                in_section = True
                continue
            if not in_section:
                outside_level = level
            lines.append(_escape_braces(line))
            if level == 1:
                lines += ["", PERSON, ""]
            continue
        starts_paragraph = line.strip() and not (i and source[i - 1].strip()) and re.match(r"[A-Za-z]", line)
        ends_paragraph = i + 1 >= len(source) or not source[i + 1].strip()
        if starts_paragraph and ends_paragraph and not wrapped_paragraph and not in_section:
            lines += ['<Callout type="note" title="Converted page">', "", _escape_braces(line), "", "</Callout>"]
            wrapped_paragraph = True
            continue
        lines.append(_escape_braces(line))
    if in_section:
        lines += ["", "</details>"]
    lines += ["", "<Chart data={[1, 2, 3]} />", ""]
    return HEADER + "\n".join(lines)
