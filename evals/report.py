"""Eval reports as Markdown or HTML (templates in ``evals/templates``); JSON is the report model itself."""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from evals.runner import EvalReport

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _fmt(value: float) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.3f}"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html.j2",)),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["score"] = _fmt
    return env


def render_report(report: EvalReport, fmt: str = "md") -> str:
    if fmt == "json":
        return report.model_dump_json(indent=2)
    return environment().get_template(f"eval.{fmt}.j2").render(r=report).strip() + "\n"
