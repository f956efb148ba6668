"""Typed records shared by ingestion, retrieval and every workflow.

The chunk metadata is designed up front for all features: chat filters (kind, team, date, company,
participant), the contact ledger (company, participant, role, interviewer, date, team), themes (speaker and
whether the speaker is the customer), alignment (objective and initiative ids), metrics (metric, period) and
access control (visibility). Chroma only stores flat scalars, so :meth:`ChunkMeta.to_chroma` flattens lists and
:meth:`ChunkMeta.from_chroma` restores them.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

EVERYONE = "everyone"
VIS_PREFIX = "vis_"
DATE_NUM = "date_num"


class Kind(StrEnum):
    STRATEGY = "strategy"
    INTERVIEW = "interview"
    METRICS = "metrics"
    NOTE = "note"


class SourceInfo(BaseModel):
    """Document-level facts about one file; ``path`` (workspace-relative, POSIX) is the source id."""

    path: str
    kind: Kind
    format: str
    title: str
    content_hash: str
    team: str | None = None
    date: dt.date | None = None
    visibility: list[str] = Field(default_factory=lambda: [EVERYONE])
    doc_type: str | None = None
    company: str | None = None
    participant: str | None = None  # the people interviewed, joined with ", " (see ``participants``)
    participants: list[str] = Field(default_factory=list)  # one name per person interviewed, from speaker labels
    named_participants: list[str] = Field(default_factory=list)  # as metadata names them (guest: A and B)
    email: str | None = None
    role: str | None = None
    interviewer: str | None = None
    named_interviewer: str | None = None  # as metadata names it (else inferred from who asks the questions)
    period: str | None = None
    objective_ids: list[str] = Field(default_factory=list)  # from frontmatter `objectives`: on every chunk
    initiative_ids: list[str] = Field(default_factory=list)  # from frontmatter `initiatives`: on every chunk


class Turn(BaseModel):
    """One speaker turn of an interview transcript."""

    speaker: str
    text: str
    timestamp: str | None = None  # HH:MM:SS from the start of the recording
    role: str | None = None  # interviewer | participant | other (ingest.speakers)
    segment: str | None = None  # conversation | intro | sponsor | scripted | outro | cold-open (ingest.segments)


class MetricPoint(BaseModel):
    """One parsed value of a metric table; ``category`` is set for long-shape tables."""

    metric: str
    period: str
    value: float
    category: str | None = None


class ParsedSource(BaseModel):
    """What a loader returns: metadata plus the body in the shape its kind needs."""

    info: SourceInfo
    text: str
    turns: list[Turn] = Field(default_factory=list)
    metric_points: list[MetricPoint] = Field(default_factory=list)


_LIST_FIELDS = ("visibility", "objective_ids", "initiative_ids", "participants", "named_participants")
_KEY_FIELDS = ("company", "participant")


class ChunkMeta(BaseModel):
    """Everything a chunk carries besides its text."""

    source: str
    kind: Kind
    title: str
    position: int
    source_hash: str
    format: str = ""
    team: str | None = None
    date: str | None = None  # ISO date of the source document
    visibility: list[str] = Field(default_factory=lambda: [EVERYONE])
    doc_type: str | None = None
    section: str | None = None
    company: str | None = None
    participant: str | None = None  # a participant's own turns: that person; other chunks: all of them
    participants: list[str] = Field(default_factory=list)
    named_participants: list[str] = Field(default_factory=list)
    email: str | None = None
    role: str | None = None
    interviewer: str | None = None
    named_interviewer: str | None = None
    speaker: str | None = None  # the person (a speaker label, typos folded)
    speaker_is_participant: bool | None = None
    speaker_role: str | None = None  # interviewer | participant | other
    turn: int | None = None  # the turn's index in its transcript; a long turn's chunks share it
    timestamp: str | None = None
    segment: str | None = Field(
        default=None, description="Transcripts: conversation, intro, sponsor, scripted, outro, cold-open, or "
        "record (the interview's metadata sentence); None elsewhere. Answers and quotes use conversation.",
    )
    metric: str | None = None
    period: str | None = None
    objective_ids: list[str] = Field(default_factory=list)
    initiative_ids: list[str] = Field(default_factory=list)
    lead: str | None = None  # the whitespace the splitter stripped before this chunk, so a source rebuilds exactly

    def to_chroma(self) -> dict[str, str | int | float | bool]:
        """Flatten for Chroma: lists become comma-joined strings; visibility also becomes one flag per team."""
        flat: dict[str, str | int | float | bool] = {}
        for key, value in self.model_dump(mode="json").items():
            if value is None:
                continue
            if key in _LIST_FIELDS:
                flat[key] = ",".join(value)
            else:
                flat[key] = value
        for team in self.visibility:
            flat[VIS_PREFIX + team] = True
        if self.date:
            flat[DATE_NUM] = int(self.date.replace("-", "")[:8])  # Chroma compares numbers only
        for key in _KEY_FIELDS:  # case-insensitive filtering: Chroma has no lower()
            value = getattr(self, key)
            if value:
                flat[f"{key}_key"] = value.lower()
        return flat

    @classmethod
    def from_chroma(cls, flat: dict[str, Any]) -> ChunkMeta:
        derived = {DATE_NUM, *(f"{key}_key" for key in _KEY_FIELDS)}
        data = {k: v for k, v in flat.items() if not k.startswith(VIS_PREFIX) and k not in derived}
        for key in _LIST_FIELDS:
            raw = data.get(key)
            data[key] = [part for part in str(raw).split(",") if part] if raw else []
        if not data["visibility"]:
            data["visibility"] = [EVERYONE]
        return cls.model_validate(data)


class Chunk(BaseModel):
    """A retrievable piece of a source; ``id`` is deterministic: source path, position and text hash."""

    id: str
    text: str
    meta: ChunkMeta
    context: str = ""  # title/section or the question answered: embedded and indexed, never quoted


class Hit(BaseModel):
    """A retrieved chunk with its fused score and the ranks it had in each retriever."""

    chunk: Chunk
    score: float
    similarity: float | None = None  # cosine similarity to the query, when the dense retriever found it
    dense_rank: int | None = None
    lexical_rank: int | None = None


class SearchFilters(BaseModel):
    """Metadata filters shared by the dense and lexical retrievers; empty lists mean "any"."""

    kinds: list[Kind] = Field(default_factory=list)
    teams: list[str] = Field(default_factory=list)
    companies: list[str] = Field(default_factory=list)
    participants: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    customer_turns_only: bool = False
    conversation_only: bool = False  # leave out intros, ad reads, scripted rounds, outros, cold opens


class SourceRecord(BaseModel):
    """The stored manifest entry of one ingested source (kept in Chroma, the source of truth)."""

    path: str
    kind: Kind
    content_hash: str
    chunks: int
    title: str = ""
    team: str | None = None
    date: str | None = None
    visibility: list[str] = Field(default_factory=lambda: [EVERYONE])
    format: str = ""
    workspace: str = ""  # resolved root folder the source was found in; scopes deletion of removed files
    complete: bool = True  # False while a job is writing its chunks; a crash leaves it False, the rerun repairs
    fingerprint: str = ""  # content hash + parser version: what an ingest compares to skip the file
    metric_points: list[MetricPoint] = Field(default_factory=list)


class FailedFile(BaseModel):
    path: str
    error: str
    name: str | None = None  # an upload's original file name, when it differs from its stored path


class IngestReport(BaseModel):
    """The result of one ingestion job; the CLI's ``--json`` contract."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0  # a count, as before; the paths are in ``deleted_paths``
    deleted_paths: list[str] = Field(default_factory=list)
    chunks: int = 0
    embedded: int = 0
    failed: list[FailedFile] = Field(default_factory=list)


class Citation(BaseModel):
    """A reference to the chunk a statement came from: the one citation type of answers, drafts, packs, themes.

    ``n`` is its footnote number where the output numbers them (chat answers, check-in packs); ``text`` and
    ``title`` are filled where the caller shows the cited passage; ``previous`` marks a citation copied from an
    earlier stored check-in pack, whose chunk may no longer be in the store (which is the point of it).
    """

    chunk_id: str
    source: str
    n: int = 0
    text: str = ""
    title: str = ""
    previous: bool = False


class AnswerSentence(BaseModel):
    text: str
    citations: list[int] = Field(default_factory=list)
    supported: bool = False
    score: float = 0.0


class ModelFallback(BaseModel):
    """Why a language model's text was not shown and the offline result was shown instead.

    ``reason`` is a short code: ``unsupported`` (too few sentences supported by and citing the sources),
    ``unusable`` (nothing checkable: empty, no sentences, markup only), ``declined`` (the model said the
    sources don't cover it although they do), ``unreachable``, ``timeout``, ``disconnected`` (the reply was cut
    off), ``error``, ``too_long``.
    ``message`` is the one line shown to the user; ``model_text`` keeps what the model wrote, for inspection.
    """

    reason: str
    message: str
    model_text: str = ""
    supported: int | None = None
    sentences: int | None = None


class Answer(BaseModel):
    """What every synthesizer returns; ``invalid_citations`` lists references a model made to unknown chunks.

    ``fallback`` is set when a model's answer was replaced by the offline one; ``removed`` lists the sentences
    of a shown model answer that were left out because their cited sources don't support them.
    """

    answer: str
    abstained: bool
    citations: list[Citation] = Field(default_factory=list)
    sentences: list[AnswerSentence] = Field(default_factory=list)
    invalid_citations: list[str] = Field(default_factory=list)
    query: str = ""
    fallback: ModelFallback | None = None
    removed: list[AnswerSentence] = Field(default_factory=list)
    route: str = Field(default="text", description="Which path answered: text, metric, plan, or abstain.")
    confidence: float | None = Field(
        default=None, description="The answer step's support score, compared with the abstention threshold."
    )
