"""Strategy drafts from scattered notes, every sentence traceable to a note, with their checks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.lazy import lazy_exports

if TYPE_CHECKING:
    from assistant.strategy.checks import Contradiction, find_contradictions
    from assistant.strategy.draft import StrategyDraft, draft_strategy, load_sections

__getattr__ = lazy_exports(
    __name__,
    {
        "StrategyDraft": "draft",
        "draft_strategy": "draft",
        "load_sections": "draft",
        "Contradiction": "checks",
        "find_contradictions": "checks",
    },
)
__all__ = ["Contradiction", "StrategyDraft", "draft_strategy", "find_contradictions", "load_sections"]
