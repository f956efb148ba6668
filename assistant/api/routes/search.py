"""POST /v1/search: raw hybrid hits with scores, in the caller's scope."""

from __future__ import annotations

from fastapi import APIRouter

from assistant.api.deps import CallerDep, ChatDep
from assistant.api.models import SearchHitOut, SearchRequest

router = APIRouter(prefix="/v1", tags=["search"])


@router.post("/search", response_model=list[SearchHitOut])
def search(body: SearchRequest, caller: CallerDep, service: ChatDep) -> list[SearchHitOut]:
    hits = service.retriever.search(body.query, k=body.k, filters=body.filters.to_filters(), scope=caller.scope)
    return [
        SearchHitOut(chunk_id=h.chunk.id, source=h.chunk.meta.source, score=h.score, text=h.chunk.text,
                     title=h.chunk.meta.title, kind=h.chunk.meta.kind, team=h.chunk.meta.team, date=h.chunk.meta.date)
        for h in hits
    ]
