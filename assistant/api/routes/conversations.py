"""GET /v1/conversations/{id}: only the key that started a conversation can read it."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from assistant.api.deps import CallerDep, ConversationsDep
from assistant.errors import NotFound
from assistant.store.conversations import Conversation

router = APIRouter(prefix="/v1", tags=["conversations"])


@router.get("/conversations/{conversation_id}", response_model=Conversation)
def get_conversation(conversation_id: str, caller: CallerDep, store: ConversationsDep) -> Conversation:
    try:
        return store.get(conversation_id, caller.name)
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
