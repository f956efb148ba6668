"""Research themes across interviews: clustering, labels, quotes, counts by person."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.lazy import lazy_exports

if TYPE_CHECKING:
    from assistant.themes.model_labels import relabel_with_model
    from assistant.themes.report import Theme, ThemeReport, synthesize_themes

__getattr__ = lazy_exports(
    __name__,
    {"Theme": "report", "ThemeReport": "report", "synthesize_themes": "report", "relabel_with_model": "model_labels"},
)
__all__ = ["Theme", "ThemeReport", "relabel_with_model", "synthesize_themes"]
