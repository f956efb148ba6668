"""The offline default synthesizer: answers with the retrieved sentences themselves, cited.

Grounded by construction (every sentence is copied from the chunk it cites), it needs no language model. A
sentence is chosen by how much of the question it covers (IDF-weighted stemmed terms, the chunk's title and
section as weaker context), how close its meaning is to the question (MiniLM, on the best few dozen
candidates), how well retrieval ranked its chunk, and whether it holds the kind of answer asked for (a person
for "who", a period for "when", a number for "how many"). The most direct sentence leads; at most three follow
unless the question asks for a list. It abstains when even the best sentence is a weak match, with the
threshold calibrated on the real-data development set and the sample set (``prodops eval`` shows the curve).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Sequence

import numpy as np

from assistant.schemas import Answer, Hit
from assistant.synthesis.base import abstain, finalize
from assistant.synthesis.candidates import Candidate, candidates
from assistant.synthesis.questions import answer_types, holds_answer, question_parts
from assistant.text import content_terms, stem

Encode = Callable[[list[str]], list[list[float]]]

# Words that frame a question rather than say what it is about.
QUESTION_FRAME = frozenset(
    stem(w)
    for w in "say says said tell told think know explain describe give show list summarize summarise mention "
    "mentioned talk talked please current currently guest guests".split()
)


class ExtractiveSynthesizer:
    def __init__(
        self,
        encode: Encode | None = None,
        max_sentences: int = 3,
        list_sentences: int = 5,
        min_coverage: float = 0.2,
        min_support: float = 0.37,
        semantic_pool: int = 40,
        speakers: Callable[[], set[str]] | None = None,
        encode_questions: Encode | None = None,
    ) -> None:
        self.encode = encode
        self.encode_questions = encode_questions  # the question side (query path); None: through ``encode``
        self.max_sentences = max_sentences
        self.list_sentences = list_sentences
        self.min_coverage = min_coverage
        self.min_support = min_support
        self.semantic_pool = semantic_pool
        self.speakers = speakers or (lambda: set())

    def _named(self, question: str) -> set[str]:
        lowered = question.lower()
        return {s for s in self.speakers() if len(s) > 3 and re.search(rf"\b{re.escape(s)}\b", lowered)}

    def _score(self, question: str, hits: Sequence[Hit]) -> tuple[list[Candidate], np.ndarray, np.ndarray]:
        """Candidates, their scores per question part (rows: the whole question, then each part) and their
        relevance (coverage and meaning, which drive abstention), best-first order not yet applied."""
        pool = candidates(question, hits, self._named(question))
        parts = question_parts(question)
        asks = [question, *parts] if len(parts) > 1 else [question]
        if not pool:
            return [], np.zeros((len(asks), 0)), np.zeros(0)
        best_fused = max(h.score for h in hits) or 1.0
        prior = np.array([c.hit.score / best_fused for c in pool])
        coverages = np.array([self._coverage(ask, pool) for ask in asks])
        meanings = self._meaning(asks, pool, coverages[0], prior)
        scores = np.zeros((len(asks), len(pool)))
        for row, ask in enumerate(asks):
            types = answer_types(ask)
            kind = np.array([holds_answer(c.text, types, ask) for c in pool])
            cov = coverages[row] if row == 0 else 0.5 * coverages[row] + 0.5 * coverages[0]
            sem = meanings[row] if row == 0 else 0.5 * meanings[row] + 0.5 * meanings[0]
            if self.encode is None:
                scores[row] = 0.55 * cov + 0.25 * prior + 0.2 * kind
            else:
                scores[row] = 0.35 * cov + 0.35 * sem + 0.15 * prior + 0.15 * kind
        damp = np.array([0.5 if c.noise else 0.6 if c.by_other_speaker else
                         0.7 if c.hit.chunk.meta.speaker_is_participant is False else 1.0 for c in pool])
        order = np.array([0.0005 * c.rank for c in pool])
        relevance = 0.5 * coverages[0] + 0.5 * meanings[0] if self.encode is not None else coverages[0]
        return pool, scores * damp - order, relevance

    def _coverage(self, ask: str, pool: list[Candidate]) -> list[float]:
        """IDF-weighted share of the question's terms each candidate holds (its chunk's context counts half)."""
        terms = [t for t in dict.fromkeys(content_terms(ask)) if t not in QUESTION_FRAME] or list(
            dict.fromkeys(content_terms(ask)))
        if not terms:
            return [0.0] * len(pool)
        df = {t: sum(1 for c in pool if t in c.terms) for t in terms}
        weight = {t: math.log(1 + len(pool) / (1 + df[t])) + 0.1 for t in terms}
        total = sum(weight.values())
        return [(sum(weight[t] for t in terms if t in c.terms)
                 + 0.5 * sum(weight[t] for t in terms if t not in c.terms and t in c.context_terms)) / total
                for c in pool]

    def _meaning(self, asks: list[str], pool: list[Candidate], coverage: np.ndarray, prior: np.ndarray) -> np.ndarray:
        """Cosine of each ask with the best few dozen candidates (one model call); 0 for the rest."""
        meaning = np.zeros((len(asks), len(pool)))
        if self.encode is None:
            return meaning
        order = list(np.argsort(-(0.65 * coverage + 0.35 * prior))[: self.semantic_pool])
        sentences = [pool[i].text for i in order]
        if self.encode_questions is None:
            vectors = np.asarray(self.encode([*asks, *sentences]), dtype=float)
            ask_vectors, sentence_vectors = vectors[: len(asks)], vectors[len(asks):]
        else:
            ask_vectors = np.asarray(self.encode_questions(asks), dtype=float)
            sentence_vectors = np.asarray(self.encode(sentences), dtype=float)
        sims = sentence_vectors @ ask_vectors.T
        for column, i in enumerate(order):
            meaning[:, i] = np.maximum(0.0, sims[column])
        return meaning

    def _select(self, pool: list[Candidate], scores: np.ndarray, limit: int, spread: bool) -> list[Candidate]:
        """The best sentence for each part of the question first, then the best overall; a list question takes
        one sentence per document first so it names several sources."""
        overall = scores[0]
        floor = float(overall.max()) * 0.75
        picks: list[int] = [int(np.argmax(row)) for row in scores[1:]] if len(scores) > 1 else []
        ranked = [int(i) for i in np.argsort(-overall)]
        if spread:
            firsts: dict[str, int] = {}
            for i in ranked:
                firsts.setdefault(pool[i].hit.chunk.meta.source, i)
            ranked = list(firsts.values()) + [i for i in ranked if i not in firsts.values()]
        chosen: list[Candidate] = []
        for i in [*picks, *ranked]:
            candidate = pool[i]
            if len(chosen) >= limit:
                break
            if i not in picks and overall[i] < floor:
                continue
            overlap = max((len(candidate.terms & c.terms) / (len(candidate.terms | c.terms) or 1) for c in chosen),
                          default=0.0)
            if overlap < 0.6 and candidate.verbatim not in {c.verbatim for c in chosen}:
                chosen.append(candidate)
        return chosen

    def answer(self, question: str, hits: Sequence[Hit]) -> Answer:
        if not hits:
            return abstain(question, "nothing in your scope matched")
        pool, scores, relevance = self._score(question, hits)
        top_similarity = max((h.similarity or 0.0) for h in hits)
        best_relevance = float(relevance.max()) if len(pool) else 0.0
        support = round(0.5 * top_similarity + 0.5 * best_relevance, 4)
        if not pool or best_relevance < self.min_coverage or support < self.min_support:
            return abstain(question, confidence=support)
        listing = "list" in answer_types(question)
        chosen = self._select(pool, scores, self.list_sentences if listing else self.max_sentences, listing)
        result = finalize(question, [(c.text, [c.hit.chunk.id]) for c in chosen], hits)
        return result.model_copy(update={"confidence": support})

    def stream(self, question: str, hits: Sequence[Hit]) -> Iterator[str | Answer]:
        yield from answer_deltas(self.answer(question, hits))


def answer_deltas(result: Answer) -> Iterator[str | Answer]:
    """A finished answer as a stream: each cited sentence as a delta (an abstention's text as one), then the
    Answer itself."""
    for index, sentence in enumerate(result.sentences or []):
        marks = "".join(f" [{n}]" for n in sentence.citations)
        yield ("" if index == 0 else " ") + sentence.text + marks
    if result.abstained:
        yield result.answer
    yield result
