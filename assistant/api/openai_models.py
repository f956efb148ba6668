"""Request and response bodies of the OpenAI-compatible endpoint (``/v1/chat/completions``, ``/v1/models``).

They follow OpenAI's wire format closely enough for the official ``openai`` client and chat UIs: unknown request
fields (temperature, max_tokens, tools...) are accepted and ignored, since the answer comes from the documents.
prodops' own data rides in one extra field, ``prodops``, that OpenAI clients pass through untouched.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.api.models import FiltersIn
from assistant.schemas import AnswerSentence, Citation

MODEL_ID = "prodops"


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str
    text: str | None = None


class OpenAIMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        """The message's text (content parts of type text, joined), as a chat UI sends them."""
        if isinstance(self.content, str):
            return self.content
        return "\n".join(part.text or "" for part in self.content or [] if part.type in ("text", "input_text"))


class ProdopsOptions(BaseModel):
    """prodops' extras on a request (send as ``extra_body={"prodops": {...}}`` with the openai client)."""

    filters: FiltersIn = Field(default_factory=FiltersIn)


class CompletionRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: str = MODEL_ID
    messages: list[OpenAIMessage] = Field(min_length=1)
    stream: bool = False
    prodops: ProdopsOptions = Field(default_factory=ProdopsOptions)


class CitedChunk(Citation):
    """One cited chunk: ``n`` is the number used as ``[n]`` in the content."""


class ProdopsExtra(BaseModel):
    """The documented extra field: what the ``[n]`` markers in the content point at, and the grounding check."""

    citations: list[CitedChunk]
    abstained: bool
    sentences: list[AnswerSentence]
    query: str


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop"] = "stop"
    logprobs: None = None


class Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage
    prodops: ProdopsExtra


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "prodops"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


def error_body(message: str, status_code: int) -> dict[str, Any]:
    """OpenAI's error shape, plus ``detail`` as every other prodops route has it."""
    kind = {401: "authentication_error", 403: "permission_error", 404: "not_found_error",
            422: "invalid_request_error", 400: "invalid_request_error"}.get(status_code, "api_error")
    return {"error": {"message": message, "type": kind, "param": None, "code": None}, "detail": message}
