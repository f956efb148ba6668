"""Does a sentence say only what its cited text says?

Used inline (every answer, draft and theme sentence gets a support score) and by ``evals/``. The signals are
cheap and interpretable: stemmed content-word coverage of the sentence by the evidence, numbers in the sentence
that the evidence lacks (the strongest sign of an invented fact), and negation mismatches.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from assistant.text import content_terms, has_negation, numbers

SUPPORT_THRESHOLD = 0.6


class Support(BaseModel):
    score: float
    supported: bool
    missing_numbers: list[str] = []


def support(sentence: str, evidence: Sequence[str], threshold: float = SUPPORT_THRESHOLD) -> Support:
    """Score in [0, 1] of how well ``evidence`` (the cited texts) supports ``sentence``."""
    # Step 1: term coverage: the share of the sentence's content words found in the evidence.
    terms = content_terms(sentence)
    joined = " ".join(evidence)
    if not terms or not joined.strip():
        return Support(score=0.0, supported=False)
    evidence_terms = set(content_terms(joined))
    covered = sum(1 for t in terms if t in evidence_terms) / len(terms)
    # Step 2: numbers stated in the sentence must appear in the evidence.
    missing = sorted(numbers(sentence) - numbers(joined))
    score = covered * (0.25 if missing else 1.0)
    # Step 3: a negation the evidence does not share (or the reverse) flips meaning.
    if has_negation(sentence) != has_negation(joined) and has_negation(sentence):
        score *= 0.7
    score = round(min(max(score, 0.0), 1.0), 4)
    return Support(score=score, supported=score >= threshold and not missing, missing_numbers=missing)
