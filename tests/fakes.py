"""Deterministic stand-ins for a language model, for the negative controls. They are not models: each one
replays a fixed kind of bad behaviour so the tests can prove the eval gate catches it. Also a hash embedder
for tests that exercise parsing and storage at corpus scale, where the real model would take minutes."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult

_SOURCE = re.compile(r'<source n="(\d+)"[^>]*>\n(.*?)\n</source>', re.S)


class _PromptReadingFake(BaseChatModel):
    """Reads the numbered sources out of prodops' answer prompt and writes a reply from them."""

    def _reply(self, sources: list[tuple[int, str]]) -> str:
        raise NotImplementedError

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None, **kwargs: Any) -> ChatResult:
        prompt = str(messages[-1].content)
        sources = [(int(n), text) for n, text in _SOURCE.findall(prompt)]
        text = self._reply(sources) if sources else "The sources don't cover this."
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    @property
    def _llm_type(self) -> str:
        return "prodops-test-fake"


class InventingFake(_PromptReadingFake):
    """Cites the first real source, but states facts that appear nowhere in it."""

    def _reply(self, sources: list[tuple[int, str]]) -> str:
        n = sources[0][0]
        return (
            f"Revenue from the Antarctic region tripled to 9,870,000 dollars last quarter [{n}]. "
            f"The board approved a merger with Quillon Dynamics on 3 March [{n}]."
        )


class MisCitingFake(_PromptReadingFake):
    """Repeats a real source sentence but cites source numbers it was never given."""

    def _reply(self, sources: list[tuple[int, str]]) -> str:
        first = re.split(r"(?<=[.!?])\s+", sources[0][1].strip())[0]
        return f"{first} [{len(sources) + 3}]."


class HashEmbedder:
    """A deterministic stand-in for the embedding model, for tests about parsing and storage only: a text's
    vector comes from hashing its words, so equal texts get equal vectors and nothing is learned or loaded."""

    name = "fake-hash"
    dimension = 32

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        return [self.embed_query(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        vector = [0.0] * self.dimension
        for word in text.lower().split():
            digest = hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest()
            vector[digest[0] % self.dimension] += 1.0 if digest[1] % 2 else -1.0
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        return [v / norm for v in vector]
