"""prodops as an OpenAI "model": ``POST /v1/chat/completions`` and ``GET /v1/models``.

Any OpenAI client or chat UI pointed at ``http://HOST:PORT/v1`` with an access key as its API key gets grounded
answers: the history comes from the request's messages (the protocol is stateless), the scope from the key, and
the content carries ``[n]`` markers with a "Sources" list under it; the cited chunks themselves are in the extra
field ``prodops`` (on the completion, and on the last chunk of a stream).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import StreamingResponse

from assistant.api.deps import CallerDep, ChatDep
from assistant.api.openai_models import (
    MODEL_ID,
    AssistantMessage,
    ChatCompletion,
    Choice,
    CitedChunk,
    CompletionRequest,
    ModelCard,
    ModelList,
    ProdopsExtra,
    Usage,
)
from assistant.schemas import Answer
from assistant.store.conversations import Message

router = APIRouter(prefix="/v1", tags=["openai-compatible"])
OPENAI_PATHS = ("/v1/chat/completions", "/v1/models")
_STARTED = int(time.time())


def sources_footer(answer: Answer) -> str:
    """The cited sources under the answer, one ``[n] path`` line each, for readers of the plain content."""
    if answer.abstained or not answer.citations:
        return ""
    lines = [f"[{c.n}] {c.source}" + (f" — {c.title}" if c.title and c.title != c.source else "")
             for c in answer.citations]
    return "\n\nSources:\n" + "\n".join(lines)


def extra(answer: Answer) -> ProdopsExtra:
    return ProdopsExtra(citations=[CitedChunk(**c.model_dump()) for c in answer.citations], abstained=answer.abstained,
                        sentences=answer.sentences, query=answer.query)


def _tokens(text: str) -> int:
    return len(text.split())  # an estimate: clients show usage, nothing bills by it


def _chunk(completion_id: str, created: int, model: str, delta: dict[str, str], finish: str | None = None,
           answer: Answer | None = None) -> str:
    body: dict[str, object] = {
        "id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
    }
    if answer is not None:
        body["prodops"] = extra(answer).model_dump(mode="json")
    return f"data: {json.dumps(body)}\n\n"


@router.get("/models", response_model=ModelList)
def list_models(caller: CallerDep) -> ModelList:
    """The one model prodops serves."""
    return ModelList(data=[ModelCard(id=MODEL_ID, created=_STARTED)])


@router.get("/models/{model_id}", response_model=ModelCard)
def get_model(model_id: str, caller: CallerDep) -> ModelCard:
    if model_id != MODEL_ID:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"model {model_id!r} not found: this server serves {MODEL_ID!r}")
    return ModelCard(id=MODEL_ID, created=_STARTED)


@router.post("/chat/completions", response_model=ChatCompletion)
def chat_completions(body: CompletionRequest, caller: CallerDep, service: ChatDep) -> object:
    """Answer the last user message, OpenAI style; ``stream: true`` gives ``chat.completion.chunk`` events."""
    turns = [m for m in body.messages if m.role in ("user", "assistant")]
    if not turns or turns[-1].role != "user" or not turns[-1].text().strip():
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "the last message must be the user's question")
    question = turns[-1].text()
    history = [Message(role=m.role, content=m.text()) for m in turns[:-1]]
    items = service.stream(question, body.prodops.filters.to_filters(), caller.scope, history)
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    model = body.model or MODEL_ID

    if not body.stream:
        answer = next(i for i in items if isinstance(i, Answer))
        content = answer.answer + sources_footer(answer)
        prompt = sum(_tokens(m.text()) for m in body.messages)
        return ChatCompletion(
            id=completion_id, created=created, model=model,
            choices=[Choice(message=AssistantMessage(content=content))],
            usage=Usage(prompt_tokens=prompt, completion_tokens=_tokens(content),
                        total_tokens=prompt + _tokens(content)),
            prodops=extra(answer),
        )

    def events() -> Iterator[str]:
        yield _chunk(completion_id, created, model, {"role": "assistant", "content": ""})
        sent = ""
        for item in items:
            if isinstance(item, Answer):
                # The verified answer is what counts: send whatever of it the deltas did not already show.
                rest = item.answer[len(sent):] if item.answer.startswith(sent) else "\n\n" + item.answer
                tail = rest + sources_footer(item)
                if tail:
                    yield _chunk(completion_id, created, model, {"content": tail})
                yield _chunk(completion_id, created, model, {}, finish="stop", answer=item)
            elif item:
                sent += item
                yield _chunk(completion_id, created, model, {"content": item})
        yield "data: [DONE]\n\n"

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
