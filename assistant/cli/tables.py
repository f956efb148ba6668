"""Terminal tables that never cut a value: what a user copies (a path, a slug) stays whole, on one line.

Rich shortens cells with an ellipsis when a table is wider than the terminal, which turns
``interviews/2026-08-06-acme.md`` into ``interviews/2026…``: useless for the next command. Here a table that
fits is printed as a table; one that doesn't is printed as a list, each row's copyable values whole on their
own line and the other columns (labelled) on the next, wrapped between values, never inside one. ``--wide``
prints the table on one line per row however wide, for pipes into other tools and for wide terminals.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from assistant.cli.common import console

_GAP = 3  # columns between cells in the SIMPLE_HEAD box with padding


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], title: str | None, no_wrap: bool) -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for header in headers:
        table.add_column(header, overflow="fold", no_wrap=no_wrap)
    for row in rows:
        table.add_row(*(escape(cell) for cell in row))
    return table


def natural_width(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> int:
    """The width of the table with every cell on one line."""
    widths = [max([len(h), *(len(row[i]) for row in rows)]) for i, h in enumerate(headers)]
    return sum(widths) + _GAP * (len(headers) - 1)


def print_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    copy: Sequence[str] = (),
    title: str | None = None,
    wide: bool = False,
    out: Console | None = None,
) -> None:
    """Print ``rows`` under ``headers``; ``copy`` names the columns whose values a user types or pastes next."""
    target = out or console
    if wide:
        target = Console(width=max(natural_width(headers, rows), 20), highlight=False, file=target.file,
                         force_terminal=target.is_terminal, no_color=target.no_color)
        target.print(_table(headers, rows, title, no_wrap=True))
        return
    if natural_width(headers, rows) <= target.width or not copy:
        target.print(_table(headers, rows, title, no_wrap=False))
        return
    if title:
        target.print(f"[bold]{escape(title)}[/bold]")
    keys = [i for i, h in enumerate(headers) if h in copy]
    others = [i for i, h in enumerate(headers) if h not in copy]
    for row in rows:
        target.print("  ".join(f"[bold]{escape(row[i])}[/bold]" for i in keys), soft_wrap=True)
        details = "  ".join(f"[dim]{escape(headers[i])}[/dim] {escape(row[i])}" for i in others if row[i])
        target.print("  " + details, overflow="fold", highlight=False)
