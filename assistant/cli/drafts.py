"""`prodops draft strategy` and `prodops themes`: the leader's and the researcher's commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.common import FormatOpt, JsonOpt, err_console, friendly_errors, output_format
from assistant.cli.options import SinceOpt, UntilOpt, check_team, date_range
from assistant.cli.streaming import notices_only
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
    as_json: JsonOpt = False,
) -> None:
    """Draft a strategy document from notes; unsupported claims and contradictions are flagged."""
    from assistant.chat import build_chat_model_if_configured
    from assistant.strategy.draft import draft_strategy, load_sections

    runtime = default_runtime()
    notices_only()
    draft = draft_strategy(
        runtime,
        title,
        source,
        model=build_chat_model_if_configured(runtime),
        sections=load_sections(sections) if sections else None,
    )
    _emit(render("draft", draft, output_format(fmt, as_json)), out)
    fallbacks = [s.fallback for s in draft.sections if s.fallback]
    if fallbacks:
        err_console.print(f"[yellow]note:[/yellow] {len(fallbacks)} of {len(draft.sections)} sections use the notes' "
                          f"own sentences instead of the model's text; first reason: {fallbacks[0].message}",
                          soft_wrap=True)


def themes(
    team: Annotated[str | None, typer.Option(help="Only interviews by this team.")] = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    min_customers: Annotated[int, typer.Option(min=1, help="Hide themes raised by fewer customers.")] = 2,
    fmt: FormatOpt = "md",
    out: OutOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Research themes across interviews, ranked by people behind them times specificity; verbatim quotes."""
    from assistant.chat import build_chat_model_if_configured
    from assistant.themes.model_labels import relabel_with_model
    from assistant.themes.report import synthesize_themes

    runtime = default_runtime()
    start, end = date_range(since, until)
    report = synthesize_themes(runtime, team=check_team(runtime, team), since=start, until=end,
                               min_customers=min_customers)
    model = build_chat_model_if_configured(runtime)
    if model is not None:
        notices_only()
        report = relabel_with_model(report, model)
    _emit(render("themes", report, output_format(fmt, as_json)), out)
    if report.label_notice:
        err_console.print(f"[yellow]note:[/yellow] {report.label_notice}", soft_wrap=True)


draft_app.command("strategy")(friendly_errors(strategy))


def align(fmt: FormatOpt = "md", out: OutOpt = None, as_json: JsonOpt = False) -> None:
    """The alignment map: objectives, their initiatives, key-result progress and customer evidence; gaps."""
    from assistant.alignment import build_alignment
    from assistant.chat import build_chat_model_if_configured
    from assistant.text import format_number

    runtime = default_runtime()
    report = build_alignment(runtime, model=build_chat_model_if_configured(runtime))
    number = lambda v: "—" if v is None else format_number(v)  # noqa: E731
    _emit(render("alignment", report, output_format(fmt, as_json), num=number), out)
