"""HNSW search parameters of the chunk collection: high enough that the top of a query equals exact search.

HNSW is approximate: with Chroma's default ``ef_search`` the candidates a query examines depend on the graph a
process loaded, and the same question got different top-40 lists in different processes. ``ef_search`` is the
one HNSW parameter that can change after a collection exists, so an existing collection is raised to the
setting when it is opened.
"""

from __future__ import annotations

import logging
from typing import Any

from assistant.config import Settings

log = logging.getLogger("prodops.store")


def hnsw_configuration(settings: Settings) -> dict[str, Any]:
    """The chunk collection's configuration: cosine space, search and build breadth from the settings."""
    return {"hnsw": {"space": "cosine", "ef_search": settings.hnsw_ef_search,
                     "ef_construction": settings.hnsw_ef_construction}}


def raise_ef_search(collection: Any, ef_search: int) -> None:
    """Raise an existing collection's ``ef_search`` to the setting; best effort on servers that refuse."""
    try:
        current = (collection.configuration or {}).get("hnsw") or {}
        if int(current.get("ef_search") or 0) < ef_search:
            collection.modify(configuration={"hnsw": {"ef_search": ef_search}})
    except Exception:  # noqa: BLE001 - an older server without modify keeps its own setting
        log.debug("could not raise ef_search on %s", getattr(collection, "name", "?"), exc_info=True)
