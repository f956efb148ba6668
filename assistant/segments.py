"""Transcript segments: which turns are the conversation, and which are an intro, an ad, a script or a goodbye.

Recorded interviews and podcasts wrap the conversation in material nobody should quote as a finding: a cold-open
clip, the host's scripted intro, sponsor reads (sometimes a dialogue with the sponsor's staff), a recurring
scripted round of questions asked in every episode, and the closing plugs and outro. Ingestion marks every turn
chunk with a ``segment`` (:mod:`ingest.segments` decides); answers, themes and customer evidence read only the
conversation. This module is the one place that says how to filter on it, so themes, the alignment map and
check-in packs can never disagree about what counts as customer evidence.
"""

from __future__ import annotations

from typing import Final

from assistant.schemas import Chunk, Kind, SearchFilters

CONVERSATION: Final = "conversation"
INTRO: Final = "intro"
SPONSOR: Final = "sponsor"
SCRIPTED: Final = "scripted"
OUTRO: Final = "outro"
COLD_OPEN: Final = "cold-open"
RECORD: Final = "record"  # the interview's metadata sentence (who, when, by whom): nobody said it
SEGMENTS: Final = (CONVERSATION, INTRO, SPONSOR, SCRIPTED, OUTRO, COLD_OPEN, RECORD)
NON_CONVERSATION: Final = tuple(s for s in SEGMENTS if s != CONVERSATION)


def in_conversation(chunk: Chunk) -> bool:
    """Whether a chunk is not in a non-conversation segment (chunks of documents have no segment)."""
    return chunk.meta.segment not in NON_CONVERSATION


def is_customer_evidence(chunk: Chunk) -> bool:
    """What a participant said in the conversation of an interview: the only text counted as customer evidence."""
    meta = chunk.meta
    return meta.kind is Kind.INTERVIEW and bool(meta.speaker_is_participant) and in_conversation(chunk)


def customer_evidence_filters(base: SearchFilters | None = None) -> SearchFilters:
    """Search filters for customer evidence (interview participants, conversation segments only), narrowing
    ``base`` (team, dates, companies...) when given. Themes, the alignment map, check-in packs and the contact
    check's related research all use it."""
    filters = base or SearchFilters()
    return filters.model_copy(update={"kinds": [Kind.INTERVIEW], "customer_turns_only": True,
                                      "conversation_only": True})
