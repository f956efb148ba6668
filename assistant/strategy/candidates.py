"""The notes' quotable sentences, each tied to the chunk that holds it verbatim.

Chunks of one note overlap (the splitter repeats text across a cut), so each note is first put back together
(:class:`assistant.planning.text.SourceText`), parsed once as Markdown (:mod:`assistant.strategy.prose`), and
every sentence is then cited to the chunk its lines came from, checked to be there word for word. A sentence
that recurs verbatim in several notes is template text (a page skeleton copied into each project page) and is
dropped everywhere; one said in two notes is kept once, from the earlier note.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, replace

from assistant.planning.text import SourceText
from assistant.schemas import Chunk
from assistant.strategy.prose import ProseSentence, plain_text, prose_sentences

BOILERPLATE_SOURCES = 3  # a sentence found verbatim in this many notes is template text
_NORMAL = re.compile(r"[^a-z0-9%$]+")
# Headings over to-do lists and meeting logistics: what sits under them is a task or an attendee, not strategy.
_TASK_HEADING = re.compile(
    r"\b(?:action items?|actions|next steps|follow[- ]?ups?|to-?dos?|owners?|attendees|participants|agenda|"
    r"logistics|housekeeping)\b",
    re.I,
)


@dataclass(frozen=True)
class Candidate:
    """One prose sentence of a note: its plain text, the chunk(s) it is quoted from, where it sits."""

    text: str
    chunks: tuple[Chunk, ...]
    context: tuple[str, ...]
    order: int  # reading order across all notes (by note date, then path, then position)
    dangling: bool = False
    follow: str = ""  # the dangling sentence(s) right after it, which only make sense with it

    @property
    def task(self) -> bool:
        """Under an "Actions" / "Next steps" heading: a to-do, which a draft does not quote."""
        return bool(self.context) and bool(_TASK_HEADING.search(self.context[-1]))

    @property
    def source(self) -> str:
        return self.chunks[0].meta.source

    @property
    def statement(self) -> str:
        """The sentence with the dangling sentences that continue it: what it claims, for contradictions."""
        return f"{self.text} {self.follow}".strip()


def normalized(text: str) -> str:
    """Lower-case words and numbers only: how duplicates are recognised across notes and chunks."""
    return _NORMAL.sub(" ", text.lower()).strip()


def note_candidates(notes: list[Chunk]) -> list[Candidate]:
    """All prose sentences of the notes in reading order, dangling ones included and marked.

    Repeats are removed: the same sentence twice in a note, or in two notes, is kept once; a sentence in
    :data:`BOILERPLATE_SOURCES` or more notes is dropped everywhere.
    """
    by_source: dict[str, list[Chunk]] = defaultdict(list)
    for chunk in notes:
        by_source[chunk.meta.source].append(chunk)
    ordered = sorted(by_source, key=lambda s: (by_source[s][0].meta.date or "", s))
    found: list[Candidate] = []
    for source in ordered:
        found.extend(_source_candidates(by_source[source], len(found)))
    spread: dict[str, set[str]] = defaultdict(set)
    for c in found:
        spread[normalized(c.text)].add(c.source)
    seen: set[str] = set()
    kept: list[Candidate] = []
    for c in found:
        key = normalized(c.text)
        if key in seen or len(spread[key]) >= BOILERPLATE_SOURCES:
            continue
        seen.add(key)
        kept.append(c)
    return kept


def _source_candidates(chunks: list[Chunk], start: int) -> list[Candidate]:
    text = SourceText.from_chunks(chunks)
    line_chunks = [chunk_id for _, chunk_id in text.lines]
    by_id = {c.id: c for c in chunks}
    plain = {c.id: plain_text(c.text) for c in chunks}
    sentences = prose_sentences("\n".join(line for line, _ in text.lines))
    out: list[Candidate] = []
    previous_line, head = -2, None
    for sentence in sentences:
        cited = _citing_chunks(sentence, line_chunks, plain)
        if not cited:
            continue  # not verbatim in any chunk (never expected): never quote what cannot be shown
        item = Candidate(
            text=sentence.text,
            chunks=tuple(by_id[i] for i in cited),
            context=sentence.context,
            order=start + len(out),
            dangling=sentence.dangling,
        )
        if not sentence.dangling:
            head = len(out)
        elif head is not None and sentence.first_line <= previous_line + 1:
            out[head] = replace(out[head], follow=f"{out[head].follow} {sentence.text}".strip())
        else:
            head = None
        out.append(item)
        previous_line = sentence.last_line
    return out


def _citing_chunks(sentence: ProseSentence, line_chunks: list[str], plain: dict[str, str]) -> list[str]:
    """The chunk holding the sentence word for word (its lines' chunks first); else the chunks its lines span
    when together they hold it (a sentence cut by a chunk boundary the overlap did not cover)."""
    last = min(sentence.last_line, len(line_chunks) - 1)
    spanned = list(dict.fromkeys(line_chunks[max(0, min(sentence.first_line, last)) : last + 1]))
    wanted = " ".join(sentence.text.split())
    for chunk_id in [*spanned, *(i for i in plain if i not in spanned)]:
        if wanted in plain[chunk_id]:
            return [chunk_id]
    joined = " ".join(plain[i] for i in spanned)
    return spanned if wanted in joined else []
