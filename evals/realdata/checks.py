"""Structure checks the real-data gate runs beside the questions (OKR extraction per file, research themes).

Each check takes the ingested runtime and the dataset and returns ``{"summary": {name: number}, "lines": [...]}``;
summary numbers join the gate's summary, so thresholds can name them.
"""

from __future__ import annotations

from typing import Any

from assistant.runtime import Runtime
from evals.alignment_files import score_alignment_files
from evals.realdata.dataset import RealDataset
from evals.realdata.runner import Check
from evals.themes_check import themes_gate


def alignment_check(runtime: Runtime, dataset: RealDataset) -> dict[str, Any]:
    """Objectives and key results found per file against the hand counts; a file is exact when objectives
    match, key results are within 10% and every listed pair is linked."""
    if not dataset.alignment:
        return {}
    report = score_alignment_files(runtime, dataset.alignment)
    lines = [
        f"{f.path}: objectives {f.objectives_found}/{f.objectives_expected}, key results "
        f"{f.key_results_found}/{f.key_results_expected}, pairs {f.pairs_linked}/{len(f.pairs)}"
        f"{'' if f.exact else ' — ' + '; '.join(f.problems)}"
        for f in report.files
    ]
    return {"summary": {"alignment_files_exact": report.ratio, "alignment_files_exact_count": report.exact},
            "lines": lines}


def available_checks() -> list[tuple[str, Check]]:
    """The checks this build of prodops provides."""
    return [("alignment", alignment_check), ("themes", themes_gate)]
