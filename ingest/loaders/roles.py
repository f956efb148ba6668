"""Who is who in a transcript: the interviewer and the participant, from metadata or inferred from turns.

Themes and quotes must come from the customer, not from the person asking, so every turn is marked with
whether its speaker is the participant. Metadata names are matched tolerantly (transcripts shorten and
misspell names); without metadata, the interviewer is the one whose turns end in questions.
"""

from __future__ import annotations

import re
from collections import Counter

from assistant.schemas import Turn
from ingest.loaders.transcript import UNKNOWN_SPEAKER

_INTERVIEWER_LABELS = frozenset({"interviewer", "host", "moderator", "researcher", "q"})
_PARTICIPANT_LABELS = frozenset({"interviewee", "participant", "guest", "customer", "respondent", "a"})


def same_person(label: str, name: str) -> bool:
    """Whether a speaker label and a metadata name refer to one person, tolerating how transcripts shorten
    and misspell names: "Lenny" ~ "Lenny Rachitsky" (one side is a first name), "Alex Hardiman" ~
    "Alex Hardimen" (same first name, last names agree on their first three letters)."""
    words, other = label.lower().split(), name.lower().split()
    if not words or not other:
        return False
    if words == other:
        return True
    if words[0] != other[0]:
        return False
    return len(words) == 1 or len(other) == 1 or words[-1][:3] == other[-1][:3]


def _names(value: str | None) -> list[str]:
    return [n.strip() for n in re.split(r",|&|\band\b", value or "") if n.strip()]


def is_interviewer(speaker: str, interviewer: str | None) -> bool:
    """Whether a speaker label names the interviewer (one or several, comma/"and"-separated)."""
    label = speaker.strip().lower()
    if label in _INTERVIEWER_LABELS:
        return True
    if label in _PARTICIPANT_LABELS:
        return False
    return any(same_person(speaker, name) for name in _names(interviewer))


def _question_turns(turns: list[Turn]) -> Counter[str]:
    """Turns per speaker whose last sentence is a question: what interviewers do, and guests rarely."""
    asked: Counter[str] = Counter()
    for turn in turns:
        if turn.speaker == UNKNOWN_SPEAKER:
            continue
        last = re.split(r"(?<=[.!?])\s+", turn.text.strip())[-1]
        asked[turn.speaker] += last.rstrip("\"')” ").endswith("?")
    return asked


def infer_interviewer(turns: list[Turn], participant: str | None = None) -> str | None:
    """The interviewer when metadata names none.

    With a known participant, it is the other speaker who asks the most questions (then: talks most
    often); otherwise the speaker whose turns most often end in a question, if at least two people talk.
    """
    asked = _question_turns(turns)
    if any(label.lower() in _INTERVIEWER_LABELS for label in asked):
        return next(label for label in asked if label.lower() in _INTERVIEWER_LABELS)
    turn_counts = Counter(t.speaker for t in turns if t.speaker in asked)
    others = [s for s in asked if not any(same_person(s, n) for n in _names(participant))]
    if participant and others and len(others) < len(asked):
        return max(others, key=lambda s: (asked[s], turn_counts[s]))
    if len(asked) < 2:
        return None
    speaker = max(asked, key=lambda s: asked[s])  # the first of equals: Counter keeps insertion order
    return speaker if asked[speaker] > 0 else None


def infer_participant(turns: list[Turn], interviewer: str | None) -> str | None:
    """The non-interviewer speaker who says the most, as the participant when metadata names none."""
    words: Counter[str] = Counter()
    for turn in turns:
        label = turn.speaker.lower()
        if turn.speaker == UNKNOWN_SPEAKER or label in _PARTICIPANT_LABELS or is_interviewer(turn.speaker, interviewer):
            continue
        words[turn.speaker] += len(turn.text.split())
    return words.most_common(1)[0][0] if words else None
