"""Stored check-in packs: the memory that lets the next pack say what changed, and people see a trend.

Packs are JSON files under ``<data_dir>/checkins/<cadence-slug>/<period>.json``: plain files a person can read,
copy or delete, one per cadence and period (rebuilding a period replaces it). A pack built for one team or one
access scope is stored beside it as ``<period>@<variant>.json`` and is only ever compared with packs of the
same variant, so a narrower pack never diffs against (and so never reveals) text its reader could not see.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, Field

from assistant.checkins.models import CheckinPack
from assistant.errors import ProdopsError
from assistant.periods import parse_period

_SAFE = re.compile(r"[^a-z0-9+-]+")


def variant(team: str | None, scope: list[str] | None) -> str:
    """"" for a whole-company pack read with full access; else e.g. ``team-growth`` or ``scope-growth``."""
    parts = []
    if team:
        parts.append("team-" + _SAFE.sub("-", team.lower()))
    if scope is not None:
        parts.append("scope-" + ("+".join(sorted(_SAFE.sub("-", s.lower()) for s in scope)) or "none"))
    return ".".join(parts)


class HistoryRow(BaseModel):
    cadence: str
    period: str
    as_of: str | None
    status: str
    key_results: dict[str, str] = Field(default_factory=dict, description="KR id -> status.")


class ObjectiveHistory(BaseModel):
    objective: str
    title: str | None = None
    rows: list[HistoryRow] = Field(default_factory=list)


class HistoryStore:
    """Reads and writes packs under one folder (default ``<data_dir>/checkins``)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, slug: str, period: str, kind: str = "") -> Path:
        return self.root / slug / (f"{period}@{kind}.json" if kind else f"{period}.json")

    def save(self, pack: CheckinPack) -> Path:
        path = self.path_for(pack.cadence_slug, pack.period, variant(pack.team, pack.scope))
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(pack.model_dump_json(indent=1), encoding="utf-8")
        tmp.replace(path)  # atomic: a crash never leaves half a pack for the next diff to read
        return path

    def packs(self, slug: str | None = None, kind: str = "") -> list[CheckinPack]:
        """Stored packs of one variant (of one cadence, or all), oldest period first."""
        folders = [self.root / slug] if slug else sorted(p for p in self.root.glob("*") if p.is_dir())
        found = []
        for folder in folders:
            for path in folder.glob("*.json"):
                stem, _, tail = path.stem.partition("@")
                if tail == kind:
                    found.append(self._read(path))
        return sorted(found, key=lambda p: (p.period_end, p.period_start, p.cadence_slug))

    def previous(self, slug: str, period: str, kind: str = "") -> CheckinPack | None:
        """The stored pack of ``slug`` for the latest period that ends before ``period`` ends."""
        end = parse_period(period).end
        earlier = [p for p in self.packs(slug, kind) if p.period_end < end]
        return earlier[-1] if earlier else None

    def _read(self, path: Path) -> CheckinPack:
        try:
            return CheckinPack.model_validate_json(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise ProdopsError(f"{path}: not a stored check-in pack ({exc.__class__.__name__}); delete it or "
                               "rebuild that period") from exc


def objective_history(store: HistoryStore, objective: str, slug: str | None = None,
                      kind: str = "") -> ObjectiveHistory:
    """The objective's status in every stored pack (one row per cadence and period), oldest first."""
    out = ObjectiveHistory(objective=objective)
    for pack in store.packs(slug, kind):
        section = next((o for o in pack.objectives if o.id.lower() == objective.strip().lower()), None)
        if section is None:
            continue
        out.objective, out.title = section.id, section.title
        out.rows.append(HistoryRow(cadence=pack.cadence_slug, period=pack.period,
                                   as_of=pack.as_of.isoformat() if pack.as_of else None, status=section.status,
                                   key_results={k.progress.kr_id: k.progress.status for k in section.key_results}))
    return out
