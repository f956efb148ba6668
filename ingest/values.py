"""Cell numbers and keys: the small values tables and frontmatter are made of.

Spreadsheet exports write the same value many ways ("1,840", "$1.2", "31.2%", "(12)"). Normalising them in one
place keeps the metric loader, the metadata resolver and the summaries consistent and deterministic (no
locale). Days and reporting periods have their own module, :mod:`assistant.periods`, shared with planning.
"""

from __future__ import annotations

import re

MISSING = frozenset({"", "-", "--", "—", "–", "n/a", "na", "null", "none", "nan", "#n/a", "?"})

_NUMBER_RE = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_CURRENCY = "$€£¥₹"


def parse_number(raw: object) -> float | None:
    """A number from a cell, or None when the cell is missing or not numeric.

    Strips what spreadsheets add for humans (thousands separators, currency symbols, a trailing %, accounting
    parentheses for negatives) so "1,840", "$1,840.50" and "(12)" all parse; "nan"/"inf" are refused so a
    text cell never becomes a number by accident.
    """
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return float(raw) if raw == raw and abs(raw) != float("inf") else None
    text = str(raw).strip()
    if text.lower() in MISSING:
        return None
    negative = text.startswith("(") and text.endswith(")")
    if negative:
        text = text[1:-1].strip()
    text = text.strip(_CURRENCY).replace(",", "").replace("_", "").replace("\u00a0", "").replace(" ", "")
    text = text.removesuffix("%").lstrip(_CURRENCY)
    if not _NUMBER_RE.fullmatch(text):
        return None
    value = float(text)
    return -value if negative else value


def slugify(value: str) -> str:
    """Lowercase, hyphen-separated id ("Growth Team" -> "growth-team"): how teams are keyed everywhere."""
    return re.sub(r"[^a-z0-9]+", "-", value.strip().lower()).strip("-")
