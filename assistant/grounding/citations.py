"""Citation checks on top of the grounding checker: precise citations, cited claims, verbatim quotes.

A citation is only useful if the cited chunk says what the sentence says (precision), and a supported sentence
is only checkable if it says where it came from (recall). Quotes shown as a customer's words must be their words
exactly. Used inline by themes and drafts and by ``evals/``; every ratio is NaN when there is nothing to score,
so an empty answer cannot look perfect.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.grounding.checker import Encoder, support

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "′": "'", "“": '"', "”": '"', "„": '"', "″": '"', "«": '"',
                         "»": '"'})
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class CitedSentence:
    """One output sentence and the texts of the chunks it cites (empty when it cites nothing)."""

    text: str
    cited: tuple[str, ...] = ()


def _supports(sentence: str, evidence: Sequence[str], deep: bool, encode: Encoder | None) -> bool:
    return support(sentence, evidence, deep=deep, encode=encode).supported


def citation_precision(sentences: Sequence[CitedSentence], *, deep: bool = False, encode: Encoder | None = None,
                       ) -> float:
    """Share of citations whose chunk supports the sentence citing it (NaN when nothing is cited).

    As in ALCE (Gao et al., 2023), a citation also counts when the sentence needs it: the cited chunks together
    support the sentence and the others without it do not, so a claim that joins two sources isn't penalised.
    """
    precise = total = 0
    for sentence in sentences:
        # Step 1: does the whole citation set support the sentence?
        cited = list(dict.fromkeys(sentence.cited))
        joint = len(cited) > 1 and _supports(sentence.text, cited, deep, encode)
        for i, chunk in enumerate(cited):
            total += 1
            # Step 2: the chunk supports it alone, or the set loses support without it.
            others = cited[:i] + cited[i + 1 :]
            if _supports(sentence.text, [chunk], deep, encode) or (
                joint and not _supports(sentence.text, others, deep, encode)
            ):
                precise += 1
    return precise / total if total else math.nan


def citation_recall(sentences: Sequence[CitedSentence], context: Sequence[str], *, deep: bool = False,
                    encode: Encoder | None = None) -> float:
    """Of the sentences the retrieved ``context`` supports, the share that carry a citation (NaN if none is).

    A supported sentence without a citation is a true claim the reader cannot check.
    """
    # Step 1: which sentences could have been cited at all.
    supported = [s for s in sentences if _supports(s.text, context, deep, encode)]
    if not supported:
        return math.nan
    # Step 2: how many of them do cite.
    return sum(1 for s in supported if s.cited) / len(supported)


def normalise_quote_text(text: str) -> str:
    """Curly quotes made straight and runs of whitespace made one space: typography, not wording."""
    return _SPACE.sub(" ", text.translate(_QUOTES)).strip()


def is_verbatim_quote(quote: str, source_text: str) -> bool:
    """True when ``quote`` (without its own enclosing quote marks) appears word for word in ``source_text``.

    Case, punctuation and words must match exactly; only whitespace and quote-mark styles are normalised, so
    a "quote" that an LLM tidied up or paraphrased is caught.
    """
    needle = normalise_quote_text(quote)
    while len(needle) >= 2 and needle[0] == needle[-1] and needle[0] in "\"'":
        needle = needle[1:-1].strip()
    return bool(needle) and needle in normalise_quote_text(source_text)
