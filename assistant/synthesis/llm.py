"""The language-model synthesizer: prompted from ``prompts/``, streamed, with citations parsed and validated.

The model sees the retrieved chunks as numbered sources. Whatever it writes, a ``[n]`` outside the sources it
was given is removed and reported (never shown as a source), and every sentence is checked against the text
it cites, so an invented number is flagged unsupported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from assistant.prompting import declined, render
from assistant.safety import looks_like_injection
from assistant.schemas import Answer, Hit
from assistant.synthesis.base import abstain, finalize
from assistant.text import split_sentences

_MARK = re.compile(r"\s*\[(\d+)\]")


def parse_cited_sentences(text: str, hits: Sequence[Hit]) -> tuple[list[tuple[str, list[str]]], list[str]]:
    """Split model text into (sentence without marks, cited chunk ids); marks beyond the sources are invalid."""
    drafted: list[tuple[str, list[str]]] = []
    invalid: list[str] = []
    for sentence in split_sentences(text):
        ids: list[str] = []
        for mark in _MARK.findall(sentence):
            n = int(mark)
            if 1 <= n <= len(hits):
                ids.append(hits[n - 1].chunk.id)
            else:
                invalid.append(f"[{n}]")
        clean = _MARK.sub("", sentence).strip()
        if clean and not looks_like_injection(clean):  # a model repeating a document's order to it: dropped
            drafted.append((clean, ids))
    return drafted, invalid


class LLMSynthesizer:
    def __init__(self, model: BaseChatModel, company_name: str = "your company", max_sentences: int = 5) -> None:
        self.model = model
        self.company_name = company_name
        self.max_sentences = max_sentences

    def _messages(self, question: str, hits: Sequence[Hit]) -> list[SystemMessage | HumanMessage]:
        system = render("system", company_name=self.company_name, max_sentences=self.max_sentences)
        return [SystemMessage(content=system), HumanMessage(content=render("answer", question=question, hits=hits))]

    def _finish(self, question: str, text: str, hits: Sequence[Hit]) -> Answer:
        if declined(text):
            return abstain(question)
        drafted, invalid = parse_cited_sentences(text, hits)
        return finalize(question, drafted, hits, invalid)

    def answer(self, question: str, hits: Sequence[Hit]) -> Answer:
        if not hits:
            return abstain(question, "nothing in your scope matched")
        reply = self.model.invoke(self._messages(question, hits))
        return self._finish(question, str(reply.content), hits)

    def stream(self, question: str, hits: Sequence[Hit]) -> Iterator[str | Answer]:
        if not hits:
            result = abstain(question, "nothing in your scope matched")
            yield result.answer
            yield result
            return
        parts: list[str] = []
        for chunk in self.model.stream(self._messages(question, hits)):
            delta = str(chunk.content)
            if delta:
                parts.append(delta)
                yield delta
        yield self._finish(question, "".join(parts), hits)
