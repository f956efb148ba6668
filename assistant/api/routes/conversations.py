"""GET /v1/conversations/{id}: only the key that started a conversation can read it, and only what its scope
allows today."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from assistant.api.deps import CallerDep, ConversationsDep, RuntimeDep
from assistant.errors import NotFound
from assistant.replay import refilter
from assistant.store.conversations import Conversation

router = APIRouter(prefix="/v1", tags=["conversations"])


@router.get("/conversations/{conversation_id}", response_model=Conversation)
def get_conversation(conversation_id: str, caller: CallerDep, store: ConversationsDep,
                     runtime: RuntimeDep) -> Conversation:
    """A conversation of the calling key (by the key itself, not its name), re-filtered by its scope today."""
    try:
        conversation = store.get(conversation_id, caller.owner)
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    return conversation.model_copy(update={"messages": refilter(conversation.messages, runtime.store, caller.scope)})
