"""Question answering with citations, conversation memory and team scope.

One path for the CLI, the API and the web page: condense a follow-up into a standalone question, retrieve in
the caller's scope, answer metric questions from the tables, otherwise synthesize (extractive offline, an LLM
when configured), and record the exchange.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage

from assistant.llm import build_chat_model, llm_configured
from assistant.metrics.answers import metric_answer
from assistant.planning.answers import plan_answer
from assistant.prompting import render
from assistant.retrieval.abstention import unknown_names
from assistant.retrieval.context import answer_context
from assistant.retrieval.followups import condense_rule
from assistant.retrieval.hybrid import HybridRetriever
from assistant.runtime import Runtime
from assistant.schemas import Answer, Hit, SearchFilters
from assistant.store.conversations import Message
from assistant.synthesis.base import Synthesizer, abstain
from assistant.synthesis.extractive import ExtractiveSynthesizer
from assistant.synthesis.llm import LLMSynthesizer


def build_chat_model_if_configured(runtime: Runtime) -> BaseChatModel | None:
    """The configured language model, or None to stay offline."""
    return build_chat_model(runtime.settings) if llm_configured(runtime.settings) else None


def build_synthesizer(runtime: Runtime, model: BaseChatModel | None = None) -> Synthesizer:
    """The LLM synthesizer when a model is given or configured, else the offline extractive one."""
    if model is None and llm_configured(runtime.settings):
        model = build_chat_model(runtime.settings)
    if model is not None:
        return LLMSynthesizer(model, company_name=runtime.settings.company_name)
    return ExtractiveSynthesizer(
        encode=lambda texts: runtime.embedder.embed_documents(texts),
        speakers=lambda: runtime.lexical.known_names().get("participant", set()),
    )


class ChatService:
    def __init__(
        self,
        runtime: Runtime,
        synthesizer: Synthesizer | None = None,
        model: BaseChatModel | None = None,
        k: int = 6,
    ) -> None:
        self.runtime = runtime
        if model is None and llm_configured(runtime.settings):
            model = build_chat_model(runtime.settings)
        self.model = model
        self.synthesizer = synthesizer or build_synthesizer(runtime, model)
        self.retriever = HybridRetriever(runtime)
        self.k = k

    def standalone(self, question: str, history: Sequence[Message]) -> str:
        """The follow-up rewritten to stand alone (LLM prompt when a model is configured)."""
        if not history:
            return question
        if self.model is not None:
            prompt = render("condense_question", history=list(history)[-6:], question=question)
            rewritten = str(self.model.invoke([HumanMessage(content=prompt)]).content).strip()
            return rewritten or question
        return condense_rule(list(history), question)

    def retrieve(self, question: str, filters: SearchFilters | None, scope: list[str] | None) -> list[Hit]:
        return self.retriever.search(question, k=self.k, filters=filters, scope=scope)

    def ask(
        self,
        question: str,
        filters: SearchFilters | None = None,
        scope: list[str] | None = None,
        history: Sequence[Message] = (),
    ) -> Answer:
        result: Answer | None = None
        for item in self.stream(question, filters, scope, history):
            if isinstance(item, Answer):
                result = item
        assert result is not None
        return result

    def prepare(
        self,
        question: str,
        filters: SearchFilters | None = None,
        scope: list[str] | None = None,
        history: Sequence[Message] = (),
    ) -> tuple[str, list[Hit], Answer | None]:
        """(standalone query, hits, early answer): the early answer is set when no synthesis is needed, i.e. an
        abstention because the question names something no source in scope mentions, or a metric answer."""
        query = self.standalone(question, history)
        missing = unknown_names(query, self.runtime.lexical, scope)
        if missing:
            return query, [], abstain(query, f"nothing you can access mentions {', '.join(missing)}")
        hits = self.retrieve(query, filters, scope)
        computed = metric_answer(self.runtime, query, hits, scope) or plan_answer(self.runtime, query, hits, scope)
        if computed is not None:
            return query, computed[1], computed[0]
        return query, answer_context(self.runtime, query, hits, filters, scope), None

    def answer_with_hits(
        self,
        question: str,
        filters: SearchFilters | None = None,
        scope: list[str] | None = None,
        history: Sequence[Message] = (),
    ) -> tuple[Answer, list[Hit]]:
        """The answer and the chunks it was allowed to cite (what evals score citations against)."""
        query, hits, early = self.prepare(question, filters, scope, history)
        return (early or self.synthesizer.answer(query, hits)), hits

    def stream(
        self,
        question: str,
        filters: SearchFilters | None = None,
        scope: list[str] | None = None,
        history: Sequence[Message] = (),
    ) -> Iterator[str | Answer]:
        """Text deltas, then the final Answer (whose ``query`` is the standalone question used)."""
        query, hits, early = self.prepare(question, filters, scope, history)
        if early is not None:
            yield early.answer
            yield early
            return
        yield from self.synthesizer.stream(query, hits)
