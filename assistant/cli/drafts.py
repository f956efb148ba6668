"""`prodops draft strategy` and `prodops themes`: the leader's and the researcher's commands."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.common import FormatOpt, friendly_errors
from assistant.reports import render
from assistant.runtime import default_runtime

draft_app = typer.Typer(help="Write drafts from notes, every claim cited.", no_args_is_help=True)
OutOpt = Annotated[Path | None, typer.Option("--out", help="Write to this file instead of printing.")]


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        typer.echo(text, nl=not text.endswith("\n"))
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}", err=True)


def strategy(
    title: Annotated[str, typer.Option("--title", help="The document's title.")],
    source: Annotated[str, typer.Option("--from", help="Notes to draft from: a path/folder, or kind:/team:/since:.")],
    fmt: FormatOpt = "md",
    out: OutOpt = None,
    sections: Annotated[Path | None, typer.Option(help="A YAML section template (default prompts/).")] = None,
) -> None:
    """Draft a strategy document from notes; unsupported claims and contradictions are flagged."""
    from assistant.chat import build_chat_model_if_configured
    from assistant.strategy.draft import draft_strategy, load_sections

    runtime = default_runtime()
    draft = draft_strategy(
        runtime,
        title,
        source,
        model=build_chat_model_if_configured(runtime),
        sections=load_sections(sections) if sections else None,
    )
    _emit(render("draft", draft, fmt), out)


def themes(
    team: Annotated[str | None, typer.Option(help="Only interviews by this team.")] = None,
    since: Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"])] = None,
    until: Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"])] = None,
    min_customers: Annotated[int, typer.Option(min=1, help="Hide themes raised by fewer customers.")] = 2,
    fmt: FormatOpt = "md",
    out: OutOpt = None,
) -> None:
    """Research themes across interviews, ranked by distinct customers, with verbatim quotes."""
    from assistant.chat import build_chat_model_if_configured
    from assistant.themes.report import relabel_with_model, synthesize_themes

    runtime = default_runtime()
    report = synthesize_themes(
        runtime,
        team=team,
        since=since.date() if since else None,
        until=until.date() if until else None,
        min_customers=min_customers,
    )
    model = build_chat_model_if_configured(runtime)
    if model is not None:
        report = relabel_with_model(report, model)
    _emit(render("themes", report, fmt), out)


draft_app.command("strategy")(friendly_errors(strategy))


def align(fmt: FormatOpt = "md", out: OutOpt = None) -> None:
    """The alignment map: objectives, their initiatives, key-result progress and customer evidence; gaps."""
    from assistant.alignment import build_alignment
    from assistant.chat import build_chat_model_if_configured
    from assistant.text import format_number

    runtime = default_runtime()
    report = build_alignment(runtime, model=build_chat_model_if_configured(runtime))
    _emit(render("alignment", report, fmt, num=lambda v: "—" if v is None else format_number(v)), out)
