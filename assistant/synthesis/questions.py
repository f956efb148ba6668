"""What kind of answer a question wants, and whether a sentence holds one.

"Who owns X?" wants a person; "when?" a date or period; "how many / what target?" a number; "which objective?"
a goal line; "why?" a reason. A sentence that merely repeats the question's words is not an answer, so the
extractive synthesizer prefers, among relevant sentences, those holding an answer of the type asked for.
Several types can apply ("who decides, and how big would the impact need to be?").
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from assistant.periods.phrases import period_phrases
from assistant.text import STOPWORDS

AnswerType = Literal["person", "time", "quantity", "goal", "reason", "list", "yesno"]

_ASKS: list[tuple[AnswerType, re.Pattern[str]]] = [
    ("person", re.compile(r"\b(who(m|se)?|which (person|people|guests?|exec\w*|manager|lead|owner)s?|"
                          r"(owner|dri|sponsor|lead)s? (of|for))\b", re.I)),
    ("time", re.compile(r"\b(when|what (date|time|day|year|quarter|month|week)|by when|how long|which "
                        r"(quarter|month|year|week|date))\b", re.I)),
    ("quantity", re.compile(r"\b(how (many|much|big|large|long|often|far|high|low)|what (percentage|percent|share|"
                            r"number|amount|target|baseline)|targets?|baseline|aim(ing|ed)? for|land(ed)?)\b", re.I)),
    ("goal", re.compile(r"\b(which|what) (\w+ ){0,2}(objectives?|goals?|key results?|krs?|okrs?|initiatives?|"
                        r"projects?|priorit(y|ies))\b|\b(ladder|roll)(ed|s)? up\b|\bserves?\b", re.I)),
    ("reason", re.compile(r"\b(why|what (is|was) the reason|how come)\b", re.I)),
    ("list", re.compile(r"\b(which|what) (guests|companies|customers|teams|people|speakers|ones)\b|\blist\b|"
                        r"\b(what|which) are (the|all)\b", re.I)),
    ("yesno", re.compile(r"^\s*(is|are|was|were|did|does|do|has|have|can|could|should|will)\b", re.I)),
]

_NAME = re.compile(r"\b[A-Z][a-z]+(?:[ -][A-Z][a-z]+)+\b|\b[A-Z][a-z]{2,}\b(?=\s*(?:\(|,|:| will| is| and| to))")
_ROLE = re.compile(r"\b(CEO|CTO|CFO|COO|VP|head of|director|manager|PMs?|EMs?|lead|owner|DRI|sponsor|team)\b")
_ROLE_ANY_CASE = re.compile(_ROLE.pattern, re.I)  # "Executive Sponsor" is a role, not a person's name
_NUMBER = re.compile(r"\d")
_GOAL = re.compile(r"\b(objective|goal|key result|KR\b|OKR|initiative|project|priority)\b", re.I)
_REASON = re.compile(r"\b(because|since|so that|in order to|due to|the reason|which is why|that's why|so we)\b",
                     re.I)


def answer_types(question: str) -> set[AnswerType]:
    return {kind for kind, pattern in _ASKS if pattern.search(question)}


def holds_answer(sentence: str, types: set[AnswerType], question: str = "") -> float:
    """Share of the asked answer types this sentence holds (1.0 when the question asks for no particular type).

    A role the question itself names ("who is the DRI?") is not an answer to it: the sentence must name a
    person or another role."""
    wanted = types - {"list", "yesno"}
    if not wanted:
        return 1.0
    found = 0
    for kind in wanted:
        if kind == "person":
            asked_roles, asked_words = _asked(question)
            roles, names = _people_in(sentence)
            found += bool(roles - asked_roles or any(not words <= asked_words for words in names))
        else:
            found += _holds_kind(sentence, kind)
    return found / len(wanted)


@lru_cache(maxsize=256)
def _asked(question: str) -> tuple[frozenset[str], frozenset[str]]:
    """The roles a question names and its lower-case words (every candidate sentence is checked against them)."""
    return (frozenset(m.group(0).lower() for m in _ROLE.finditer(question)),
            frozenset(re.findall(r"[a-z]+", question.lower())))


@lru_cache(maxsize=16384)
def _people_in(sentence: str) -> tuple[frozenset[str], tuple[frozenset[str], ...]]:
    """The roles a sentence names, and the lower-case words of each name in it; remembered per sentence, since
    the same retrieved sentences are weighed for question after question."""
    roles = frozenset(m.group(0).lower() for m in _ROLE.finditer(sentence))
    names = tuple(frozenset(re.findall(r"[a-z]+", m.group(0).lower())) for m in _NAME.finditer(sentence)
                  if not _ROLE_ANY_CASE.search(m.group(0))
                  and m.group(0).lower() not in STOPWORDS)  # "This will…" opens a sentence, names no one
    return roles, names


@lru_cache(maxsize=16384)
def _holds_kind(sentence: str, kind: AnswerType) -> bool:
    """Whether the sentence holds an answer of a kind that does not depend on the question's words."""
    if kind == "time":
        return bool(period_phrases(sentence) or re.search(r"\b(19|20)\d\d\b|\bQ[1-4]\b|\bFY\d", sentence))
    if kind == "quantity":
        return bool(_NUMBER.search(sentence))
    if kind == "goal":
        return bool(_GOAL.search(sentence))
    if kind == "reason":
        return bool(_REASON.search(sentence))
    return False


_SPLIT = re.compile(r",?\s+and\s+(?=(?:who|whom|what|when|where|which|why|how|did|does|do|is|are|was|were)\b)|"
                    r"[?;]\s+(?=\S)", re.I)


def question_parts(question: str) -> list[str]:
    """The sub-questions of a compound question ("who decides X, and how big must Y be?"), else the question."""
    parts = [p.strip(" ,?") for p in _SPLIT.split(question) if p and p.strip(" ,?")]
    return parts if len(parts) > 1 else [question]

