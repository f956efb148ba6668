"""The `prodops` command. Each command is a thin shell: parse options, call a feature function, print.

User mistakes (a bad path, an unreachable store) print one clear line and exit non-zero; they never show a
traceback. A job that ran with some failed files exits 0 and lists them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from assistant.errors import ProdopsError
from assistant.runtime import Runtime, default_runtime

app = typer.Typer(help="prodops: product operations over your strategy docs, interviews and metrics.",
                  no_args_is_help=True, add_completion=False)
console = Console()
err_console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])


def friendly_errors(func: F) -> F:
    """Turn domain errors into one red line and exit code 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ProdopsError as exc:
            err_console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from exc

    return wrapper  # type: ignore[return-value]


def _runtime() -> Runtime:
    return default_runtime()


@app.command()
@friendly_errors
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Workspace folders (scanned, removed files pruned) or files.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the job report as one JSON object.")] = False,
) -> None:
    """Ingest a workspace incrementally: unchanged files cost nothing, removed files are deleted."""
    from ingest.pipeline import ingest_paths

    runtime = _runtime()
    report = ingest_paths(runtime, paths, show_progress=not as_json)
    if as_json:
        typer.echo(report.model_dump_json(include={"added", "updated", "unchanged", "deleted", "chunks", "failed"}))
        return
    console.print(
        f"[bold]added[/bold] {report.added}  [bold]updated[/bold] {report.updated}  "
        f"[bold]unchanged[/bold] {report.unchanged}  [bold]deleted[/bold] {report.deleted}  "
        f"[bold]embedded[/bold] {report.embedded} chunks  [bold]store[/bold] {report.chunks} chunks"
    )
    for failed in report.failed:
        console.print(f"[yellow]skipped[/yellow] {failed.path}: {failed.error}")


@app.command()
@friendly_errors
def sources(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List ingested sources with their kind, team, date and chunk count."""
    records = [r for r in _runtime().store.sources() if r.complete]
    if as_json:
        rows = [{"path": r.path, "kind": r.kind.value, "chunks": r.chunks, "team": r.team, "date": r.date}
                for r in records]
        typer.echo(json.dumps(rows))
        return
    table = Table("path", "kind", "team", "date", "chunks", "visibility", title=f"{len(records)} sources")
    for r in records:
        table.add_row(r.path, r.kind.value, r.team or "", r.date or "", str(r.chunks), ",".join(r.visibility))
    console.print(table)


@app.command()
@friendly_errors
def reindex() -> None:
    """Rebuild the local lexical and metric indexes from Chroma (e.g. on a new API replica)."""
    from ingest.sync import rebuild_derived

    chunks, rows = rebuild_derived(_runtime())
    console.print(f"lexical index: {chunks} chunks; metric rows: {rows}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
