"""Who may read what: the one visibility rule, in each form the code needs it.

A chunk or source lists the teams that may read it (or ``everyone``); a caller's scope is their teams, or None
for an unrestricted caller (an admin key, the CLI). The rule is written once here as a Python predicate and
translated here into Chroma's ``where`` language and into an SQL clause for the FTS5 index, so the store
queries, the defence-in-depth checks and every feature that lists sources agree by construction.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from assistant.schemas import EVERYONE, VIS_PREFIX, Chunk, SourceRecord

Scope = list[str] | None  # the caller's teams; None reads everything


def can_read(visibility: Iterable[str], scope: Scope) -> bool:
    """Whether a caller with ``scope`` may read something whose visibility is ``visibility``."""
    allowed = set(visibility) or {EVERYONE}
    return scope is None or EVERYONE in allowed or bool(allowed & set(scope))


def chunk_readable(chunk: Chunk, scope: Scope) -> bool:
    return can_read(chunk.meta.visibility, scope)


def source_readable(record: SourceRecord, scope: Scope) -> bool:
    """A stored source the caller may read; a source still being written is not shown to anyone."""
    return record.complete and can_read(record.visibility, scope)


def chroma_scope(scope: Scope) -> dict[str, Any] | None:
    """The rule as a Chroma ``where`` clause over the per-team flags :meth:`ChunkMeta.to_chroma` writes."""
    if scope is None:
        return None
    flags: list[dict[str, Any]] = [{VIS_PREFIX + team: True} for team in [EVERYONE, *scope]]
    return {"$or": flags} if len(flags) > 1 else flags[0]


def sql_scope(scope: Scope, column: str = "visibility") -> tuple[str, list[object]] | None:
    """The rule as an SQL clause over a ``,team,team,`` column (the lexical index's form), with its parameters."""
    if scope is None:
        return None
    teams = [EVERYONE, *scope]
    clause = "(" + " OR ".join(f"instr({column}, ?) > 0" for _ in teams) + ")"
    return clause, [f",{team}," for team in teams]


def sql_visibility(visibility: Iterable[str]) -> str:
    """A visibility list in the ``,team,team,`` form :func:`sql_scope` matches."""
    return "," + ",".join(visibility) + ","
