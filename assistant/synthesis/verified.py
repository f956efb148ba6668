"""Verified or fallback: a model's text is shown only when the sources back it; otherwise the offline result.

One policy for every place a model writes (chat answers here; draft sections, theme labels and check-in
narratives use :func:`judge` and the fallback builders): the model's sentences are parsed, their citations
validated and each one checked against what it cites. When at least ``PRODOPS_LLM_MIN_SUPPORTED`` of them are
supported *and* cite a source, the supported ones are shown; otherwise — and whenever the model is
unreachable, too slow or returns nothing usable — the offline result is shown with a one-line notice, and the
model's text is kept in the output's ``fallback`` for inspection.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from assistant.errors import ModelUnavailable
from assistant.schemas import Answer, AnswerSentence, Hit, ModelFallback
from assistant.synthesis.base import Synthesizer, final_answer, finalize
from assistant.synthesis.llm import LLMSynthesizer

OFFLINE = {"answer": "the offline answer", "section": "the notes' own sentences", "label": "the keyword label",
           "narrative": "no narrative"}


@dataclass(frozen=True)
class Verdict:
    ok: bool
    supported: int
    total: int


def judge(checks: Sequence[tuple[bool, bool]], min_supported: float) -> Verdict:
    """``checks`` are (supported, cited) per model sentence; ok when enough are both."""
    good = sum(1 for supported, cited in checks if supported and cited)
    return Verdict(ok=bool(checks) and good / len(checks) >= min_supported, supported=good, total=len(checks))


def unverified(verdict: Verdict, model_text: str, what: str = "answer") -> ModelFallback:
    """The fallback record for model text that did not pass the check."""
    if verdict.total == 0:
        reason, detail = "unusable", "it has no sentence that could be checked"
    else:
        reason = "unsupported"
        detail = f"{verdict.supported} of {verdict.total} sentences supported by the sources they cite"
    return ModelFallback(reason=reason, model_text=model_text, supported=verdict.supported, sentences=verdict.total,
                         message=f"The model's {what} could not be checked against the sources ({detail}); "
                                 f"showing {OFFLINE.get(what, 'the offline result')}.")


def unavailable(exc: ModelUnavailable, what: str = "answer", model_text: str = "") -> ModelFallback:
    """The fallback record for a model call that failed (unreachable, timeout, HTTP error, prompt too long)."""
    return ModelFallback(reason=exc.reason, model_text=model_text or exc.partial,
                         message=f"The language model is unavailable for this {what}: {exc}; "
                                 f"showing {OFFLINE.get(what, 'the offline result')}.")


class VerifiedSynthesizer:
    """The LLM synthesizer, checked; the offline synthesizer answers whenever the model's answer can't be shown."""

    def __init__(self, model: LLMSynthesizer, offline: Synthesizer, min_supported: float = 0.66) -> None:
        self.model = model
        self.offline = offline
        self.min_supported = min_supported

    def answer(self, question: str, hits: Sequence[Hit]) -> Answer:
        return final_answer(self.stream(question, hits))

    def stream(self, question: str, hits: Sequence[Hit]) -> Iterator[str | Answer]:
        """The model's deltas as they come, then the final Answer: the verified model answer, or the offline
        answer with ``fallback`` set. A client shows the final answer in place of the streamed text."""
        if not hits:
            yield from self.offline.stream(question, hits)
            return
        parts: list[str] = []
        drafted: Answer | None = None
        try:
            for item in self.model.stream(question, hits):
                if isinstance(item, Answer):
                    drafted = item
                else:
                    parts.append(item)
                    yield item
        except ModelUnavailable as exc:
            yield self._offline(question, hits, unavailable(exc, "answer", "".join(parts)))
            return
        assert drafted is not None
        yield self.verify(question, hits, drafted, "".join(parts))

    def verify(self, question: str, hits: Sequence[Hit], drafted: Answer, model_text: str) -> Answer:
        if drafted.abstained:
            offline = self.offline.answer(question, hits)
            if offline.abstained:
                return drafted  # both agree the sources don't answer it
            offline.fallback = ModelFallback(
                reason="declined", model_text=model_text,
                message="The model said the sources don't cover this, but they contain relevant passages; showing "
                        "the offline answer.")
            return offline
        verdict = judge([(s.supported, bool(s.citations)) for s in drafted.sentences], self.min_supported)
        if not verdict.ok:
            return self._offline(question, hits, unverified(verdict, model_text))
        chunk_of = {c.n: c.chunk_id for c in drafted.citations}
        kept = [s for s in drafted.sentences if s.supported and s.citations]
        shown = finalize(question, [(s.text, [chunk_of[n] for n in s.citations]) for s in kept], hits,
                         drafted.invalid_citations)
        shown.removed = [AnswerSentence(text=s.text, supported=s.supported, score=s.score)
                         for s in drafted.sentences if not (s.supported and s.citations)]
        return shown

    def _offline(self, question: str, hits: Sequence[Hit], fallback: ModelFallback) -> Answer:
        result = self.offline.answer(question, hits)
        result.fallback = fallback
        return result
