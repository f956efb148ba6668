"""Search filters (and the caller's scope) in Chroma's ``where`` language.

The lexical index applies the same :class:`~assistant.schemas.SearchFilters` in SQL (:mod:`.lexical`); both
take the access rule from :mod:`assistant.access`, so the dense and lexical sides can never disagree on scope.
"""

from __future__ import annotations

from typing import Any

from assistant.access import Scope, chroma_scope
from assistant.schemas import DATE_NUM, SearchFilters
from assistant.segments import NON_CONVERSATION


def chroma_where(filters: SearchFilters, scope: Scope) -> dict[str, Any] | None:
    """The same filters as the lexical index, in Chroma's ``where`` language."""
    clauses: list[dict[str, Any]] = []
    for field, values in (
        ("kind", [k.value for k in filters.kinds]),
        ("team", [t.lower() for t in filters.teams]),
        ("company_key", [c.lower() for c in filters.companies]),
        ("participant_key", [p.lower() for p in filters.participants]),
        ("source", filters.sources),
    ):
        if values:
            clauses.append({field: {"$in": list(values)}})
    if filters.date_from:
        clauses.append({DATE_NUM: {"$gte": int(filters.date_from.strftime("%Y%m%d"))}})
    if filters.date_to:
        clauses.append({DATE_NUM: {"$lte": int(filters.date_to.strftime("%Y%m%d"))}})
    if filters.customer_turns_only:
        clauses.append({"speaker_is_participant": True})
    if filters.conversation_only:  # chunks without a segment (documents) pass: $nin matches a missing key
        clauses.append({"segment": {"$nin": list(NON_CONVERSATION)}})
    scoped = chroma_scope(scope)
    if scoped is not None:
        clauses.append(scoped)
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
