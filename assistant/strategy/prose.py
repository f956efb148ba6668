"""Which sentences of a note can stand in a strategy draft: prose, read from the note's Markdown tree.

Real notes are not all prose. Handbook pages and meeting notes hold tables, headings, link lists, navigation
lines, template instructions in italics, questions and placeholders ("Teammate X", "[TBD]", "XX%"). Quoted in
a draft they read as noise, so candidates come only from paragraphs and list items of the parsed tree
(markdown-it, CommonMark plus tables): table cells, headings, code and HTML blocks are never sentences, and a
paragraph that is mostly links or wholly emphasised is navigation or an annotation, not a claim. What remains
is split into sentences and each is kept only if it reads as a statement on its own (no question, no
placeholder, no text about the template itself, not addressed to an assistant, not a fragment of a list
introduced by "...:"). Sentences that lean on the one before ("That includes the EU.") are returned marked
``dangling``: a draft never quotes them alone, but the contradiction check reads them with their antecedent.

Every rule here is about structure or about general English cues, never one company's wording.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

from assistant.safety import looks_like_injection

MIN_WORDS, MAX_WORDS = 6, 60
_LABEL_WORDS = 8  # a bold line or lead-in this short labels what follows
# Tags that format text; any other "<word>" in a sentence is a template slot such as <name> or <date>.
_HTML_TAGS = frozenset(
    "a abbr b big br cite code del details dfn div em font i img ins kbd mark p q s samp small span strike strong "
    "sub summary sup table tbody td th thead tr u ul ol li var wbr hr iframe video audio source picture".split()
)
_PLACEHOLDER = re.compile(
    r"\[\s*(?:tbd|tbc|todo|tk|xxx?|insert\b[^\]]*|name|date|link|owner|placeholder|fill[^\]]*)\s*\]"
    r"|\{\{.*?\}\}|\{[a-z_]+\}|<[a-z][\w -]{0,30}>|\bto be (?:determined|confirmed|decided)\b|\blorem ipsum\b"
    r"|\?{2,}|_{3,}|(?:\.\.\.|…)\s*$",
    re.I,
)
# Upper-case template slots: "TBD", "XXX", "XX%", "$X", "Teammate X", "at least N6 people".
_SLOT = re.compile(
    r"\b(?:TBD|TBC|TODO|FIXME|TKTK)\b|(?<![\w$-])(?:X{2,}|Y{2,}|Z{2,}|N{2,})(?![\w-])|(?<![\w-])[XYZN]{1,3}%"
    r"|\$X+\b|(?<![\w'’.-])[XYZN]\d{0,2}(?![\w'’]|-[A-Z0-9])"
)
_QUESTION_START = re.compile(
    r"^(?:how|what|why|when|where|who|which|whose)\s+(?:can|could|do|does|did|should|would|will|is|are|was|were|"
    r"might|may|must|we|our)\b|^(?:should|shall|can|could|do|does|did|is|are|will|would|have|has)\s+(?:we|you|i|"
    r"they|it|our|the|this|there)\b",
    re.I,
)
# Text about the document rather than the business: template instructions and page housekeeping.
_SELF_REFERENCE = re.compile(
    r"\bthis (?:page|section|template|document|doc|handbook page|wiki page)\b|\b(?:the )?(?:sections?|template) "
    r"(?:below|above)\b|\bfeel free to\b|\bplease (?:add|fill|update|use|replace|describe|list|include)\b",
    re.I,
)
# Sentences that only make sense after the previous one.
_DANGLING = re.compile(
    r"^(?:(?:this|that)(?!\s+(?:quarter|year|month|week|half|spring|summer|autumn|fall|winter|season|time)\b)"
    r"|these|those|it|its|it's|they|them|such|then|so|but|and|also|however|therefore|thus|hence|instead|"
    r"otherwise|meanwhile|as a result|in addition|because of (?:this|that))\b",
    re.I,
)
_TABLE_ROW = re.compile(r"^\s*\|.*\||(?:[^|]*\|){3,}")
_NAV_SEPARATORS = re.compile(r"\s(?:\||/|·|•|»|›|→|>)\s")
_ABBREVIATION = re.compile(r"\b(?:e\.g|i\.e|etc|vs|approx|incl|cf|mr|ms|mrs|dr|inc|ltd|fig|jr|sr)\.$", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"')\]”’]*\s+(?=[\"'(\[“‘]?[A-Z0-9$])")
_FRONT_MATTER = re.compile(r"\A(?:---|\+\+\+)[ \t]*\n(?:.*\n)*?(?:---|\+\+\+|\.\.\.)[ \t]*(?:\n|\Z)")
_JOINS = (",", ";", ":", "—", "–", "-", "&", "/", " and", " or", " of", " the", " to", " a")
_SUBORDINATE = re.compile(r"^(?:if|when|because|although|though|while|unless|whether|since|once)\b[^,;:—]*[.!]?$", re.I)
_FIELD = re.compile(r"^[A-Z][\w /&()-]{0,30}:\s")  # "Where: Zoom meeting", "Owner: Dana"
_WORD = re.compile(r"[A-Za-z0-9][\w'’%$.,-]*")


@dataclass(frozen=True)
class ProseSentence:
    """A sentence of a note's prose: plain text (Markdown marks and link targets removed), where it sits
    (0-based lines of the parsed text, the heading path above it) and whether it can be quoted alone."""

    text: str
    first_line: int
    last_line: int
    context: tuple[str, ...]
    dangling: bool = False


@dataclass
class _Inline:
    """A paragraph's inline content rendered as plain text, with how much of it is links or emphasis."""

    text: str = ""
    chars: int = 0
    link_chars: int = 0
    emphasis_chars: int = 0
    italic: bool = False
    parts: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def segments(self) -> list[str]:
        """The paragraph cut where a line break separates items rather than wrapping a sentence: the line
        before is short (wrapped prose fills its lines), ends without punctuation or a joining mark, and the
        next line starts with a capital. "A flattened offering / MAU-based licensing" are two items."""
        if len(self.lines) < 2:
            return [self.text] if self.text else []
        width = max(len(line) for line in self.lines)
        out = [self.lines[0]]
        for before, line in zip(self.lines, self.lines[1:], strict=False):
            if line[:1].isupper() and not before.endswith(_JOINS) and len(before) < 0.75 * width:
                out.append(line)
            else:
                out[-1] = f"{out[-1]} {line}"
        return out


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def strip_front_matter(text: str) -> tuple[str, int]:
    """The text without a leading YAML/TOML front-matter block, and how many lines were removed."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return text, 0
    return text[match.end() :], match.group(0).count("\n")


def _render(inline: Token) -> _Inline:
    out = _Inline()
    links = emphasis = struck = 0
    italic_chars = 0
    italic = 0
    for child in inline.children or []:
        kind = child.type
        if kind in ("link_open", "link_close"):
            links += 1 if kind == "link_open" else -1
        elif kind in ("em_open", "strong_open", "em_close", "strong_close"):
            step = 1 if kind.endswith("open") else -1
            emphasis += step
            if kind.startswith("em"):
                italic += step
        elif kind in ("s_open", "s_close"):
            struck += 1 if kind == "s_open" else -1  # struck-out text is retracted, not said
        elif kind in ("softbreak", "hardbreak"):
            out.parts.append("\n")
        elif kind in ("text", "code_inline") or (kind == "html_inline" and not _is_format_tag(child.content)):
            if struck:
                continue
            out.parts.append(child.content)
            size = len(child.content.strip())
            out.chars += size
            out.link_chars += size if links else 0
            out.emphasis_chars += size if emphasis else 0
            italic_chars += size if italic else 0
    raw = "".join(out.parts)
    out.lines = [" ".join(line.split()) for line in raw.split("\n") if line.strip()]
    out.text = " ".join(raw.split())
    out.italic = italic_chars > 0
    return out


def _is_format_tag(raw: str) -> bool:
    match = re.match(r"</?([a-zA-Z][\w-]*)", raw)
    return match is not None and match.group(1).lower() in _HTML_TAGS


def _paragraph_is_prose(inline: _Inline) -> bool:
    """False for navigation and link lists, annotations in italics, bold pseudo-headings and table debris."""
    if not inline.chars or _TABLE_ROW.search(inline.text):
        return False
    if inline.link_chars >= 0.5 * inline.chars:
        return False
    if len(_NAV_SEPARATORS.findall(inline.text)) >= 2 and len(inline.text.split()) < 4 * (
        len(_NAV_SEPARATORS.findall(inline.text)) + 1
    ):
        return False
    if inline.emphasis_chars >= inline.chars:  # the whole paragraph is emphasised
        complete = inline.text.rstrip("\"')”’").endswith((".", "!")) and len(inline.text.split()) >= MIN_WORDS
        return not inline.italic and complete
    return True


def split_into_sentences(text: str) -> list[str]:
    """Sentences of one paragraph of plain text; no split after abbreviations ("e.g.") or initials."""
    pieces, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        before = text[start : match.start()].rstrip("\"')]”’")
        if _ABBREVIATION.search(before.split(" ")[-1] if before else ""):
            continue
        pieces.append(text[start : match.start()].strip())
        start = match.end()
    pieces.append(text[start:].strip())
    return [p for p in pieces if p]


def rejection(sentence: str) -> str | None:
    """Why a sentence cannot be quoted in a draft as a statement, or None when it can."""
    if looks_like_injection(sentence):
        return "addressed to an assistant"
    stripped = sentence.rstrip("\"')]”’ ")
    if "?" in sentence or _QUESTION_START.match(sentence):
        return "question"
    if _PLACEHOLDER.search(sentence) or _SLOT.search(sentence):
        return "placeholder"
    if _SELF_REFERENCE.search(sentence):
        return "about the document"
    if _TABLE_ROW.search(sentence):
        return "table row"
    if stripped.endswith(":"):
        return "lead-in"
    if _SUBORDINATE.match(sentence):
        return "fragment"
    if _FIELD.match(sentence) and not stripped.endswith((".", "!")):
        return "field"
    words = _WORD.findall(sentence)
    lower = [w for w in words[1:] if w[0].isalpha() and w.islower()]
    if len(words) >= 4 and len(lower) < 0.2 * (len(words) - 1):
        return "names or labels"
    if len(words) < MIN_WORDS:
        return "fragment"
    if len(words) > MAX_WORDS:
        return "too long to quote"
    if sum(ch.isalpha() for ch in sentence) < 0.5 * len(sentence):
        return "not prose"
    return None


def is_dangling(sentence: str) -> bool:
    return bool(_DANGLING.match(sentence))


def prose_sentences(markdown: str) -> list[ProseSentence]:
    """The quotable and dangling prose sentences of a Markdown text, in document order."""
    body, skipped = strip_front_matter(markdown)
    return list(_walk(_parser().parse(body), skipped))


def _walk(tokens: list[Token], line_offset: int) -> Iterator[ProseSentence]:
    headings: list[tuple[int, str]] = []  # level 7: a bold line or a "Risks raised:" lead-in used as a heading
    table = 0
    lists: list[tuple[bool, str | None]] = []  # per open list: introduced by "...:"? and that lead-in if short
    previous_text = ""
    field_heading = False
    for index, token in enumerate(tokens):
        kind = token.type
        if kind == "table_open":
            table += 1
        elif kind == "table_close":
            table -= 1
        elif kind in ("bullet_list_open", "ordered_list_open"):
            lead_in = previous_text.rstrip().endswith(":")
            label = previous_text.rstrip(" :") if lead_in and len(previous_text.split()) <= _LABEL_WORDS else None
            lists.append((lead_in, label))
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "heading_open":
            title = _render(tokens[index + 1]).text
            _push_heading(headings, int(token.tag[1:]), title)
            previous_text = ""
            field_heading = title.endswith(":")  # "#### When:" -- what follows is a field value
        elif kind == "paragraph_open" and not table:
            inline = _render(tokens[index + 1])
            previous_text = inline.text
            if inline.chars and inline.emphasis_chars >= inline.chars and len(inline.text.split()) <= _LABEL_WORDS:
                _push_heading(headings, 7, inline.text.rstrip(" :"))
            if not _paragraph_is_prose(inline):
                continue
            first, last = token.map or (0, 1)
            context = tuple(title for _, title in headings) + tuple(label for _, label in lists if label)
            continuation = lists[-1][0] if lists else field_heading
            for segment in inline.segments():
                yield from _sentences(segment, first + line_offset, last - 1 + line_offset, context, continuation)


def _push_heading(headings: list[tuple[int, str]], level: int, title: str) -> None:
    while headings and headings[-1][0] >= level:
        headings.pop()
    headings.append((level, title))


def _sentences(
    text: str, first: int, last: int, context: tuple[str, ...], continuation: bool
) -> Iterator[ProseSentence]:
    for n, sentence in enumerate(split_into_sentences(text)):
        dangling = is_dangling(sentence)
        reason = rejection(sentence)
        if reason and not (dangling and reason == "fragment"):
            continue  # a short continuation ("That includes the EU.") is kept for the sentence before it
        complete = sentence.rstrip("\"')”’").endswith((".", "!"))
        if not complete and (continuation and n == 0 or sentence[0].isdigit()):
            continue  # "- Creating and maintaining a working group" after "...responsible for:"; "5 seats per team"
        head = sentence.split(" ", 1)[0]
        if head.isalpha() and head.islower():
            continue  # the tail of a sentence cut by a line break, or a lower-case fragment
        yield ProseSentence(sentence, first, last, context, dangling=dangling)


def plain_text(markdown: str) -> str:
    """A Markdown text as the plain words a reader sees (paragraph, list and table text; marks removed), with
    whitespace collapsed: what a quoted sentence is checked against."""
    parts = []
    for token in _parser().parse(markdown):
        if token.type == "inline":
            parts.append(_render(token).text)
        elif token.type in ("fence", "code_block"):
            parts.append(" ".join(token.content.split()))
    return " ".join(" ".join(parts).split())
