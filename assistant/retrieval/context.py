"""What the answer step reads: the retrieved chunks, deepened within the best documents and cleaned of noise.

Retrieval ranks passages across the whole corpus, so the right document often comes first while the passage
holding the fact ranks seventh. The answer step therefore also gets the best passages *within* the top
documents (BM25 restricted to them, in the caller's scope), and transcript segments that are not the
conversation (intros, sponsor reads, scripted rounds, outros, the interview record line) go to the end, where
they are used only when nothing else answers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.runtime import Runtime
from assistant.schemas import Hit, SearchFilters
from assistant.segments import NON_CONVERSATION, RECORD

_ABOUT_INTERVIEWS = re.compile(r"\b(interview(ed|s|er)?|role|title|job|works? (at|for)|company|when did .* talk)\b",
                               re.I)


def is_noise(hit: Hit, question: str) -> bool:
    """A chunk that is not what anyone said in conversation (the record line counts when the question is about
    the interview itself: who, when, in which role)."""
    segment = hit.chunk.meta.segment
    if segment == RECORD:
        return not _ABOUT_INTERVIEWS.search(question)
    return segment in NON_CONVERSATION


def answer_context(
    runtime: Runtime,
    question: str,
    hits: Sequence[Hit],
    filters: SearchFilters | None = None,
    scope: list[str] | None = None,
    extra: int = 4,
    top_documents: int = 2,
) -> list[Hit]:
    """``hits`` plus up to ``extra`` passages of the top documents that match the question best, noise last."""
    sources = list(dict.fromkeys(h.chunk.meta.source for h in hits))[:top_documents]
    have = {h.chunk.id for h in hits}
    added: list[Hit] = []
    if sources and extra > 0:
        within = (filters or SearchFilters()).model_copy(update={"sources": sources})
        ranked = [i for i, _ in runtime.lexical.search(question, extra * 2, within, scope) if i not in have]
        floor = min((h.score for h in hits), default=0.0) * 0.9
        for chunk in runtime.store.get_chunks(ranked[:extra]):
            added.append(Hit(chunk=chunk, score=floor))
    merged = [*hits, *added]
    return [h for h in merged if not is_noise(h, question)] + [h for h in merged if is_noise(h, question)]
