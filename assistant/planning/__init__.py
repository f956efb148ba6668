"""Plan structure (objectives, key results, initiatives, owners, statuses) read from documents."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.lazy import lazy_exports

if TYPE_CHECKING:
    from assistant.planning.plan import Initiative, KeyResult, Objective, Plan, load_plan, parse_plan

__getattr__ = lazy_exports(
    __name__,
    {
        "Initiative": "plan",
        "KeyResult": "plan",
        "Objective": "plan",
        "Plan": "plan",
        "load_plan": "plan",
        "parse_plan": "plan",
    },
)
__all__ = ["Initiative", "KeyResult", "Objective", "Plan", "load_plan", "parse_plan"]
