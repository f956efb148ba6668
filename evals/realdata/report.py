"""The real-data report as Markdown or HTML: the table by kind first, then every question, the abstention curve
and the structure checks (templates in ``evals/templates``)."""

from __future__ import annotations

import math

from evals.realdata.runner import RealDataReport
from evals.report import environment

KINDS = ("alignment", "metric", "research", "theme", "unanswerable")
COLUMNS = ("recall_at_5", "context_key_facts", "key_fact_coverage", "abstention_accuracy", "false_abstention",
           "citation_validity")


def by_kind(report: RealDataReport) -> list[tuple[str, list[float]]]:
    """Rows (kind, values per column), overall last."""
    s = report.summary
    rows = [(kind, [s.get(f"{kind}.{c}", math.nan) for c in COLUMNS]) for kind in KINDS if f"{kind}.recall_at_5" in s]
    rows.append(("all", [s.get(c, math.nan) for c in COLUMNS]))
    return rows


def render_realdata(report: RealDataReport, fmt: str = "md") -> str:
    if fmt == "json":
        return report.model_dump_json(indent=2)
    template = environment().get_template(f"realdata.{fmt}.j2")
    return template.render(r=report, rows=by_kind(report), columns=COLUMNS).strip() + "\n"
