"""Conversations: the caller's list, one conversation, deleting one, and rating an answer.

Only the owner (the key itself, see :func:`assistant.api.deps.request_owner`) sees, deletes or rates a
conversation; anyone else gets the same 404 as for an id that does not exist. A conversation is shown as the
caller's scope allows *today* (:mod:`assistant.replay`).
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response, status
from pydantic import BaseModel, Field

from assistant.api.deps import CallerDep, ConversationsDep, OwnerDep, RuntimeDep
from assistant.errors import NotFound
from assistant.replay import refilter
from assistant.store.conversations import Conversation, ConversationSummary, Feedback, Rating

router = APIRouter(prefix="/v1", tags=["conversations"])


class FeedbackIn(BaseModel):
    position: int = Field(ge=0, description="The rated answer's position in the conversation (0-based).")
    rating: Rating
    note: str = Field(default="", max_length=2000, description="Optional: what was wrong or right.")


@router.get("/conversations", response_model=list[ConversationSummary])
def list_conversations(owner: OwnerDep, store: ConversationsDep) -> list[ConversationSummary]:
    """The caller's conversations, most recently active first."""
    return store.summaries(owner)


@router.get("/conversations/{conversation_id}", response_model=Conversation)
def get_conversation(conversation_id: str, owner: OwnerDep, caller: CallerDep, store: ConversationsDep,
                     runtime: RuntimeDep) -> Conversation:
    """A conversation of the calling key, re-filtered by its scope today."""
    try:
        conversation = store.get(conversation_id, owner)
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    return conversation.model_copy(update={"messages": refilter(conversation.messages, runtime.store, caller.scope)})


@router.delete("/conversations/{conversation_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_conversation(conversation_id: str, owner: OwnerDep, store: ConversationsDep) -> Response:
    try:
        store.delete(conversation_id, owner)
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/conversations/{conversation_id}/feedback", response_model=Feedback)
def rate_answer(conversation_id: str, body: FeedbackIn, owner: OwnerDep, store: ConversationsDep) -> Feedback:
    """Thumbs up or down (with an optional note) on one answer; rating it again replaces the earlier rating."""
    try:
        return store.rate(conversation_id, owner, body.position, Feedback(rating=body.rating, note=body.note))
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
