"""Document metadata: canonical keys from frontmatter and sidecars, and what can be inferred from the path.

Precedence is frontmatter > sidecar (``<file>.meta.yaml``) > inferred. Authors write metadata by hand, so
aliases are accepted generously ("guest", "publish_date", "audience"...), but a value that would silently
change meaning (an unknown kind, an unparseable date) is an error that names the field and the fix.
Inference never looks at file modification times: the same bytes must always give the same metadata.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from assistant.periods import parse_day
from assistant.schemas import EVERYONE, Kind
from ingest.loaders import LoaderError
from ingest.values import slugify

ALIASES: dict[str, tuple[str, ...]] = {
    "kind": ("kind",),
    "title": ("title",),
    "team": ("team",),
    "date": ("date", "publish_date", "published", "published_at", "created", "created_at"),
    "visibility": ("visibility", "audience", "access"),
    "doc_type": ("doc_type", "doctype", "document_type"),
    "company": ("company", "organization", "organisation", "account", "customer"),
    "participant": ("participant", "participants", "guest", "guests", "interviewee", "interviewees",
                    "customer_name"),
    "email": ("email", "participant_email", "contact_email"),
    "role": ("role", "participant_role", "job_title"),
    "interviewer": ("interviewer", "host"),
    "period": ("period",),
    "objectives": ("objectives", "objective_ids"),
    "initiatives": ("initiatives", "initiative_ids"),
}
KIND_VALUES: dict[str, Kind] = {
    **{k.value: k for k in Kind},
    "strategies": Kind.STRATEGY,
    "interviews": Kind.INTERVIEW,
    "transcript": Kind.INTERVIEW,
    "metric": Kind.METRICS,
    "notes": Kind.NOTE,
}
_PUBLIC = frozenset({EVERYONE, "all", "public", "*"})
_EXPORT_ID = re.compile(
    r"[ _-]+(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$", re.IGNORECASE
)
_FILENAME_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})")
_GENERIC_STEMS = frozenset({"index", "_index", "readme", "transcript"})


def normalize_meta(raw: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Map hand-written keys and values to canonical ones; unknown keys are ignored.

    Args:
        raw: the parsed YAML mapping.
        where: "frontmatter" or "sidecar <name>", used in error messages so the author finds the field.

    Raises:
        LoaderError: an invalid ``kind`` or an unparseable date.
    """
    keys = {str(k).strip().lower().replace("-", "_"): v for k, v in raw.items()}
    out: dict[str, Any] = {}
    for canonical, aliases in ALIASES.items():
        for alias in aliases:
            value = keys.get(alias)
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            out[canonical] = _normalize_value(canonical, alias, value, where)
            break
    return {k: v for k, v in out.items() if v not in (None, [], "")}


def _normalize_value(key: str, alias: str, value: Any, where: str) -> Any:
    if key == "kind":
        kind = KIND_VALUES.get(str(value).strip().lower())
        if kind is None:
            allowed = ", ".join(k.value for k in Kind)
            raise LoaderError(f"invalid kind {value!r} in {where}; allowed values: {allowed}")
        return kind
    if key == "date":
        day = parse_day(value)
        if day is None:
            raise LoaderError(
                f"invalid date {value!r} in {where} field '{alias}'; expected YYYY-MM-DD (e.g. 2026-09-14)"
            )
        return day
    if key == "team":
        return slugify(str(value)) or None
    if key == "visibility":
        return parse_visibility(value)
    if key in ("objectives", "initiatives"):
        return _as_list(value)
    if isinstance(value, list):
        return ", ".join(str(v).strip() for v in value if str(v).strip())
    return str(value).strip()


def _as_list(value: Any) -> list[str]:
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    return list(dict.fromkeys(str(v).strip() for v in items if str(v).strip()))


def parse_visibility(value: Any) -> list[str]:
    """Teams allowed to read a document: ``["everyone"]`` or team slugs (matching how teams are keyed)."""
    teams = [slugify(v) for v in _as_list(value)]
    teams = [t for t in teams if t]
    if not teams or any(t in _PUBLIC for t in teams):
        return [EVERYONE]
    return list(dict.fromkeys(teams))


def clean_export_name(name: str) -> str:
    """A file or folder name without the id that Notion (and similar wiki exports) append to every page:
    "Q3 Goals 1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d" -> "Q3 Goals". The stored path keeps the real name."""
    return _EXPORT_ID.sub("", name).strip() or name


def date_from_filename(rel_path: str) -> dt.date | None:
    """A YYYY-MM-DD in the file name ("2026-09-14-acme.vtt"), the only deterministic fallback date."""
    match = _FILENAME_DATE.search(PurePosixPath(rel_path).name)
    return parse_day(match.group(1)) if match else None


def team_from_path(rel_path: str) -> str | None:
    """The folder after a ``teams`` folder ("teams/growth/plan.md" -> "growth")."""
    dirs = [clean_export_name(part) for part in PurePosixPath(rel_path).parts[:-1]]
    for i, part in enumerate(dirs[:-1]):
        if part.lower() == "teams":
            return slugify(dirs[i + 1]) or None
    return None


def humanize_filename(rel_path: str) -> str:
    """A readable title from the file name: dates and separators dropped; index/README use their folder."""
    path = PurePosixPath(rel_path)
    stem = clean_export_name(path.stem)
    if stem.lower() in _GENERIC_STEMS and len(path.parts) > 1:
        stem = clean_export_name(path.parts[-2])
    words = _FILENAME_DATE.sub(" ", stem)
    words = re.sub(r"([a-z])([A-Z])", r"\1 \2", words)
    words = re.sub(r"[-_\s]+", " ", words).strip() or stem
    return words[0].upper() + words[1:]
