"""Shared CLI plumbing: consoles and the decorator that turns domain errors into one clear line."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from assistant.errors import ProdopsError
from assistant.reports import Format

console = Console()
err_console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Report format: md, html or json.")]


def friendly_errors(func: F) -> F:
    """Domain errors become one red line on stderr and exit code 2, never a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ProdopsError as exc:
            err_console.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True)  # '[local]' is not markup
            raise typer.Exit(2) from exc

    return wrapper  # type: ignore[return-value]
