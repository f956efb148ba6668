"""Search filters (and the caller's scope) in each language the stores speak, and a Python judge of them.

:func:`chroma_where` is the dense side's form and :func:`sql_where` the SQLite side's (the lexical index and its
metadata table); both take the access rule from :mod:`assistant.access`, so the two sides can never disagree on
scope. :func:`where_matches` evaluates a ``chroma_where`` clause on one chunk's Chroma metadata exactly as Chroma
would, so the fast filtered path (:mod:`assistant.retrieval.dense`) can re-check candidates against Chroma's own
metadata rather than trust a derived index that may be out of step.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assistant.access import Scope, chroma_scope, sql_scope
from assistant.schemas import DATE_NUM, SearchFilters
from assistant.segments import NON_CONVERSATION


def _value_filters(filters: SearchFilters, company: str, participant: str) -> list[tuple[str, list[str]]]:
    """(field, allowed values) for each set filter, lower-cased where stored so; ``company`` and ``participant``
    name those fields in the target (Chroma keeps lower-cased ``*_key`` copies, the lexical index lower-cases)."""
    found = [("kind", [k.value for k in filters.kinds]), ("team", [t.lower() for t in filters.teams]),
             (company, [c.lower() for c in filters.companies]),
             (participant, [p.lower() for p in filters.participants]), ("source", list(filters.sources))]
    return [(field, values) for field, values in found if values]


def chroma_where(filters: SearchFilters, scope: Scope) -> dict[str, Any] | None:
    """The same filters as the lexical index, in Chroma's ``where`` language."""
    clauses: list[dict[str, Any]] = []
    for field, values in _value_filters(filters, company="company_key", participant="participant_key"):
        clauses.append({field: {"$in": values}})
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


def where_matches(where: Mapping[str, Any] | None, meta: Mapping[str, Any]) -> bool:
    """Whether flat Chroma metadata satisfies a ``where`` clause, with Chroma's semantics (a missing key fails
    every test but ``$nin``). Only the operators :func:`chroma_where` writes are known; any other raises
    ``ValueError`` rather than guess, so a new filter can never pass a candidate by accident."""
    if where is None:
        return True
    if len(where) != 1:
        return all(where_matches({key: value}, meta) for key, value in where.items())
    ((key, test),) = where.items()
    if key == "$and":
        return all(where_matches(part, meta) for part in test)
    if key == "$or":
        return any(where_matches(part, meta) for part in test)
    if key.startswith("$"):
        raise ValueError(f"unknown where operator {key}")
    if not isinstance(test, Mapping):
        return key in meta and _same(meta[key], test)
    ((op, operand),) = test.items()
    if op == "$nin":
        return key not in meta or not any(_same(meta[key], v) for v in operand)
    if key not in meta:
        return False
    value = meta[key]
    if op == "$in":
        return any(_same(value, v) for v in operand)
    if op in ("$eq", "$ne"):
        return _same(value, operand) == (op == "$eq")
    if op in ("$gte", "$lte", "$gt", "$lt"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        return {"$gte": value >= operand, "$lte": value <= operand, "$gt": value > operand, "$lt": value < operand}[op]
    raise ValueError(f"unknown where operator {op}")


def _same(value: Any, expected: Any) -> bool:
    """Equality as Chroma sees it: ``True`` is not ``1``."""
    return type(value) is type(expected) and value == expected if isinstance(expected, bool) else value == expected


def sql_where(filters: SearchFilters, scope: Scope) -> tuple[list[str], list[object]]:
    """The same filters as :func:`chroma_where`, as SQL clauses (to be AND-ed) over the lexical index's columns."""
    clauses: list[str] = []
    params: list[object] = []
    for column, values in _value_filters(filters, company="company", participant="participant"):
        clause, values_params = _in(column, values)
        clauses.append(clause)
        params.extend(values_params)
    if filters.date_from:
        clauses.append("date != '' AND date >= ?")
        params.append(filters.date_from.isoformat())
    if filters.date_to:
        clauses.append("date != '' AND date <= ?")
        params.append(filters.date_to.isoformat())
    if filters.customer_turns_only:
        clauses.append("customer_turn = 1")
    if filters.conversation_only:
        clause, segment_params = _in("segment", list(NON_CONVERSATION))
        clauses.append(f"NOT {clause}")
        params.extend(segment_params)
    scoped = sql_scope(scope)
    if scoped is not None:
        clauses.append(scoped[0])
        params.extend(scoped[1])
    return clauses, params


def _in(column: str, values: list[str]) -> tuple[str, list[object]]:
    return f"{column} IN ({','.join('?' * len(values))})", list(values)
