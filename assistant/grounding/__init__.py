"""Whether a sentence is supported by the text it cites: used inline by every workflow and by evals."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.lazy import lazy_exports

if TYPE_CHECKING:
    from assistant.grounding.checker import SUPPORT_THRESHOLD, Support, support
    from assistant.grounding.citations import citation_precision, citation_recall, is_verbatim_quote

__getattr__ = lazy_exports(
    __name__,
    {
        "Support": "checker",
        "support": "checker",
        "SUPPORT_THRESHOLD": "checker",
        "citation_precision": "citations",
        "citation_recall": "citations",
        "is_verbatim_quote": "citations",
    },
)
__all__ = ["SUPPORT_THRESHOLD", "Support", "citation_precision", "citation_recall", "is_verbatim_quote", "support"]
