"""Scoring one real-data question: retrieval, what the answer step saw, what the answer says.

``context_key_facts`` (key facts present in the chunks the synthesizer was given) is the ceiling for any
synthesizer, LLM or not; ``key_fact_coverage`` is what the answer delivers of it. Key facts match by the
dataset's own rule (lower case; whitespace, commas, ``$`` and ``%`` ignored; substring), so the score means the
same here as for anyone else using the set.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from pydantic import BaseModel, Field

from assistant.chat import ChatService
from evals.realdata.dataset import RealQuestion

_IGNORED = re.compile(r"[\s,$%]")


def fact_key(text: str) -> str:
    return _IGNORED.sub("", text.lower())


def facts_present(text: str, facts: Sequence[str]) -> float:
    """Share of ``facts`` found in ``text`` by the dataset's matching rule; NaN when there are none."""
    if not facts:
        return math.nan
    haystack = fact_key(text)
    return sum(1 for f in facts if fact_key(f) in haystack) / len(facts)


class QuestionScore(BaseModel):
    id: str
    kind: str
    question: str
    answerable: bool
    abstained: bool
    answer: str
    route: str = Field(description="metric | plan | text | abstain: which answer path produced the answer.")
    confidence: float | None = None
    gold_sources: list[str]
    retrieved_sources: list[str]
    context_sources: list[str]
    recall_at_5: float
    context_key_facts: float
    key_fact_coverage: float
    citation_validity: float
    missing_facts: list[str] = Field(default_factory=list)


def score_question(chat: ChatService, case: RealQuestion) -> QuestionScore:
    """Ask ``case`` through the same chat path users get and score it."""
    answer, hits = chat.answer_with_hits(case.question)
    ranked = list(
        dict.fromkeys(
            h.chunk.meta.source
            for h in chat.retriever.search(answer.query or case.question, k=10, diversify=False)
        )
    )
    gold = set(case.gold_sources)
    context = "\n".join(h.chunk.text for h in hits)
    cited = [c.chunk_id for c in answer.citations] + answer.invalid_citations
    given = {h.chunk.id for h in hits}
    facts = case.key_facts if case.answerable else []
    return QuestionScore(
        id=case.id,
        kind=case.kind,
        question=case.question,
        answerable=case.answerable,
        abstained=answer.abstained,
        answer=answer.answer,
        route=answer.route,
        confidence=answer.confidence,
        gold_sources=case.gold_sources,
        retrieved_sources=ranked,
        context_sources=list(dict.fromkeys(h.chunk.meta.source for h in hits)),
        recall_at_5=(1.0 if gold & set(ranked[:5]) else 0.0) if gold else math.nan,
        context_key_facts=facts_present(context, facts),
        key_fact_coverage=facts_present(answer.answer, facts),
        citation_validity=(sum(1 for c in cited if c in given) / len(cited)) if cited else math.nan,
        missing_facts=[f for f in facts if fact_key(f) not in fact_key(answer.answer)],
    )
