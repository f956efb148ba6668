"""`prodops grounding score FILE.jsonl`: run the grounding checker on any labelled set.

Input lines are ``{"id", "sentence", "evidence"}`` (evidence: one string of source text); output lines are
``{"id", "score", "supported"}``, one per input line, in order. A malformed line stops the run with a message
naming the line and exit code 2, before anything is scored, so a partial output is never mistaken for a full one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from assistant.cli.common import friendly_errors
from assistant.runtime import default_runtime

grounding_app = typer.Typer(help="Check whether sentences are supported by their evidence.", no_args_is_help=True,
                            add_completion=False)


class BadLine(ValueError):
    def __init__(self, number: int, reason: str) -> None:
        super().__init__(f"line {number}: {reason}")


def parse_line(number: int, line: str) -> dict[str, Any]:
    """One input record, validated: an id, a sentence string and an evidence string."""
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        raise BadLine(number, f"not valid JSON ({exc.msg})") from exc
    if not isinstance(item, dict):
        raise BadLine(number, 'expected an object {"id", "sentence", "evidence"}')
    missing = [k for k in ("id", "sentence", "evidence") if k not in item]
    if missing:
        raise BadLine(number, f"missing {', '.join(missing)}")
    for key in ("sentence", "evidence"):
        if not isinstance(item[key], str):
            raise BadLine(number, f'"{key}" must be a string')
    return item


@grounding_app.command("score")
@friendly_errors
def score(
    file: Annotated[Path, typer.Argument(help='JSON lines: {"id", "sentence", "evidence"}')],
    deep: Annotated[bool, typer.Option("--deep", help="Add MiniLM alignment (slower; the eval tier).")] = False,
) -> None:
    """Print {"id", "score", "supported"} for every line of FILE."""
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        typer.echo(f"Error: cannot read {file}: {exc}", err=True)
        raise typer.Exit(2) from exc
    try:
        items = [parse_line(n, line) for n, line in enumerate(lines, start=1) if line.strip()]
    except BadLine as exc:
        typer.echo(f"Error: {file}: {exc}", err=True)
        raise typer.Exit(2) from exc
    from assistant.grounding.checker import support

    encode = default_runtime().grounding_encoder if deep else None
    for item in items:
        result = support(item["sentence"], [item["evidence"]], deep=deep, encode=encode)
        typer.echo(json.dumps({"id": item["id"], "score": result.score, "supported": result.supported}))
