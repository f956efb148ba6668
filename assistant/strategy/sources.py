"""Which notes a strategy draft is written from: ``--from PATH_OR_FILTER``.

A spec is whitespace- or comma-separated tokens. Tokens with a colon are filters, all of which must hold
(``kind:note``, ``team:leadership``, ``since:2026-10-01``, ``until:2026-11-30``); tokens without one are
workspace paths or path prefixes (a folder such as ``notes/`` or one file), any of which may match. Only chunks
in the caller's scope are ever returned.
"""

from __future__ import annotations

import re

from assistant.access import chunk_readable
from assistant.errors import ProdopsError
from assistant.runtime import Runtime
from assistant.schemas import Chunk, Kind

_FILTER_KEYS = {"kind", "team", "since", "until"}


def parse_spec(spec: str) -> tuple[list[str], dict[str, str]]:
    paths: list[str] = []
    filters: dict[str, str] = {}
    for token in (t for t in re.split(r"[\s,]+", spec.strip()) if t):
        key, sep, value = token.partition(":")
        if sep and key in _FILTER_KEYS:
            filters[key] = value.lower() if key in {"kind", "team"} else value
        elif sep:
            raise ProdopsError(f"unknown filter {key!r} in --from; use kind:, team:, since:, until: or a path")
        else:
            paths.append(token.strip("./") if token not in {".", "./"} else "")
    if "kind" in filters and filters["kind"] not in {k.value for k in Kind}:
        raise ProdopsError(f"kind:{filters['kind']} is not a kind; use one of {', '.join(k.value for k in Kind)}")
    return paths, filters


def select_notes(runtime: Runtime, spec: str, scope: list[str] | None) -> list[Chunk]:
    """Chunks matching the spec, in document order; an empty selection is an error the author can act on."""
    paths, filters = parse_spec(spec)
    where = {"kind": filters["kind"]} if "kind" in filters else None
    chosen: list[Chunk] = []
    for chunk in runtime.store.iter_chunks(where=where):
        m = chunk.meta
        if not chunk_readable(chunk, scope):
            continue
        if paths and not any(m.source == p or m.source.startswith(p.rstrip("/") + "/") or not p for p in paths):
            continue
        if "team" in filters and (m.team or "") != filters["team"]:
            continue
        if "since" in filters and (not m.date or m.date < filters["since"]):
            continue
        if "until" in filters and (not m.date or m.date > filters["until"]):
            continue
        chosen.append(chunk)
    if not chosen:
        raise ProdopsError(f"--from {spec!r} matches no ingested document you can read; try `prodops sources`")
    return sorted(chosen, key=lambda c: (c.meta.source, c.meta.position))
