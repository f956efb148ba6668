"""The language model behind one small interface: bounded calls, a prompt budget, failures as one error type.

Only this module knows how the model is made (LangChain's ``init_chat_model`` with the langchain-openai
provider, which speaks every OpenAI-compatible server: OpenAI, vLLM, Ollama, llama.cpp) and how its SDK fails.
Features receive a :class:`ModelClient`, which

- sends a token limit for the task (answer, condense, section, label, narrative) and the temperature with
  every call, and stops a call that runs past ``PRODOPS_LLM_TIMEOUT`` (a hung server, a model that rambles);
- trims prompts to the context window (``PRODOPS_LLM_CONTEXT_TOKENS``): the caller's lowest-ranked items go
  first;
- turns every failure (unreachable, timeout, HTTP error, a stream cut mid-reply) into :class:`ModelUnavailable` with
  a short reason, and after an outage answers "unavailable" at once for ``PRODOPS_LLM_RETRY_AFTER`` seconds,
  so a workflow with ten model calls waits for one timeout, not ten.

Tests inject LangChain's fake chat models through the same class.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Literal, TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage

from assistant.config import Settings
from assistant.errors import ConfigError, ModelUnavailable

log = logging.getLogger("prodops.llm")
Task = Literal["answer", "condense", "section", "label", "narrative", "plan"]
T = TypeVar("T")
# Prompt size without the model's tokenizer: BPE vocabularies keep common words whole (about one token per six
# letters of a word), split numbers into digits and give punctuation its own token. Measured against SmolLM2's
# tokenizer on prose, transcripts and metric tables this is within 15% (a characters-per-token ratio is off by 3x
# on tables), so estimates are scaled by 1.15. The server still rejects what doesn't fit (then: the fallback).
_PIECE = re.compile(r"[^\W\d_]+|\d|[^\w\s]|_")
ESTIMATE_MARGIN = 1.15
TEMPLATE_OVERHEAD = 64  # tokens the chat template adds around the messages


def llm_configured(settings: Settings) -> bool:
    return bool(settings.llm_model)


def build_chat_model(settings: Settings, http_client: Any | None = None) -> BaseChatModel:
    """A streaming ChatOpenAI for the configured server, with the timeout, retries and temperature from
    settings; explains which variable is missing otherwise.

    ``http_client`` (the OpenAI SDK's HTTP client) is injectable so the wire format can be tested against
    recorded server replies.
    """
    if not settings.llm_model:
        raise ConfigError("no language model configured: set PRODOPS_LLM_MODEL (and PRODOPS_LLM_BASE_URL)")
    if not settings.llm_base_url and not settings.llm_api_key:
        raise ConfigError(
            "PRODOPS_LLM_MODEL is set but neither PRODOPS_LLM_BASE_URL (a local OpenAI-compatible server) nor "
            "PRODOPS_LLM_API_KEY (OpenAI) is: set one of them"
        )
    import httpx2
    from langchain.chat_models import init_chat_model
    from pydantic import SecretStr

    model: BaseChatModel = init_chat_model(
        settings.llm_model,
        model_provider="openai",
        base_url=settings.llm_base_url,
        # local servers ignore the key, but the client insists on one
        api_key=SecretStr(settings.llm_api_key or "not-needed"),
        temperature=settings.llm_temperature,
        streaming=True,
        # read: the longest wait for the next byte; the whole call is also bounded in ModelClient.stream
        timeout=httpx2.Timeout(settings.llm_timeout, connect=settings.llm_connect_timeout),
        max_retries=settings.llm_retries,
        http_client=http_client,
    )
    return model


def estimate_tokens(text: str) -> int:
    """A slightly high estimate of ``text``'s token count (see ``_PIECE``)."""
    count = 0
    for piece in _PIECE.findall(text):
        if not piece.isascii():
            count += len(piece)  # non-Latin script: roughly a token per character (or more bytes)
        elif piece[0].isalpha():
            count += -(-len(piece) // 6)
        else:
            count += 1
    return math.ceil(count * ESTIMATE_MARGIN)


class ModelClient:
    """Bounded, budgeted calls to one chat model; see the module docstring."""

    def __init__(self, model: BaseChatModel, settings: Settings | None = None, *, compat_max_tokens: bool = False,
                 endpoint: str | None = None) -> None:
        self.model = model
        self.settings = settings or Settings.model_construct()
        # OpenAI-compatible servers (llama.cpp, vLLM, Ollama) read `max_tokens`; langchain-openai sends OpenAI's
        # newer `max_completion_tokens`, which llama.cpp ignores: without this a reply runs until the context
        # is full.
        self.compat_max_tokens = compat_max_tokens
        self.endpoint = endpoint or "the configured endpoint"
        self.name = str(getattr(model, "model_name", None) or getattr(model, "_llm_type", "model"))
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._down: ModelUnavailable | None = None

    def max_tokens(self, task: Task) -> int:
        return int(getattr(self.settings, f"llm_max_tokens_{task}"))

    def prompt_budget(self, task: Task) -> int:
        """Tokens the prompt may use: the context window minus the reply's limit and the template."""
        return self.settings.llm_context_tokens - self.max_tokens(task) - TEMPLATE_OVERHEAD

    def fit(self, task: Task, render: Callable[[list[T]], str], items: Sequence[T], *,
            drop_first: bool = False, keep: int = 1, reserved: str = "") -> tuple[str, list[T]]:
        """The prompt ``render(items)`` with the fewest items dropped to fit the budget: the last ones (sources
        ranked best-first) or, with ``drop_first``, the oldest (conversation history). ``reserved`` is other
        prompt text sent with it (the system message). Raises ModelUnavailable when even ``keep`` items don't
        fit, so the caller falls back without a doomed call."""
        chosen = list(items)
        budget = self.prompt_budget(task) - estimate_tokens(reserved)
        while True:
            prompt = render(chosen)
            if estimate_tokens(prompt) <= budget:
                return prompt, chosen
            if len(chosen) <= keep:
                raise ModelUnavailable(
                    "too_long", f"the prompt needs about {estimate_tokens(prompt)} tokens but the model's context "
                    f"allows {budget} with a {self.max_tokens(task)}-token reply (PRODOPS_LLM_CONTEXT_TOKENS)")
            chosen = chosen[1:] if drop_first else chosen[:-1]

    def structured(self, task: Task, schema: type[Any], prompt: str) -> Any:
        """The model's reply parsed into ``schema`` (LangChain structured output), with the task's token limit
        and the timeout; every failure is ModelUnavailable (not retried for a while after an outage)."""
        self._check_up()
        limit = self.max_tokens(task)
        kwargs: dict[str, Any] = {"max_tokens": limit}
        if self.compat_max_tokens:
            kwargs["extra_body"] = {"max_tokens": limit}
        try:
            return self.model.with_structured_output(schema).invoke(prompt, **kwargs)
        except Exception as exc:  # noqa: BLE001 - any SDK, transport or parsing failure becomes one domain error
            failure = self._translate(exc, "", False)
            self._trip(failure)
            raise failure from exc

    def complete(self, task: Task, messages: Sequence[BaseMessage]) -> str:
        return "".join(self.stream(task, messages))

    def stream(self, task: Task, messages: Sequence[BaseMessage]) -> Iterator[str]:
        """Text deltas of the reply. Raises ModelUnavailable (with the text so far) on any failure, including a
        reply still running after ``llm_timeout`` seconds."""
        self._check_up()
        limit = self.max_tokens(task)
        kwargs: dict[str, Any] = {"max_tokens": limit}
        if self.compat_max_tokens:
            kwargs["extra_body"] = {"max_tokens": limit}
        deadline = time.monotonic() + self.settings.llm_timeout
        parts: list[str] = []
        received = False
        stream = self.model.stream(list(messages), **kwargs)
        try:
            for chunk in stream:
                received = True
                delta = chunk.content if isinstance(chunk.content, str) else ""
                if delta:
                    parts.append(delta)
                    yield delta
                if time.monotonic() > deadline:
                    raise ModelUnavailable(
                        "timeout", f"the language model was still writing after {self.settings.llm_timeout:g} s "
                        "(PRODOPS_LLM_TIMEOUT)", "".join(parts))
        except ModelUnavailable as exc:
            self._trip(exc)
            raise
        except Exception as exc:  # noqa: BLE001 - any SDK or transport failure becomes one domain error
            failure = self._translate(exc, "".join(parts), received)
            self._trip(failure)
            raise failure from exc
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()  # stops reading: the server sees the client go and stops generating

    def _check_up(self) -> None:
        with self._lock:
            if self._down is not None and time.monotonic() < self._down_until:
                wait = self._down_until - time.monotonic()
                raise ModelUnavailable(self._down.reason, f"{self._down} (not retried for another {wait:.0f} s)")

    def _trip(self, failure: ModelUnavailable) -> None:
        if failure.reason in {"unreachable", "timeout", "disconnected"} and self.settings.llm_retry_after > 0:
            with self._lock:
                self._down = ModelUnavailable(failure.reason, str(failure))
                self._down_until = time.monotonic() + self.settings.llm_retry_after
        log.warning("language model call failed (%s): %s", failure.reason, failure)

    def _translate(self, exc: Exception, partial: str, received: bool) -> ModelUnavailable:
        import httpx2
        import openai

        cut = isinstance(exc, httpx2.TransportError | openai.APIConnectionError) and received
        if cut:  # the connection broke mid-reply (server killed, network)
            return ModelUnavailable("disconnected", f"the connection to the language model at {self.endpoint} broke "
                                    f"mid-reply ({_short(exc.__cause__ or exc)})", partial)
        if isinstance(exc, openai.APITimeoutError):
            return ModelUnavailable("timeout", f"the language model at {self.endpoint} did not answer within "
                                    f"{self.settings.llm_timeout:g} s (PRODOPS_LLM_TIMEOUT)", partial)
        if isinstance(exc, openai.APIConnectionError):
            cause = exc.__cause__ or exc
            return ModelUnavailable("unreachable", f"the language model at {self.endpoint} could not be reached "
                                    f"({_short(cause)})", partial)
        if isinstance(exc, httpx2.TransportError):
            return ModelUnavailable("unreachable", f"the language model at {self.endpoint} could not be reached "
                                    f"({_short(exc)})", partial)
        if isinstance(exc, openai.APIStatusError):
            return ModelUnavailable("error", f"the language model at {self.endpoint} answered HTTP "
                                    f"{exc.status_code}: {_short(exc.message)}", partial)
        return ModelUnavailable("error", f"the language model call failed: {_short(exc)}", partial)


def _short(value: object, limit: int = 200) -> str:
    text = " ".join(str(value).split()) or type(value).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def model_client(settings: Settings, http_client: Any | None = None) -> ModelClient | None:
    """The configured model behind a ModelClient, or None to stay offline."""
    if not llm_configured(settings):
        return None
    model = build_chat_model(settings, http_client=http_client)
    return ModelClient(model, settings, compat_max_tokens=bool(settings.llm_base_url),
                       endpoint=settings.llm_base_url or "OpenAI")


def as_client(model: ModelClient | BaseChatModel | None, settings: Settings | None = None) -> ModelClient | None:
    """Accept a bare LangChain chat model (tests, notebooks) wherever a ModelClient is expected."""
    if model is None or isinstance(model, ModelClient):
        return model
    return ModelClient(model, settings)
