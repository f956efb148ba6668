"""POST /v1/chat: answers with citations; ``stream: true`` gives Server-Sent Events.

A language model that fails is not an error here: the chat service answers offline and says so in the
answer's ``fallback``. Anything else that fails once the stream has started (the headers are sent) becomes an
``error`` event with a message, then ``done``, so a client never sees a stream that just stops.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Iterator

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import StreamingResponse

from assistant.api.deps import CallerDep, ChatDep, ConversationsDep, OwnerDep
from assistant.api.models import ChatRequest, ChatResponse, json_response
from assistant.errors import NotFound, ProdopsError, StoreUnavailable
from assistant.replay import answer_message, refilter
from assistant.schemas import Answer
from assistant.store.conversations import Message

router = APIRouter(prefix="/v1", tags=["chat"])
log = logging.getLogger("prodops.api")


def _response(answer: Answer, conversation_id: str) -> ChatResponse:
    return ChatResponse(**answer.model_dump(), conversation_id=conversation_id)


@router.post("/chat", response_model=ChatResponse)
def chat(body: ChatRequest, caller: CallerDep, owner: OwnerDep, service: ChatDep, store: ConversationsDep) -> object:
    """Answer the last user message; history comes from `conversation_id` or the earlier messages."""
    if body.messages[-1].role != "user":
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "the last message must have role 'user'")
    question = body.messages[-1].content
    conversation_id = body.conversation_id or store.new_id()
    try:
        stored = store.get(conversation_id, owner).messages if body.conversation_id else []
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    # Stored answers feed the follow-up only as far as the caller may read their sources today.
    history = refilter(stored, service.runtime.store, caller.scope)
    if not history:
        history = [Message(role=m.role, content=m.content) for m in body.messages[:-1]]
    items = service.stream(question, body.filters.to_filters(), caller.scope, history)

    def record(answer: Answer) -> None:
        store.append(conversation_id, owner, Message(role="user", content=question), answer_message(answer))

    if not body.stream:
        answer = next(i for i in items if isinstance(i, Answer))
        record(answer)
        return json_response(_response(answer, conversation_id))

    try:
        first: list[object] = [next(items)]  # retrieval runs here: a store outage is a 503 before the stream
        failed: Exception | None = None
    except StoreUnavailable:
        raise
    except Exception as exc:  # noqa: BLE001 - reported in-band below, like a failure later in the stream
        first, failed = [], exc

    def events() -> Iterator[str]:
        try:
            if failed is not None:
                raise failed
            for item in itertools.chain(first, items):
                if isinstance(item, Answer):
                    record(item)
                    final = _response(item, conversation_id).model_dump_json()
                    yield f"event: final\ndata: {final}\n\n"
                else:
                    yield f"event: delta\ndata: {json.dumps({'text': item})}\n\n"
        except Exception as exc:  # noqa: BLE001 - the status line is sent: report in-band, never cut the stream
            log.exception("chat stream failed")
            detail = str(exc) if isinstance(exc, ProdopsError) else f"the answer failed: {type(exc).__name__}"
            yield f"event: error\ndata: {json.dumps({'detail': detail})}\n\n"
        yield "event: done\ndata: {}\n\n"

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
