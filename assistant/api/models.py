"""Request and response bodies of the HTTP API (kept apart from the stored types)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import Response
from pydantic import BaseModel, Field, field_validator

from assistant.schemas import AnswerSentence, Citation, Kind, ModelFallback, SearchFilters


class FiltersIn(BaseModel):
    kind: list[Kind] = Field(default_factory=list)
    team: list[str] = Field(default_factory=list)
    company: list[str] = Field(default_factory=list)
    participant: list[str] = Field(default_factory=list)
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @field_validator("kind", mode="before")
    @classmethod
    def _kind_aliases(cls, value: object) -> object:
        """Folder names ingestion reads as kinds ("roadmap", "okrs", "research"...) are accepted as kinds."""
        from ingest.kinds import FOLDER_KINDS
        from ingest.metadata import KIND_VALUES

        aliases = {**FOLDER_KINDS, **KIND_VALUES}
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list):
            return [aliases.get(v.strip().lower(), v) if isinstance(v, str) else v for v in value]
        return value

    def to_filters(self) -> SearchFilters:
        return SearchFilters(
            kinds=self.kind, teams=self.team, companies=self.company, participants=self.participant,
            date_from=self.date_from, date_to=self.date_to,
        )


class ChatMessageIn(BaseModel):
    role: Literal["user", "assistant", "system"]
    content: str = Field(min_length=1, max_length=20_000)


class ChatRequest(BaseModel):
    messages: list[ChatMessageIn] = Field(min_length=1, description="OpenAI-style; the last must be the user's.")
    stream: bool = False
    conversation_id: str | None = Field(default=None, max_length=64)
    filters: FiltersIn = Field(default_factory=FiltersIn)


class ChatResponse(BaseModel):
    answer: str
    abstained: bool
    citations: list[Citation]
    sentences: list[AnswerSentence]
    invalid_citations: list[str] = Field(default_factory=list)
    query: str
    conversation_id: str
    fallback: ModelFallback | None = Field(default=None, description="Set when the model's answer was replaced by "
                                           "the offline one: reason, message, the model's text.")
    removed: list[AnswerSentence] = Field(default_factory=list, description="Model sentences left out: unsupported.")


class SearchRequest(BaseModel):
    query: str = Field(min_length=1, max_length=2000)
    k: int = Field(default=8, ge=1, le=50)
    filters: FiltersIn = Field(default_factory=FiltersIn)


class SearchHitOut(BaseModel):
    chunk_id: str
    source: str
    score: float
    text: str
    title: str
    kind: Kind
    team: str | None
    date: str | None


class SourceOut(BaseModel):
    path: str
    kind: Kind
    chunks: int
    team: str | None
    date: str | None
    title: str
    visibility: list[str]


class ChunkOut(BaseModel):
    chunk_id: str
    source: str
    text: str
    title: str
    kind: Kind
    metadata: dict[str, object]
    html: str = Field(default="", description="The text as sanitized HTML (Markdown rendered, raw HTML escaped).")


class SourceDetail(SourceOut):
    chunk_list: list[ChunkOut]


def json_response(body: BaseModel | bytes) -> Response:
    """A hot route's body, serialised once by pydantic. Returning a model instead makes FastAPI validate it
    against the route's ``response_model`` and serialise it again, in one more thread-pool hand-off for a
    plain-``def`` route; the model stays declared on the route for the OpenAPI schema."""
    content = body if isinstance(body, bytes) else body.model_dump_json()
    return Response(content, media_type="application/json")
