"""Question answering with citations, conversation memory and team scope.

One path for the CLI, the API and the web page: condense a follow-up into a standalone question, retrieve in
the caller's scope, answer metric questions from the tables, otherwise synthesize (extractive offline; with a
language model, its answer verified against the sources or replaced by the offline one), and record the
exchange. A model that is down, slow or wrong never stops an answer: the offline path answers with a notice.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage

from assistant.errors import ModelUnavailable
from assistant.llm import ModelClient, as_client, model_client
from assistant.metrics.answers import metric_answer
from assistant.planning.answers import plan_answer
from assistant.prompting import declined, render
from assistant.retrieval.abstention import unknown_names
from assistant.retrieval.context import answer_context
from assistant.retrieval.followups import condense_rule
from assistant.retrieval.hybrid import HybridRetriever
from assistant.runtime import Runtime
from assistant.schemas import Answer, Hit, SearchFilters
from assistant.store.conversations import Message
from assistant.synthesis.base import Synthesizer, abstain
from assistant.synthesis.extractive import ExtractiveSynthesizer, answer_deltas
from assistant.synthesis.llm import LLMSynthesizer, clean_model_text
from assistant.synthesis.verified import VerifiedSynthesizer
from assistant.text import split_sentences

_QUESTION_LABEL = re.compile(r"^\s*(?:standalone|rewritten|follow-up)?\s*question\s*:\s*", re.I)
MAX_CONDENSED_WORDS = 40


def build_chat_model_if_configured(runtime: Runtime) -> ModelClient | None:
    """The configured language model (behind its bounded client), or None to stay offline."""
    return model_client(runtime.settings)


def offline_synthesizer(runtime: Runtime) -> ExtractiveSynthesizer:
    """The extractive synthesizer over this runtime's embedder and known speakers."""
    return ExtractiveSynthesizer(
        encode=runtime.sentence_vectors,
        speakers=lambda: runtime.lexical.known_names().get("participant", set()),
        encode_questions=runtime.question_vectors,
    )


def build_synthesizer(runtime: Runtime, model: ModelClient | BaseChatModel | None = None) -> Synthesizer:
    """The verified LLM synthesizer when a model is given or configured, else the offline extractive one."""
    client = as_client(model, runtime.settings) if model is not None else model_client(runtime.settings)
    if client is None:
        return offline_synthesizer(runtime)
    llm = LLMSynthesizer(client, company_name=runtime.settings.company_name)
    return VerifiedSynthesizer(llm, offline_synthesizer(runtime), runtime.settings.llm_min_supported)


def usable_condensed(reply: str) -> str | None:
    """The model's rewritten follow-up if it is one short question on one line, else None (a model that
    answers, explains or lists instead of rewriting must not steer retrieval)."""
    lines = [line for line in clean_model_text(reply).splitlines() if line.strip()]
    if len(lines) != 1 or declined(lines[0]):
        return None
    question = _QUESTION_LABEL.sub("", lines[0]).strip().strip("\"'“”")
    words = question.split()
    if not question.endswith("?") or not 2 <= len(words) <= MAX_CONDENSED_WORDS or len(split_sentences(question)) != 1:
        return None
    return question


class ChatService:
    def __init__(
        self,
        runtime: Runtime,
        synthesizer: Synthesizer | None = None,
        model: ModelClient | BaseChatModel | None = None,
        k: int = 6,
    ) -> None:
        self.runtime = runtime
        self.model = as_client(model, runtime.settings) if model is not None else model_client(runtime.settings)
        self.synthesizer = synthesizer or build_synthesizer(runtime, self.model)
        self.retriever = HybridRetriever(runtime)
        self.k = k

    def standalone(self, question: str, history: Sequence[Message]) -> str:
        """The follow-up rewritten to stand alone: by the model when one is configured and its reply is one
        short question, else by the offline rule."""
        if not history:
            return question
        if self.model is not None:
            try:
                prompt, _ = self.model.fit(
                    "condense", lambda recent: render("condense_question", history=recent, question=question),
                    list(history)[-6:], drop_first=True)
                rewritten = usable_condensed(self.model.complete("condense", [HumanMessage(content=prompt)]))
            except ModelUnavailable:
                rewritten = None
            if rewritten:
                return rewritten
        return condense_rule(list(history), question)

    def retrieve(self, question: str, filters: SearchFilters | None, scope: list[str] | None,
                 vector: Sequence[float] | None = None) -> list[Hit]:
        return self.retriever.search(question, k=self.k, filters=filters, scope=scope, vector=vector)

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
        query, vector, early = self._embedded_query(question, scope, history)
        if early is not None:
            return query, [], early
        with self.runtime.work_slots:
            hits, early = self._evidence(query, vector, filters, scope)
        return query, hits, early

    def search(self, query: str, k: int, filters: SearchFilters | None, scope: list[str] | None) -> list[Hit]:
        """Hybrid hits for a search request: the query embedded first (concurrent questions share a pass), then
        searched in one of the runtime's work slots."""
        vector = self.runtime.embedder.embed_query(query)
        with self.runtime.work_slots:
            return self.retriever.search(query, k=k, filters=filters, scope=scope, vector=vector)

    def _embedded_query(self, question: str, scope: list[str] | None, history: Sequence[Message]
                        ) -> tuple[str, list[float], Answer | None]:
        """The standalone query and its vector, or an abstention when it names something no source in scope
        mentions. Embedded outside a work slot, so questions arriving together share one pass."""
        query = self.standalone(question, history)
        missing = unknown_names(query, self.runtime.lexical, scope)
        if missing:
            return query, [], abstain(query, f"nothing you can access mentions {', '.join(missing)}")
        vector = self.runtime.embedder.embed_query(query)  # once: retrieval, the metric resolver and the answer
        self.runtime.question_vectors.remember(query, vector)
        return query, vector, None

    def _evidence(self, query: str, vector: list[float], filters: SearchFilters | None, scope: list[str] | None
                  ) -> tuple[list[Hit], Answer | None]:
        """The passages to answer from, or the computed answer (a metric or a plan question) and its hits."""
        hits = self.retrieve(query, filters, scope, vector)
        computed = (metric_answer(self.runtime, query, hits, scope, vector)
                    or plan_answer(self.runtime, query, hits, scope))
        if computed is not None:
            return computed[1], computed[0]
        return answer_context(self.runtime, query, hits, filters, scope), None

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
        """Text deltas, then the final Answer (whose ``query`` is the standalone question used). The search and
        an offline answer run in one of the runtime's work slots; a language model's answer streams outside
        them (it waits on the model, not on this process's CPU)."""
        query, vector, early = self._embedded_query(question, scope, history)
        hits: list[Hit] = []
        offline: Answer | None = None
        if early is None:
            with self.runtime.work_slots:
                hits, early = self._evidence(query, vector, filters, scope)
                if early is None and isinstance(self.synthesizer, ExtractiveSynthesizer):
                    offline = self.synthesizer.answer(query, hits)
        if early is not None:
            yield early.answer
            yield early
        elif offline is not None:
            yield from answer_deltas(offline)
        else:
            yield from self.synthesizer.stream(query, hits)
