"""Structure checks the real-data gate runs beside the questions (OKR extraction per file, research themes).

Each check takes the ingested runtime and the dataset and returns ``{"summary": {name: number}, "lines": [...]}``;
summary numbers join the gate's summary, so thresholds can name them.
"""

from __future__ import annotations

from evals.realdata.runner import Check


def available_checks() -> list[tuple[str, Check]]:
    """The checks this build of prodops provides."""
    return []
