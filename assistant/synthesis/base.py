"""The synthesizer protocol and the shared last step: number citations, check grounding, build the Answer.

Both synthesizers end in :func:`finalize`, so citation numbering, validation (only retrieved chunks can be
cited) and the sentence-level grounding check are one piece of code whatever produced the text.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

from assistant.grounding.checker import support
from assistant.schemas import Answer, AnswerSentence, Chunk, Citation, Hit

ABSTAIN_TEXT = (
    "The sources I can see don't cover this. Try rephrasing, widening the filters, or ingesting the document "
    "that would answer it."
)


class Synthesizer(Protocol):
    def answer(self, question: str, hits: Sequence[Hit]) -> Answer: ...

    def stream(self, question: str, hits: Sequence[Hit]) -> Iterator[str | Answer]:
        """Text deltas as they are produced, then the final :class:`Answer` as the last item."""
        ...


def evidence_text(chunk: Chunk) -> str:
    """What a citation vouches for: the chunk's text plus the metadata a reader sees beside it."""
    m = chunk.meta
    facts = [m.title, m.section, m.speaker, m.company, m.participant, m.team, m.metric, chunk.context]
    return chunk.text + "\n" + " ".join(f for f in facts if f)


def abstain(question: str, reason: str = "", confidence: float | None = None) -> Answer:
    text = ABSTAIN_TEXT if not reason else f"{ABSTAIN_TEXT} ({reason})"
    return Answer(answer=text, abstained=True, query=question, route="abstain", confidence=confidence)


def finalize(
    question: str,
    drafted: Sequence[tuple[str, Sequence[str]]],
    hits: Sequence[Hit],
    invalid: Sequence[str] = (),
) -> Answer:
    """Build an Answer from (sentence, cited chunk ids) pairs; ids not among ``hits`` are dropped and reported."""
    by_id = {h.chunk.id: h.chunk for h in hits}
    numbers: dict[str, int] = {}
    citations: list[Citation] = []
    sentences: list[AnswerSentence] = []
    rejected = list(invalid)
    for text, chunk_ids in drafted:
        cited: list[int] = []
        for chunk_id in chunk_ids:
            chunk = by_id.get(chunk_id)
            if chunk is None:
                rejected.append(chunk_id)
                continue
            if chunk_id not in numbers:
                numbers[chunk_id] = len(numbers) + 1
                citations.append(
                    Citation(n=numbers[chunk_id], chunk_id=chunk_id, source=chunk.meta.source, text=chunk.text,
                             title=chunk.meta.title)
                )
            if numbers[chunk_id] not in cited:
                cited.append(numbers[chunk_id])
        evidence = [evidence_text(by_id[c.chunk_id]) for c in citations if c.n in cited]
        check = support(text, evidence)
        sentences.append(AnswerSentence(text=text, citations=cited, supported=check.supported, score=check.score))
    rendered = " ".join(s.text + "".join(f" [{n}]" for n in s.citations) for s in sentences)
    return Answer(
        answer=rendered,
        abstained=False,
        citations=citations,
        sentences=sentences,
        invalid_citations=list(dict.fromkeys(rejected)),
        query=question,
    )


def final_answer(items: Iterable[str | Answer]) -> Answer:
    """The Answer that ends a synthesizer's stream (the text deltas before it are for live display)."""
    result: Answer | None = None
    for item in items:
        if isinstance(item, Answer):
            result = item
    if result is None:
        raise RuntimeError("the synthesizer's stream ended without an answer")
    return result
