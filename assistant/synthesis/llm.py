"""The language-model synthesizer: prompted from ``prompts/``, streamed, with citations parsed and validated.

The model sees the retrieved chunks as numbered sources (as many as fit its context, best-ranked first).
Whatever it writes, the prompt's own markup (``<source …>``), list numbering and chat-template tokens are
removed, a ``[n]`` outside the sources it was given is removed and reported (never shown as a source), and
every sentence is checked against the text it cites, so an invented number is flagged unsupported. Whether the
result is good enough to show is decided by :mod:`assistant.synthesis.verified`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from assistant.config import Settings
from assistant.llm import ModelClient, as_client
from assistant.prompting import declined, render
from assistant.safety import looks_like_injection
from assistant.schemas import Answer, Hit
from assistant.synthesis.base import abstain, final_answer, finalize
from assistant.text import split_sentences, strip_markup

# [1] · [1, 3] · [1][2] · [Source 2] · [sources 1; 4] · [n=2]
_MARK = re.compile(r"\s*\[\s*(?:(?:sources?|notes?|n)\s*=?\s*)?"
                   r"(\d{1,3}(?:\s*[,;]\s*(?:(?:sources?|notes?)\s*)?\d{1,3})*)\s*\]", re.I)
_LEADING_MARKS = re.compile(r"^((?:\s*\[[^\]]{1,20}\])+)\s*")
# The prompts' fences and chat-template tokens, however the model echoes them.
_TAG = re.compile(r"</?\s*(?:source|note|sources|notes|question|answer)\b[^>\n]{0,200}>|<\|[a-z_]{2,20}\|>", re.I)
# List numbering and bullets at the start of a line ("1.", "2)", "a.", "-", "•"), and echoed labels.
_LIST = re.compile(r"^\s*(?:\d{1,2}[.)]|[a-z][.)]|[-*•+])\s+", re.I)
_LABEL = re.compile(r"^\s*(?:answer|response|sources?|notes?)\s*:\s*", re.I)
_HAS_WORD = re.compile(r"[A-Za-z]{2}")


def clean_model_text(text: str) -> str:
    """The model's reply without the prompt's markup, list numbering, echoed labels or Markdown emphasis."""
    lines = []
    for line in _TAG.sub(" ", text).splitlines():
        line = _LIST.sub("", _LABEL.sub("", _LIST.sub("", line)))
        line = strip_markup(line.lstrip("#").strip())
        if line:
            lines.append(line)
    return "\n".join(lines)


def parse_cited_sentences(text: str, hits: Sequence[Hit]) -> tuple[list[tuple[str, list[str]]], list[str]]:
    """Split model text into (sentence without marks, cited chunk ids); marks beyond the sources are invalid.

    Marks a model puts after the full stop ("… last year. [2]") belong to the sentence before them.
    """
    pieces = split_sentences(clean_model_text(text))
    for i in range(1, len(pieces)):  # "Foo. [1] Bar [2]." → "Foo. [1]" + "Bar [2]."
        lead = _LEADING_MARKS.match(pieces[i])
        if lead and _MARK.match(lead.group(1)):
            pieces[i - 1] = f"{pieces[i - 1]} {lead.group(1).strip()}"
            pieces[i] = pieces[i][lead.end():]
    drafted: list[tuple[str, list[str]]] = []
    invalid: list[str] = []
    for sentence in pieces:
        ids: list[str] = []
        for group in _MARK.findall(sentence):
            for mark in re.findall(r"\d+", group):
                n = int(mark)
                if 1 <= n <= len(hits):
                    ids.append(hits[n - 1].chunk.id)
                else:
                    invalid.append(f"[{n}]")
        clean = _MARK.sub("", sentence).strip()
        if _HAS_WORD.search(clean) and not looks_like_injection(clean):  # a document's order repeated: dropped
            drafted.append((clean, list(dict.fromkeys(ids))))
    return drafted, invalid


class LLMSynthesizer:
    def __init__(self, model: ModelClient | BaseChatModel, company_name: str = "your company", max_sentences: int = 5,
                 settings: Settings | None = None) -> None:
        client = as_client(model, settings)
        assert client is not None
        self.client = client
        self.company_name = company_name
        self.max_sentences = max_sentences

    def prompt(self, question: str, hits: Sequence[Hit]) -> tuple[list[BaseMessage], list[Hit]]:
        """The messages and the hits they number (the best-ranked that fit the model's context)."""
        system = render("system", company_name=self.company_name, max_sentences=self.max_sentences)
        user, shown = self.client.fit("answer", lambda chosen: render("answer", question=question, hits=chosen),
                                      hits, reserved=system)
        return [SystemMessage(content=system), HumanMessage(content=user)], shown

    def finish(self, question: str, text: str, hits: Sequence[Hit]) -> Answer:
        if declined(clean_model_text(text)):
            return abstain(question)
        drafted, invalid = parse_cited_sentences(text, hits)
        return finalize(question, drafted, hits, invalid)

    def answer(self, question: str, hits: Sequence[Hit]) -> Answer:
        return final_answer(self.stream(question, hits))

    def stream(self, question: str, hits: Sequence[Hit]) -> Iterator[str | Answer]:
        """Deltas as the model writes them, then the parsed, checked Answer. Raises ModelUnavailable."""
        if not hits:
            result = abstain(question, "nothing in your scope matched")
            yield result.answer
            yield result
            return
        messages, shown = self.prompt(question, hits)
        parts: list[str] = []
        for delta in self.client.stream("answer", messages):
            parts.append(delta)
            yield delta
        yield self.finish(question, "".join(parts), shown)

