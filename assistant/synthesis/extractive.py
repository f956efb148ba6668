"""The offline default synthesizer: answers with the retrieved sentences themselves, cited.

Grounded by construction (every sentence is copied from the chunk it cites), it needs no language model. It
picks sentences by how much of the question they cover (IDF-weighted, stemmed terms, with the chunk's title and
section as weaker context) and by the chunk's semantic similarity to the question, avoids repeating itself
(MMR over term overlap), and abstains when the best support is below thresholds calibrated on the golden set.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from assistant.safety import looks_like_injection, neutralize_markers
from assistant.schemas import Answer, Hit
from assistant.synthesis.base import abstain, finalize
from assistant.text import content_terms, id_terms, split_sentences, stem, strip_markup

# Words that frame a question rather than say what it is about.
QUESTION_FRAME = frozenset(
    stem(w)
    for w in "say says said tell told think know explain describe give show list summarize summarise mention "
    "mentioned talk talked please current currently".split()
)


@dataclass
class _Candidate:
    text: str
    chunk_id: str
    terms: frozenset[str]
    coverage: float
    score: float
    shown: str = ""  # the text as answered: a customer's words carry who said them


def _attributed(sentence: str, hit: Hit) -> str:
    """ "Naomi Fitzgerald (Oakhurst Property Management): …" for what a customer said, so an answer about
    customers says which customers; the speaker and company are part of the cited chunk's metadata."""
    m = hit.chunk.meta
    if not m.speaker_is_participant or not m.speaker:
        return sentence
    company = f" ({m.company})" if m.company and m.company not in sentence else ""
    return f"{m.speaker}{company}: {sentence}"


class ExtractiveSynthesizer:
    def __init__(
        self,
        max_sentences: int = 3,
        min_coverage: float = 0.2,
        min_support: float = 0.37,
        min_words: int = 4,
        max_words: int = 90,
    ) -> None:
        self.max_sentences = max_sentences
        self.min_coverage = min_coverage
        # Calibrated on evals/datasets/sample.yaml: answerable questions scored >= 0.38 on
        # 0.5 * (top chunk similarity) + 0.5 * (best sentence coverage); most unanswerable ones below 0.37.
        self.min_support = min_support
        self.min_words = min_words
        self.max_words = max_words

    def _sentences(self, hit: Hit) -> Iterator[str]:
        """Answer-worthy sentences of a chunk: no questions, no bare headings, markup removed; a short
        "Key: value" line is prefixed with its heading so it reads on its own ("ENT-2 SCIM — Objective: O2")."""
        heading = (hit.chunk.meta.section or "").split(" > ")[-1].strip()
        for sentence in split_sentences(hit.chunk.text):
            if sentence.startswith("#") or strip_markup(sentence).endswith("?") or looks_like_injection(sentence):
                continue
            clean = neutralize_markers(strip_markup(sentence))  # only the answer's own [n] are citations
            n_words = len(clean.split())
            if n_words < self.min_words and ":" in clean and heading and heading not in clean:
                yield f"{heading} — {clean}"
            elif self.min_words <= n_words <= self.max_words:
                yield clean

    def _candidates(self, question: str, hits: Sequence[Hit]) -> list[_Candidate]:
        q_terms = [t for t in dict.fromkeys(content_terms(question)) if t not in QUESTION_FRAME] or list(
            dict.fromkeys(content_terms(question))
        )
        raw: list[tuple[str, Hit, frozenset[str], frozenset[str]]] = []
        for hit in hits:
            m = hit.chunk.meta
            context = " ".join(filter(None, [m.title, m.section, m.company, m.speaker, m.metric, hit.chunk.context]))
            context_terms = frozenset(content_terms(context))
            for sentence in self._sentences(hit):
                raw.append((sentence, hit, frozenset(content_terms(sentence)) | id_terms(sentence), context_terms))
        if not raw or not q_terms:
            return []
        # IDF over the candidate sentences: a question word every sentence has says little.
        df = {t: sum(1 for _, _, terms, _ in raw if t in terms) for t in q_terms}
        weight = {t: math.log(1 + len(raw) / (1 + df[t])) + 0.1 for t in q_terms}
        total = sum(weight.values())
        best_fused = max(h.score for h in hits) or 1.0
        out: list[_Candidate] = []
        for rank, (sentence, hit, terms, near) in enumerate(raw):
            direct = sum(weight[t] for t in q_terms if t in terms)
            via_context = sum(weight[t] for t in q_terms if t not in terms and t in near)
            coverage = (direct + 0.5 * via_context) / total
            # The chunk's fused retrieval score carries dense, lexical and intent evidence.
            prior = hit.score / best_fused
            if hit.chunk.meta.speaker_is_participant is False:
                prior *= 0.6  # what an interviewer says is rarely the answer to a question about customers
            score = 0.65 * coverage + 0.35 * prior - 0.001 * rank
            out.append(_Candidate(sentence, hit.chunk.id, terms, coverage, score, _attributed(sentence, hit)))
        return sorted(out, key=lambda c: -c.score)

    def _select(self, candidates: list[_Candidate]) -> list[_Candidate]:
        chosen: list[_Candidate] = []
        floor = candidates[0].score * 0.7
        for candidate in candidates:
            if len(chosen) >= self.max_sentences or candidate.score < floor:
                break
            overlap = max(
                (len(candidate.terms & c.terms) / (len(candidate.terms | c.terms) or 1) for c in chosen), default=0.0
            )
            if overlap < 0.6 and candidate.text not in {c.text for c in chosen}:
                chosen.append(candidate)
        return chosen

    def answer(self, question: str, hits: Sequence[Hit]) -> Answer:
        if not hits:
            return abstain(question, "nothing in your scope matched")
        candidates = self._candidates(question, hits)
        top_similarity = max((h.similarity or 0.0) for h in hits)
        best_coverage = max((c.coverage for c in candidates), default=0.0)
        support = 0.5 * top_similarity + 0.5 * best_coverage
        if best_coverage < self.min_coverage or support < self.min_support:
            return abstain(question)
        chosen = self._select(candidates)
        return finalize(question, [(c.shown or c.text, [c.chunk_id]) for c in chosen], hits)

    def stream(self, question: str, hits: Sequence[Hit]) -> Iterator[str | Answer]:
        result = self.answer(question, hits)
        for index, sentence in enumerate(result.sentences or []):
            marks = "".join(f" [{n}]" for n in sentence.citations)
            yield ("" if index == 0 else " ") + sentence.text + marks
        if result.abstained:
            yield result.answer
        yield result
