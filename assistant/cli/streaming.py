"""Show an answer while it is written: model tokens appear as they arrive, then the checked answer replaces them.

The streamed text is provisional (a model answer is verified only once it is complete, and may be replaced by
the offline answer), so the live region is transient: when the final :class:`Answer` arrives it is cleared
and the answer is printed with its citations, flags and, for a fallback, one notice line. On a terminal that
is not interactive (pipes, tests) only the final answer is printed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from rich.console import Console
from rich.live import Live
from rich.text import Text

from assistant.schemas import Answer
from assistant.synthesis.base import final_answer

__all__ = ["final_answer", "notices_only", "show_stream"]


def show_stream(items: Iterable[str | Answer], console: Console) -> Answer:
    """Render deltas live on ``console`` and return the final Answer."""
    text = Text("…", style="dim")
    result: Answer | None = None
    started = False
    with Live(text, console=console, refresh_per_second=15, transient=True, vertical_overflow="visible") as live:
        for item in items:
            if isinstance(item, Answer):
                result = item
                continue
            if not started:
                text = Text("", style="dim")
                started = True
            text.append(item)
            live.update(text)
    if result is None:
        raise RuntimeError("the answer stream ended without an answer")
    return result


def notices_only() -> None:
    """In a one-shot command the fallback notice is the report: keep the model client's log line (meant for a
    server's log) off the terminal so the user sees one line, not two."""
    logging.getLogger("prodops.llm").addHandler(logging.NullHandler())
    logging.getLogger("prodops.llm").propagate = False
