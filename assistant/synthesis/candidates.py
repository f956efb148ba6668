"""Answer-worthy sentences of the retrieved chunks, each with how it is shown and the chunk it cites.

Sentences are taken whole (a cited sentence is never cut); questions, headings, template placeholders and
text addressed to the assistant are never candidates; a Markdown table row is shown as "Column: value" using
its table's header (from the chunk, or the header carried in the chunk's context when a long table was split);
what a customer or guest said carries who said it. Chunks that are not conversation (intros, sponsor reads,
the interview record line) are marked so they rank below what people actually said.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from assistant.periods.phrases import period_phrases
from assistant.retrieval.context import is_noise
from assistant.safety import looks_like_injection, neutralize_markers
from assistant.schemas import Chunk, Hit
from assistant.text import (
    content_terms,
    id_terms,
    is_placeholder,
    is_table_row,
    render_row,
    split_sentences,
    strip_markup,
)


@dataclass
class Candidate:
    text: str  # as quoted in the answer (a row rendered with its header, a guest's words with their name)
    verbatim: str  # the sentence as the chunk has it
    hit: Hit
    rank: int  # order of appearance: earlier chunks first
    terms: frozenset[str]
    context_terms: frozenset[str]
    noise: bool = False
    by_other_speaker: bool = False  # the question names a speaker and someone else said this


def _header(lines: list[str], index: int, context: str) -> str | None:
    for i in range(index - 1, -1, -1):
        line = lines[i].strip()
        if not line.startswith("|"):
            break
        if set(line) <= set("|-: ") and i > 0:
            return lines[i - 1]
    last = context.strip().split("\n")[-1]
    return last if last.strip().startswith("|") else None


_BULLET = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)[\s#]*$")
_ENDS = (".", "!", "?", ":", ";")


def _logical_lines(text: str) -> list[tuple[str, str | None]]:
    """(line, nearest heading above it): a list item wrapped over several lines (indented continuations, or a
    trailing backslash) is one line, so its sentence is never cut in two."""
    out: list[tuple[str, str | None]] = []
    heading: str | None = None
    for raw in text.split("\n"):
        match = _HEADING.match(raw)
        if match:
            heading = strip_markup(match.group(1))
            out.append((raw, heading))
            continue
        line = raw.rstrip()
        continues = bool(out) and bool(line.strip()) and not _BULLET.match(line) and not line.lstrip().startswith(
            ("|", "#", ">")) and (raw[:1].isspace() or out[-1][0].endswith("\\")) and bool(out[-1][0].strip()) \
            and not out[-1][0].rstrip("\\ ").endswith(_ENDS)
        if continues:
            out[-1] = (out[-1][0].rstrip("\\ ") + " " + line.strip(), out[-1][1])
        else:
            out.append((line.rstrip("\\ ").rstrip(), heading))
    return out


def _pieces(text: str, context: str, full_section: str | None, min_words: int, max_words: int
            ) -> Iterator[tuple[str, str]]:
    """(shown, verbatim) for each usable sentence or table row of a chunk's text; a list item whose heading names
    when or whose it is ("#### FY23 Q3", "### Owner: Ana") is shown with that heading."""
    section = (full_section or "").split(" > ")[-1].strip()
    logical = _logical_lines(text)
    lines = [line for line, _ in logical]
    for index, (line, near) in enumerate(logical):
        heading = near or section
        if is_table_row(line):
            header = _header(lines, index, context)
            following = lines[index + 1].strip() if index + 1 < len(lines) else ""
            alone = header is None and index == len(lines) - 1 and (index == 0 or not is_table_row(lines[index - 1]))
            if (header is not None and line.strip() == header.strip()) or alone or (
                    following.startswith("|") and set(following) <= set("|-: ")):
                continue  # a header row (also one split from its table's body) names columns and answers nothing
            shown = render_row(line, header)
            if len(shown.split()) >= 3 and not is_placeholder(line):
                yield shown, line.strip()
            continue
        item = bool(_BULLET.match(line))
        for sentence in split_sentences(line):
            clean = strip_markup(sentence)
            if sentence.startswith("#") or clean.endswith("?") or is_placeholder(sentence):
                continue
            words = len(clean.split())
            labelled = item and near and near not in clean and period_phrases(near)
            if (words < min_words and ":" in clean and heading and heading not in clean) or (
                    labelled and min_words <= words <= max_words):
                yield f"{heading} — {clean}", sentence
            elif min_words <= words <= max_words:
                yield clean, sentence


def candidates(question: str, hits: Sequence[Hit], named_speakers: set[str], min_words: int = 4,
               max_words: int = 90) -> list[Candidate]:
    """Every candidate sentence of ``hits`` in retrieval order (``named_speakers``: lower-cased speakers the
    question names; a sentence by someone else is marked)."""
    out: list[Candidate] = []
    for hit in hits:
        m = hit.chunk.meta
        noise = is_noise(hit, question)
        other = bool(named_speakers) and (m.speaker or "").lower() not in named_speakers and m.speaker is not None
        pieces, context_terms = _chunk_pieces(hit.chunk, min_words, max_words)
        for shown, verbatim, terms in pieces:
            out.append(Candidate(shown, verbatim, hit, len(out), terms, context_terms, noise, other))
    return out


_Pieces = tuple[tuple[tuple[str, str, frozenset[str]], ...], frozenset[str]]


def _chunk_pieces(chunk: Chunk, min_words: int, max_words: int) -> _Pieces:
    """A chunk's candidate sentences as (shown, verbatim, terms), and its context's terms: what does not depend
    on the question, remembered per chunk content (the same passages answer question after question, and
    splitting and term-finding were a third of an extractive answer's time)."""
    m = chunk.meta
    return _pieces_of(chunk.text, chunk.context, m.section, m.title, m.company, m.speaker, m.metric,
                      bool(m.speaker_is_participant), min_words, max_words)


@lru_cache(maxsize=4096)
def _pieces_of(text: str, context: str, section: str | None, title: str, company: str | None, speaker: str | None,
               metric: str | None, participant: bool, min_words: int, max_words: int) -> _Pieces:
    """:func:`_chunk_pieces` on the fields it reads (every one is part of the key)."""
    joined = " ".join(filter(None, [title, section, company, speaker, metric, context]))
    found: list[tuple[str, str, frozenset[str]]] = []
    for shown, verbatim in _pieces(text, context, section, min_words, max_words):
        if looks_like_injection(verbatim):
            continue
        shown = neutralize_markers(shown)  # only the answer's own [n] are citations
        if participant and speaker:
            by = f" ({company})" if company and company not in shown else ""
            shown = f"{speaker}{by}: {shown}"
        found.append((shown, verbatim, frozenset(content_terms(shown)) | id_terms(shown)))
    return tuple(found), frozenset(content_terms(joined))
