"""Markdown and plain text: YAML frontmatter, the first H1 as a title, and transcripts written as text.

Interview notes are often pasted transcripts ("Name: text" or "Name (00:01:02):" blocks), so a text body
made of speaker lines is parsed into turns here rather than split as prose.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

from ingest.loaders import Body, LoaderError
from ingest.loaders.transcript import parse_speaker_text, turns_text


class MetaLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as strings, so :func:`ingest.values.parse_day` validates them and a bad
    date ("2026-13-45") gets an error naming the field rather than a bare ValueError from PyYAML."""


MetaLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_H1_RE = re.compile(r"^ {0,3}#[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_SETEXT_H1_RE = re.compile(r"\A\s*([^\n#].*)\n=+[ \t]*$", re.MULTILINE)


def split_frontmatter(text: str) -> tuple[dict[str, Any], str]:
    """The frontmatter mapping and the body (python-frontmatter's YAML handler).

    Raises:
        LoaderError: the YAML is invalid (with its line in the file) or is not a ``key: value`` mapping.
    """
    handler = YAMLHandler()
    stripped = text.lstrip()
    if not handler.detect(stripped):
        return {}, text.strip()
    leading_lines = text[: len(text) - len(stripped)].count("\n")
    try:
        raw, body = handler.split(stripped)
    except ValueError:
        return {}, text.strip()
    try:
        data = handler.load(raw, Loader=MetaLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1 + leading_lines}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise LoaderError(f"invalid YAML frontmatter{where}: {problem}; fix the YAML between the --- lines") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise LoaderError("YAML frontmatter must be a mapping of `key: value` lines")
    return data, body.strip()


def first_h1(text: str) -> str | None:
    """The first level-1 heading (ATX ``# Title`` or setext), skipping fenced code blocks."""
    in_fence = False
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            continue
        if not in_fence:
            match = _H1_RE.match(line)
            if match:
                return _clean_inline(match.group(1))
    match = _SETEXT_H1_RE.match(text)
    return _clean_inline(match.group(1)) if match else None


def _clean_inline(text: str) -> str:
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[*_`]+", "", text).strip()


def load_markdown(text: str) -> Body:
    """Frontmatter plus body; a body of speaker lines becomes transcript turns.

    Raises:
        LoaderError: invalid frontmatter, or nothing but frontmatter.
    """
    meta, body = split_frontmatter(text)
    if not body.strip():
        raise LoaderError("empty file (no text after the frontmatter); add content or delete the file")
    return text_body(body, meta)


def text_body(body: str, meta: dict[str, Any] | None = None, title: str | None = None) -> Body:
    """A Body for extracted document text (Markdown, PDF, DOCX): prose, or turns when it is a transcript."""
    heading = first_h1(body) or title
    turns = parse_speaker_text(body)
    if turns:
        return Body(text=turns_text(turns), turns=turns, meta=meta or {}, title=heading)
    return Body(text=body, meta=meta or {}, title=heading)
