"""Deciding not to answer: names in the question that no source in scope mentions.

"What is our office lease plan in Singapore?" shares words with many documents (plans, leases), so similarity
alone would produce a confident, irrelevant answer. But if nothing the caller can read mentions "Singapore", the
honest answer is that the sources don't cover it. Names are the capitalised words of the question past its first
word (and acronyms); each is looked up in the BM25 index, in the caller's scope.
"""

from __future__ import annotations

import re

from assistant.periods.phrases import period_phrases
from assistant.store.lexical import LexicalIndex
from assistant.text import STOPWORDS

_NAME = re.compile(r"\b([A-Z][A-Za-z0-9&'’-]*[A-Za-z0-9]|[A-Z]{2,})\b")
_GENERIC = frozenset("I Q1 Q2 Q3 Q4 H1 H2 FY OK AM PM EU US UK".split())


def question_names(question: str) -> list[str]:
    """Capitalised words that are not just the first word of the question, a generic token, or part of a period
    ("December", "Q3 FY24": dates are matched against the data as periods, not looked up as names)."""
    for span in period_phrases(question):
        question = question.replace(span.text, " " * len(span.text), 1)
    words = question.strip().split()
    first = words[0] if words else ""
    names = []
    for match in _NAME.finditer(question):
        word = match.group(1)
        if match.start() == question.find(first) and word == first.strip("¿?!.,:;\"'"):
            continue
        if word in _GENERIC or word.lower() in STOPWORDS:
            continue
        names.append(word)
    return list(dict.fromkeys(names))


def unknown_names(question: str, lexical: LexicalIndex, scope: list[str] | None) -> list[str]:
    """Names in the question that no chunk in scope contains."""
    return [name for name in question_names(question) if lexical.match_count(name, scope) == 0]
