"""Strategy drafts from scattered notes, every sentence traceable to a note, with their checks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.lazy import lazy_exports

if TYPE_CHECKING:
    from assistant.strategy.contradictions import Contradiction, contradiction_between, find_contradictions
    from assistant.strategy.draft import StrategyDraft, draft_strategy, load_sections
    from assistant.strategy.prose import prose_sentences

__getattr__ = lazy_exports(
    __name__,
    {
        "StrategyDraft": "draft",
        "draft_strategy": "draft",
        "load_sections": "draft",
        "Contradiction": "contradictions",
        "contradiction_between": "contradictions",
        "find_contradictions": "contradictions",
        "prose_sentences": "prose",
    },
)
__all__ = [
    "Contradiction",
    "StrategyDraft",
    "contradiction_between",
    "draft_strategy",
    "find_contradictions",
    "load_sections",
    "prose_sentences",
]
