"""Rendering workflow results as Markdown, HTML or JSON from Jinja2 templates in ``assistant/templates``.

Every workflow (drafts, themes, alignment, metrics, contacts) returns a pydantic model; this module is the one
place that turns such a model into a document. HTML templates extend ``base.html.j2`` (self-contained: inline
CSS, no external assets) and autoescape, so document text can never inject markup.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from pydantic import BaseModel

from assistant.text import format_number

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
Format = Literal["md", "html", "json"]


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = lambda v: "n/a" if v is None else f"{v * 100:.0f}%"
    env.globals["num"] = lambda v: "—" if v is None else format_number(v)
    return env


def render(report: str, model: BaseModel, fmt: Format = "md", **extra: object) -> str:
    """Render ``model`` with ``templates/<report>.<fmt>.j2``; JSON is the model itself."""
    if fmt == "json":
        return model.model_dump_json(indent=2)
    if fmt not in ("md", "html"):
        raise ValueError(f"unknown format {fmt!r}: use md, html or json")
    template = environment().get_template(f"{report}.{fmt}.j2")
    return template.render(r=model, **extra).strip() + "\n"
