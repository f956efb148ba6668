"""Format loaders: each turns the bytes or text of one file into a :class:`Body`.

Loaders know nothing about workspaces, paths or precedence rules; :mod:`ingest.sources` picks the loader by
extension, resolves metadata and wraps :class:`LoaderError` into ``SourceError`` with the file's path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.schemas import MetricPoint, Turn


class LoaderError(Exception):
    """Bad input; the message says what is wrong and what to do, without the path (the caller adds it)."""


@dataclass
class Body:
    """What a loader extracted: the text, plus turns or metric points, plus in-document metadata."""

    text: str
    turns: list[Turn] = field(default_factory=list)
    metric_points: list[MetricPoint] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)  # frontmatter, raw (normalised by ingest.metadata)
    title: str | None = None  # from the document itself: first H1, PDF/DOCX title property
