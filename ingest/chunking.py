"""ParsedSource -> Chunks: the retrievable units, with deterministic ids and complete metadata.

* Documents are split by Markdown headings (# to ###; the section path goes into metadata) and then by size
  with LangChain's ``RecursiveCharacterTextSplitter``. Chunk text is always a verbatim slice of the parsed
  text, because answers quote chunks and quotes are checked to be verbatim. (LangChain's
  ``MarkdownHeaderTextSplitter`` strips lines and re-joins them with ``"  \\n"``, so the heading scan that
  mirrors it lives here and works on offsets.)
* Transcripts give one chunk per speaker turn (long turns split at sentence ends), carrying who spoke, their
  role and the turn's segment (:mod:`ingest.interviews`). The interviewer's question is kept as the answer's
  context for the lexical index, but a participant's vector is made of their own words only: a scripted
  question embedded with every answer to it would pull those answers together (themes cluster the vectors).
* Metric reports give summary chunks built from the parsed series (:mod:`ingest.metric_summary`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant.config import Settings
from assistant.schemas import Chunk, ChunkMeta, Kind, ParsedSource
from assistant.segments import RECORD
from assistant.text import SENTENCE_END
from ingest.metric_summary import metric_chunks
from ingest.speakers import INTERVIEWER, PARTICIPANT

_ATX_RE = re.compile(r" {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*")
_SPLIT_LEVELS = 3
_OBJECTIVE_RE = re.compile(r"\b(?:O\d{1,2}|KR(\d{1,2})(?:\.\d{1,2})?)\b")
_INITIATIVE_RE = re.compile(r"\b[A-Z]{2,5}-\d{1,4}\b")
QUESTION_CHARS = 300
LEAD_LIMIT = 200


@dataclass
class _Piece:
    text: str
    context: str
    meta: dict[str, Any] = field(default_factory=dict)


def chunk_source(parsed: ParsedSource, settings: Settings) -> list[Chunk]:
    """All chunks of a source, in document order; same input, same chunks and ids."""
    if parsed.metric_points:
        pieces = _metric_pieces(parsed, settings)
    elif parsed.turns:
        pieces = _turn_pieces(parsed, settings)
    else:
        pieces = _document_pieces(parsed, settings)
    info = parsed.info
    base = info.model_dump(
        include={"team", "visibility", "doc_type", "company", "participant", "role", "interviewer", "period",
                 "participants", "named_participants", "named_interviewer", "email"}
    )
    chunks = []
    for position, piece in enumerate(p for p in pieces if p.text.strip()):
        meta = ChunkMeta(
            source=info.path,
            kind=info.kind,
            title=info.title,
            position=position,
            source_hash=info.content_hash,
            format=info.format,
            date=info.date.isoformat() if info.date else None,
            **(base | piece.meta),
        )
        digest = hashlib.sha256(piece.text.encode("utf-8")).hexdigest()[:10]
        chunks.append(Chunk(id=f"{info.path}#{position}:{digest}", text=piece.text, meta=meta, context=piece.context))
    return chunks


def embedding_text(chunk: Chunk) -> str:
    """What is embedded: the context line (title > section) and then the verbatim text, so a chunk is found by
    what it is about, not only what it says; a participant's turn is embedded with their own words alone."""
    if chunk.meta.speaker_role == PARTICIPANT:
        return chunk.text
    return f"{chunk.context}\n{chunk.text}" if chunk.context else chunk.text


def markdown_sections(text: str) -> list[tuple[int, int, tuple[str, ...]]]:
    """(start, end, heading path) of each section; headings # to ### open sections, fenced code is skipped.

    A section holding only its heading is merged into the next one, as LangChain's header splitter does, so
    a bare title line never becomes a chunk of its own.
    """
    starts: list[tuple[int, tuple[str, ...]]] = [(0, ())]
    stack: list[tuple[int, str]] = []
    offset, fence = 0, ""
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if fence:
            fence = "" if stripped.startswith(fence) else fence
        elif stripped.startswith(("```", "~~~")):
            fence = stripped[:3]
        else:
            match = _ATX_RE.fullmatch(line.rstrip("\n"))
            if match and len(match.group(1)) <= _SPLIT_LEVELS and match.group(2).strip():
                level = len(match.group(1))
                while stack and stack[-1][0] >= level:
                    stack.pop()
                stack.append((level, _clean_heading(match.group(2))))
                starts.append((offset, tuple(title for _, title in stack)))
        offset += len(line)
    sections: list[tuple[int, int, tuple[str, ...]]] = []
    pending: int | None = None  # start of heading-only sections waiting to be merged into the next one
    for i, (start, path) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(text)
        begin = start if pending is None else pending
        lines = text[start:end].split("\n", 1)
        if path and i + 1 < len(starts) and not (len(lines) > 1 and lines[1].strip()):
            pending = begin
            continue
        pending = None
        if text[begin:end].strip():
            sections.append((begin, end, path))
    return sections


def _clean_heading(text: str) -> str:
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[*_`]+", "", text).strip()


def _context(title: str, path: tuple[str, ...]) -> str:
    parts = list(path[1:] if path and path[0] == title else path)
    return " > ".join([title, *parts])


def _document_pieces(parsed: ParsedSource, settings: Settings) -> list[_Piece]:
    text, info = parsed.text, parsed.info
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap, add_start_index=True
    )
    pieces = []
    for start, end, path in markdown_sections(text):
        section = " > ".join(path) or None
        for doc in splitter.create_documents([text[start:end]]):
            chunk_text = doc.page_content
            at = start + int(doc.metadata["start_index"])
            if text[at : at + len(chunk_text)] != chunk_text:  # never expected; verbatim is a hard guarantee
                raise AssertionError(f"chunk of {info.path} is not a verbatim slice of its source text")
            meta: dict[str, Any] = {"section": section, "lead": _lead(text, start, at)}
            meta |= _ids(info.kind, f"{section or ''}\n{chunk_text}", info.objective_ids, info.initiative_ids)
            context = _context(info.title, path)
            header = _table_header_before(text, at, chunk_text)
            pieces.append(_Piece(chunk_text, f"{context}\n{header}" if header else context, meta))
    return pieces


_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}")


def _table_header_before(text: str, at: int, chunk_text: str) -> str | None:
    """The header row of the Markdown table a chunk starts inside of (a long table split across chunks, also
    right after its header row), so its rows still say which column is which: kept as context, never quoted."""
    first = chunk_text.lstrip().split("\n", 1)[0]
    if not first.lstrip().startswith("|"):
        return None
    lines = text[:at].rstrip("\n").split("\n")
    if _TABLE_SEPARATOR.match(first):  # split between the header row and its separator line
        return lines[-1].strip() if lines and lines[-1].strip().startswith("|") else None
    for i in range(len(lines) - 1, 0, -1):
        line = lines[i].strip()
        if not line.startswith("|"):
            return None
        if _TABLE_SEPARATOR.match(line):
            return lines[i - 1].strip()
    return None


def _lead(text: str, start: int, at: int) -> str | None:
    """The whitespace before a chunk back to the previous text of its section (what the splitter stripped),
    kept so the section can be put back together exactly (plans are read from their indentation)."""
    begin = at
    while begin > start and at - begin < LEAD_LIMIT and text[begin - 1].isspace():
        begin -= 1
    return text[begin:at] or None


def _ids(kind: Kind, text: str, objectives: list[str], initiatives: list[str]) -> dict[str, list[str]]:
    """Objective and initiative ids: frontmatter ones on every chunk; found ones in strategy docs only.

    A key result id implies its objective (KR2.1 -> O2), so alignment sees the objective either way.
    """
    found_objectives: list[str] = list(objectives)
    found_initiatives: list[str] = list(initiatives)
    if kind is Kind.STRATEGY:
        for match in _OBJECTIVE_RE.finditer(text):
            found_objectives.append(match.group(0))
            if match.group(1):
                found_objectives.append(f"O{int(match.group(1))}")
        found_initiatives += _INITIATIVE_RE.findall(text)
    return {
        "objective_ids": list(dict.fromkeys(found_objectives)),
        "initiative_ids": list(dict.fromkeys(found_initiatives)),
    }


def slice_at_sentences(text: str, size: int) -> list[str]:
    """Verbatim slices of ``text`` of at most ``size`` characters, cut after sentence ends where possible,
    else at a space, else hard."""
    ends = [m.end() for m in SENTENCE_END.finditer(text)]
    pieces: list[str] = []
    start, length = 0, len(text)
    while start < length:
        while start < length and text[start].isspace():
            start += 1
        if start >= length:
            break
        limit = start + size
        if limit >= length:
            pieces.append(text[start:].rstrip())
            break
        cut = max((e for e in ends if start < e <= limit), default=0)
        if not cut:
            space = text.rfind(" ", start, limit + 1)
            cut = space if space > start else limit
        pieces.append(text[start:cut].rstrip())
        start = cut
    return [p for p in pieces if p]


def _question(speaker: str, said: str) -> str:
    """What a participant's turn answers: the closing sentences of the interviewer's turn (~300 characters),
    since the prompt is what comes last ("... Welcome to the podcast." / "... How do you onboard today?")."""
    picked: list[str] = []
    total = 0
    for sentence in reversed([s for s in re.split(r"(?<=[.!?])\s+", said.strip()) if s]):
        if picked and total + len(sentence) + 1 > QUESTION_CHARS:
            break
        picked.insert(0, sentence)
        total += len(sentence) + 1
    snippet = " ".join(picked)
    if len(snippet) > QUESTION_CHARS:
        snippet = "… " + snippet[-QUESTION_CHARS:].split(" ", 1)[-1]
    return f"{speaker}: {snippet}"


def interview_record(parsed: ParsedSource) -> str | None:
    """One sentence stating the interview's metadata (who, role, company, interviewer, team, date), so questions
    like "what is X's role?" or "who interviewed Y?" find an answer that the frontmatter holds but no turn says."""
    info = parsed.info
    if not (info.participants or info.company):
        return None
    names = info.participants
    who = (", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]) if names else "a customer"
    if info.role:
        who += f", {info.role}"
    if info.company:
        who += f" at {info.company}" if info.role or info.participant else f" from {info.company}"
    text = f"Interview record: {who}"
    if info.interviewer:
        text += f", interviewed by {info.interviewer}"
        if info.team:
            text += f" of the {info.team} team"
    if info.date:
        text += f" on {info.date.isoformat()}"
    return text + f" ({info.title})."


def _turn_pieces(parsed: ParsedSource, settings: Settings) -> list[_Piece]:
    info = parsed.info
    people = " and ".join(info.participants)
    intro = f"Interview with {people}" if people else f"Interview: {info.title}"
    intro += f" ({info.company})" if info.company else ""
    record = interview_record(parsed)
    pieces: list[_Piece] = [_Piece(record, intro, {"segment": RECORD})] if record else []
    question: str | None = None
    ids = _ids(info.kind, "", info.objective_ids, info.initiative_ids)
    for index, turn in enumerate(parsed.turns):
        participant = turn.role == PARTICIPANT
        context = question if participant and question else intro
        if turn.role == INTERVIEWER:
            question = _question(turn.speaker, turn.text)
        meta: dict[str, Any] = {
            "speaker": turn.speaker,
            "timestamp": turn.timestamp,
            "speaker_is_participant": participant if turn.role else None,
            "speaker_role": turn.role,
            "segment": turn.segment,
            "turn": index,
            **ids,
        }
        if participant:
            meta["participant"] = turn.speaker
        pieces += [_Piece(text, context, meta) for text in slice_at_sentences(turn.text, settings.chunk_size)]
    return pieces


def _metric_pieces(parsed: ParsedSource, settings: Settings) -> list[_Piece]:
    info = parsed.info
    ids = _ids(info.kind, "", info.objective_ids, info.initiative_ids)
    return [
        _Piece(chunk.text, info.title, {"metric": chunk.metric, "period": chunk.period, **ids})
        for chunk in metric_chunks(parsed.metric_points, info.title, settings.chunk_size, info.date)
    ]
