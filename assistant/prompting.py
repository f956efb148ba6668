"""Prompts are Jinja2 templates in ``prompts/``, rendered with StrictUndefined so a missing variable fails
loudly instead of silently producing a prompt with a hole in it."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from assistant.safety import fence_safe

PROMPTS_DIR = Path(__file__).resolve().parents[1] / "prompts"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(PROMPTS_DIR)),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["data"] = fence_safe  # every document text in a prompt goes through it (see assistant.safety)
    return env


_DECLINED = re.compile(r"\b(sources|notes) (don['’]t|do not) cover this", re.I)


def declined(reply: str) -> bool:
    """Whether a model's reply is the "nothing to say" sentinel the prompts ask for ("The sources don't cover
    this." / "The notes don't cover this."), or empty: one test for chat, drafts and check-in narratives."""
    return not reply.strip() or bool(_DECLINED.search(reply))


def render(name: str, **variables: Any) -> str:
    """Render ``prompts/<name>.j2``; raises jinja2.UndefinedError naming any missing variable."""
    return environment().get_template(f"{name}.j2").render(**variables).strip()
