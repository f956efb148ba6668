"""Check-in packs for recurring reviews: cadences, packs, diffs, history, roadmap lint, narratives."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.lazy import lazy_exports

if TYPE_CHECKING:
    from assistant.checkins.cadences import Cadence, find_cadence, load_cadences
    from assistant.checkins.history import ObjectiveHistory, objective_history
    from assistant.checkins.lint import LintReport, lint_roadmaps
    from assistant.checkins.models import CheckinPack
    from assistant.checkins.pack import build_pack, history_store
    from assistant.checkins.render import render_lint, render_pack

__getattr__ = lazy_exports(
    __name__,
    {
        "Cadence": "cadences",
        "find_cadence": "cadences",
        "load_cadences": "cadences",
        "build_pack": "pack",
        "history_store": "pack",
        "CheckinPack": "models",
        "ObjectiveHistory": "history",
        "objective_history": "history",
        "LintReport": "lint",
        "lint_roadmaps": "lint",
        "render_lint": "render",
        "render_pack": "render",
    },
)
__all__ = [
    "Cadence",
    "CheckinPack",
    "LintReport",
    "ObjectiveHistory",
    "build_pack",
    "find_cadence",
    "history_store",
    "lint_roadmaps",
    "load_cadences",
    "objective_history",
    "render_lint",
    "render_pack",
]
