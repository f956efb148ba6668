"""Follow-up questions made to stand alone, offline.

A follow-up such as "and for the Growth team?" only makes sense with the previous question. With a language
model configured, a prompt rewrites it (see :mod:`assistant.chat`); offline, this deterministic rule does: a
short or elliptical follow-up is appended to the last question the user asked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.store.conversations import Message

_ELLIPTICAL = re.compile(r"^(and what about|and how about|what about|how about|and also|also|and|same|then)\b\s*", re.I)
_PREPOSITION = re.compile(r"^(for|in|at|on|with|from|by|during|across|among|since|before|after)\b", re.I)
_REFERRING = re.compile(r"\b(it|its|they|them|their|that|those|these|this|there|he|she|his|her)\b", re.I)


def condense_rule(history: Sequence[Message], question: str) -> str:
    """Deterministic standalone question: elliptical or referring follow-ups borrow the last user question."""
    previous = [m.content for m in history if m.role == "user"]
    if not previous:
        return question
    last = previous[-1].strip()
    stripped = question.strip()
    short = len(stripped.split()) <= 6
    if _ELLIPTICAL.match(stripped) or _PREPOSITION.match(stripped) or (short and _REFERRING.search(stripped)):
        follow = _ELLIPTICAL.sub("", stripped).strip(" ?,.")
        if not follow:
            return last
        joiner = " " if _PREPOSITION.match(follow) else " — "
        return f"{last.rstrip('?. ')}{joiner}{follow}?"
    return question
