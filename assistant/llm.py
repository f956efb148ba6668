"""Build the chat model from settings: any OpenAI-compatible server (OpenAI, vLLM, Ollama, llama.cpp).

Only this module knows how the model is made (LangChain's ``init_chat_model`` with the langchain-openai
provider). Everything else receives a LangChain ``BaseChatModel``, which is also how tests inject LangChain's
fake chat models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assistant.config import Settings
from assistant.errors import ConfigError

if TYPE_CHECKING:  # LangChain is imported only when a model is built: offline commands start faster without it
    from langchain_core.language_models import BaseChatModel


def llm_configured(settings: Settings) -> bool:
    return bool(settings.llm_model)


def build_chat_model(settings: Settings, http_client: Any | None = None) -> BaseChatModel:
    """A streaming ChatOpenAI for the configured server; explains which variable is missing otherwise.

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
    from langchain.chat_models import init_chat_model
    from pydantic import SecretStr

    model: BaseChatModel = init_chat_model(
        settings.llm_model,
        model_provider="openai",  # langchain-openai's ChatOpenAI speaks every OpenAI-compatible server
        base_url=settings.llm_base_url,
        # local servers ignore the key, but the client insists on one
        api_key=SecretStr(settings.llm_api_key or "not-needed"),
        temperature=0,
        streaming=True,
        timeout=60,
        max_retries=1,
        http_client=http_client,
    )
    return model
