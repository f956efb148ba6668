"""The floor under ``/v1/chat`` and ``/v1/search``: what the required stack costs before prodops does anything.

``benchmarks/load.py --floor`` serves this app instead of prodops': the same two paths, on the same FastAPI and
uvicorn, each request parsed into a pydantic model, its question embedded through the same micro-batched
embedder, and the nearest 40 chunk ids read from the same Chroma collection; nothing else (no lexical query, no
filters or access scope, no answer). Its share of the embedding limit is the most any pipeline built on that
stack can reach on this machine, so it says how much of the gap to the goal is prodops' own work.
"""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import BaseModel

from assistant.runtime import Runtime


class _Message(BaseModel):
    role: str
    content: str


class _Chat(BaseModel):
    messages: list[_Message]


class _Search(BaseModel):
    query: str
    k: int = 8


def floor_app(runtime: Runtime) -> FastAPI:
    """The two paths as embedding plus one unfiltered Chroma query each (sync handlers, as prodops' are)."""
    app = FastAPI()

    def nearest(question: str) -> dict[str, list[str]]:
        vector = runtime.embedder.embed_query(question)
        return {"ids": [chunk_id for chunk_id, _ in runtime.store.nearest_ids(vector, 40)]}

    @app.post("/v1/chat")
    def chat(body: _Chat) -> dict[str, list[str]]:
        return nearest(body.messages[-1].content)

    @app.post("/v1/search")
    def search(body: _Search) -> dict[str, list[str]]:
        return nearest(body.query)

    return app
