"""Shared CLI plumbing: consoles, shared options, and the decorator that turns every user mistake into one line.

What a user can get wrong (a setting, a path, an option value) and what can be down (the Chroma server) each
print one red line on stderr naming the setting, file or value and what to do, and exit 2; never a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Annotated, Any, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from assistant.config import describe_invalid_settings
from assistant.errors import ProdopsError, StoreUnavailable
from assistant.reports import Format

console = Console()
err_console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Report format: md, html or json.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON (the same as --format json where both exist).")]
WideOpt = Annotated[bool, typer.Option("--wide", help="Never wrap: one line per row, however wide.")]

_FIELD = re.compile(r'field "(\w+)"')
_EXAMPLES = {
    "api_keys": 'a JSON list such as [{"name": "ana", "team": "growth", "key_sha256": "<sha256 hex of the key>"}]',
}


def settings_error_line(exc: Exception) -> str:
    """One sentence naming the PRODOPS_* variable(s) that are wrong, the value and the fix."""
    if isinstance(exc, ValidationError):
        return describe_invalid_settings(exc)
    match = _FIELD.search(str(exc))
    field = match.group(1) if match else ""
    name = f"PRODOPS_{field.upper()}" if field else "a PRODOPS_* setting"
    expected = _EXAMPLES.get(field, "valid JSON")
    return f"{name} cannot be parsed: it must be {expected}; fix it in the environment or the .env file, or unset it"


def _is_settings_error(exc: Exception) -> bool:
    if isinstance(exc, ValidationError):
        return exc.title == "Settings"
    return type(exc).__name__ == "SettingsError"


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``error: message`` on stderr; return the Exit to raise."""
    err_console.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def friendly_errors(func: F) -> F:
    """Domain errors, bad settings and an unreachable store become one red line on stderr and exit code 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except StoreUnavailable as exc:
            raise fail(str(exc)) from exc  # it names the store, the address and what to do
        except ProdopsError as exc:
            raise fail(str(exc)) from exc
        except ValueError as exc:  # pydantic's ValidationError and SettingsError are ValueErrors
            if not _is_settings_error(exc):
                raise
            raise fail(settings_error_line(exc)) from exc

    return wrapper  # type: ignore[return-value]


def output_format(fmt: Format, as_json: bool) -> Format:
    """``--json`` is ``--format json`` for report commands."""
    return "json" if as_json else fmt
