"""POST /v1/search: raw hybrid hits with scores, in the caller's scope."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import TypeAdapter

from assistant.api.deps import CallerDep, ChatDep
from assistant.api.models import SearchHitOut, SearchRequest, json_response

router = APIRouter(prefix="/v1", tags=["search"])
HITS = TypeAdapter(list[SearchHitOut])


@router.post("/search", response_model=list[SearchHitOut])
def search(body: SearchRequest, caller: CallerDep, service: ChatDep) -> Response:
    hits = service.search(body.query, k=body.k, filters=body.filters.to_filters(), scope=caller.scope)
    return json_response(HITS.dump_json([
        SearchHitOut(chunk_id=h.chunk.id, source=h.chunk.meta.source, score=h.score, text=h.chunk.text,
                     title=h.chunk.meta.title, kind=h.chunk.meta.kind, team=h.chunk.meta.team, date=h.chunk.meta.date)
        for h in hits
    ]))
