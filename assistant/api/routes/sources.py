"""Sources and chunks, filtered by the caller's scope: out-of-scope ids answer 404 exactly like unknown ones."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from assistant.access import chunk_readable, source_readable
from assistant.api.deps import CallerDep, RuntimeDep
from assistant.api.markdown import markdown_html
from assistant.api.models import ChunkOut, SourceDetail, SourceOut
from assistant.schemas import Chunk, SourceRecord

router = APIRouter(prefix="/v1", tags=["sources"])




def _source_out(r: SourceRecord) -> SourceOut:
    return SourceOut(path=r.path, kind=r.kind, chunks=r.chunks, team=r.team, date=r.date, title=r.title,
                     visibility=r.visibility)


def _chunk_out(c: Chunk) -> ChunkOut:
    return ChunkOut(chunk_id=c.id, source=c.meta.source, text=c.text, title=c.meta.title, kind=c.meta.kind,
                    metadata=c.meta.model_dump(mode="json", exclude_none=True), html=markdown_html(c.text))


@router.get("/sources", response_model=list[SourceOut])
def list_sources(caller: CallerDep, runtime: RuntimeDep) -> list[SourceOut]:
    return [_source_out(r) for r in runtime.store.sources() if source_readable(r, caller.scope)]


@router.get("/sources/{path:path}", response_model=SourceDetail)
def get_source(path: str, caller: CallerDep, runtime: RuntimeDep) -> SourceDetail:
    record = runtime.store.get_source(path)
    if record is None or not source_readable(record, caller.scope):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"source {path!r} not found")
    chunks = sorted(runtime.store.iter_chunks(where={"source": path}), key=lambda c: c.meta.position)
    return SourceDetail(**_source_out(record).model_dump(), chunk_list=[_chunk_out(c) for c in chunks
                                                                         if chunk_readable(c, caller.scope)])


@router.get("/chunks/{chunk_id:path}", response_model=ChunkOut)
def get_chunk(chunk_id: str, caller: CallerDep, runtime: RuntimeDep) -> ChunkOut:
    found = runtime.store.get_chunks([chunk_id])
    if not found or not chunk_readable(found[0], caller.scope):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"chunk {chunk_id!r} not found")
    return _chunk_out(found[0])
