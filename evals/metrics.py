"""Answer-quality metrics for golden sets: one function per metric, NaN when there is nothing to score.

NaN, not 0 or 1, is the answer for "nothing to score" (an answer with no sentences, a question with no key
facts): it keeps an empty answer from looking perfect or broken, and ``average`` leaves it out of totals.
Grounding itself is decided by ``assistant.grounding.checker`` (the same checker the assistant runs inline), so the
eval and the product can't disagree about what "supported" means.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from assistant.grounding.citations import CitedSentence, citation_precision, citation_recall

__all__ = [
    "AbstentionCase",
    "CitedSentence",
    "abstention_accuracy",
    "average",
    "citation_precision",
    "citation_recall",
    "citation_validity",
    "faithfulness",
    "key_fact_coverage",
    "normalise_fact_text",
]

_NUMBER = re.compile(r"(?<![\w.])\$?\d[\d,]*(?:\.\d+)?")
_SPACE = re.compile(r"\s+")


def faithfulness(supported: Sequence[bool]) -> float:
    """Supported sentences / sentences, from the grounding checker's verdicts on each answer sentence.

    Why: an answer is only as trustworthy as its least grounded sentence, and this counts how many are.
    """
    return sum(supported) / len(supported) if supported else math.nan


def citation_validity(cited_ids: Sequence[str], retrieved_ids: Collection[str]) -> float:
    """Citations that point at retrieved chunks / citations.

    Why: a citation to a chunk the model was never given is invented, whatever it says (design rule).
    """
    if not cited_ids:
        return math.nan
    retrieved = set(retrieved_ids)
    return sum(1 for c in cited_ids if c in retrieved) / len(cited_ids)


def _canonical_number(match: re.Match[str]) -> str:
    value = match.group(0).replace(",", "").lstrip("$")
    if "." in value:
        value = value.rstrip("0").rstrip(".")
    return value


def normalise_fact_text(text: str) -> str:
    """Lower case, one space, numbers in one spelling ("1,840" -> "1840", "31.0" -> "31", "$3.50" -> "3.5")."""
    return _SPACE.sub(" ", _NUMBER.sub(_canonical_number, text.lower())).strip()


def key_fact_coverage(answer: str, key_facts: Sequence[str]) -> float:
    """Expected key facts found in the answer / key facts (case-insensitive, numbers normalised).

    Why: a grounded answer can still miss the point; the golden set names the facts a good answer must state.
    A fact matches on word boundaries, so "18" is not found inside "1840".
    """
    facts = [normalise_fact_text(f) for f in key_facts if f.strip()]
    if not facts:
        return math.nan
    # Step 1: normalise the answer once.
    text = normalise_fact_text(answer)
    # Step 2: each fact must appear as a whole phrase.
    found = sum(1 for f in facts if re.search(rf"(?<!\w){re.escape(f)}(?!\w)", text))
    return found / len(facts)


@dataclass(frozen=True)
class AbstentionCase:
    """One question: whether the golden set says it is unanswerable, and whether the assistant abstained."""

    should_abstain: bool
    abstained: bool


def abstention_accuracy(cases: Sequence[AbstentionCase]) -> float:
    """Questions where the assistant abstained exactly when it should / questions.

    Why: saying "the sources don't cover this" is right for unanswerable questions and wrong for answerable ones;
    counting both directions catches a gate passed by abstaining on everything.
    """
    return sum(1 for c in cases if c.abstained == c.should_abstain) / len(cases) if cases else math.nan


def average(values: Iterable[float]) -> float:
    """Mean of the values that could be scored (NaN left out); NaN when none could."""
    scored = [v for v in values if not math.isnan(v)]
    return sum(scored) / len(scored) if scored else math.nan
