"""`prodops checkin`: check-in packs, their history, and roadmap lint.

Register with ``app.add_typer(checkin_app, name="checkin")``. The issue's form ``prodops checkin CADENCE
--period P`` works: the group routes any first word that is not one of its commands to ``run``, so
``prodops checkin monthly-roadmap-checkin --period 2026-11`` and ``prodops checkin run monthly-roadmap-checkin
--period 2026-11`` are the same (a cadence can't be called run, history, lint or cadences).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from assistant.cli.common import FormatOpt, WideOpt, console, err_console, friendly_errors, output_format
from assistant.cli.options import check_team, parse_date
from assistant.cli.streaming import notices_only
from assistant.cli.tables import print_table
from assistant.errors import ProdopsError
from assistant.runtime import Runtime, default_runtime


class _CadenceFirstGroup(TyperGroup):
    """Treats ``checkin CADENCE ...`` as ``checkin run CADENCE ...``."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # Any: typer vendors its own click
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            args = ["run", *args]
        return super().parse_args(ctx, args)


checkin_app = typer.Typer(cls=_CadenceFirstGroup, no_args_is_help=True,
                          help="Check-in packs per cadence and period, their history, and roadmap lint.")
WorkspaceOpt = Annotated[Path | None, typer.Option("--workspace", help="Workspace whose cadences/ to read "
                                                   "(default PRODOPS_WORKSPACE, else the ingested workspace).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON (for run: the same as --format json).")]


def _runtime() -> Runtime:
    return default_runtime()


def _workspace(runtime: Runtime, given: Path | None) -> Path:
    """``--workspace``, else PRODOPS_WORKSPACE (already absolute, see Settings.anchored), else the one workspace
    the store was ingested from; a folder that does not exist is an error, not a silent fallback."""
    if given is not None:
        if not given.is_dir():
            raise ProdopsError(f"--workspace {given} is not a folder: give the workspace you ingested")
        return given.resolve()
    configured = runtime.settings.workspace
    if configured.is_dir():
        return configured
    ingested = sorted({r.workspace for r in runtime.store.sources() if r.workspace and Path(r.workspace).is_dir()})
    if len(ingested) == 1:
        return Path(ingested[0])
    hint = f" (the store holds {', '.join(ingested)})" if ingested else ""
    raise ProdopsError(f"PRODOPS_WORKSPACE {configured} is not a folder{hint}: set PRODOPS_WORKSPACE (relative "
                       "paths in .env are read from the .env file's folder) or pass --workspace")


@checkin_app.command("run")
@friendly_errors
def run(
    cadence: Annotated[str, typer.Argument(help="Cadence slug or name, e.g. monthly-roadmap-checkin.")],
    period: Annotated[str, typer.Option("--period", help="2026-11, 2026-Q4 or 2026-H2 (the cadence's kind).")],
    team: Annotated[str | None, typer.Option("--team", help="Only this team's objectives and initiatives.")] = None,
    fmt: FormatOpt = "md",
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of printing.")] = None,
    save: Annotated[bool, typer.Option("--save/--no-save", help="Store the pack for later diffs.")] = True,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Build the check-in pack of CADENCE for a period: progress, initiatives, changes, risks, questions."""
    from assistant.chat import build_chat_model_if_configured
    from assistant.checkins.cadences import find_cadence
    from assistant.checkins.pack import build_pack
    from assistant.checkins.render import render_pack

    runtime = _runtime()
    found = find_cadence(_workspace(runtime, workspace), cadence)
    notices_only()
    team = check_team(runtime, team)
    pack = build_pack(runtime, found, period, team, model=build_chat_model_if_configured(runtime), save=save)
    text = render_pack(pack, output_format(fmt, as_json), found)
    dropped = [o.narrative_fallback for o in pack.objectives if o.narrative_fallback]
    if dropped:
        err_console.print(f"[yellow]note:[/yellow] {len(dropped)} objective narrative(s) dropped; first reason: "
                          f"{dropped[0].message}", soft_wrap=True)
    if out is None:
        typer.echo(text, nl=not text.endswith("\n"))
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}", err=True)


@checkin_app.command("history")
@friendly_errors
def history(
    objective: Annotated[str, typer.Argument(help="Objective id, e.g. O1.")],
    cadence: Annotated[str | None, typer.Option("--cadence", help="Only packs of this cadence (slug).")] = None,
    team: Annotated[str | None, typer.Option("--team", help="Packs built with --team.")] = None,
    as_json: JsonOpt = False,
    wide: WideOpt = False,
) -> None:
    """OBJECTIVE's status in every stored pack, oldest period first."""
    from assistant.checkins.history import objective_history, variant
    from assistant.checkins.pack import history_store

    result = objective_history(history_store(_runtime()), objective, cadence, variant(team, None))
    if as_json:
        typer.echo(result.model_dump_json())
        return
    if not result.rows:
        console.print(f"No stored pack mentions {objective}. Build one with `prodops checkin CADENCE --period P`.")
        return
    rows = [[row.cadence, row.period, row.as_of or "", row.status,
             ", ".join(f"{k}: {s}" for k, s in row.key_results.items())] for row in result.rows]
    print_table(["cadence", "period", "as of", "status", "key results"], rows, copy=["cadence", "period"],
                title=f"{result.objective} {result.title}", wide=wide)


@checkin_app.command("lint")
@friendly_errors
def lint(
    workspace: WorkspaceOpt = None,
    cadence: Annotated[str | None, typer.Option("--cadence", help="Only the roadmaps this cadence pulls in.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Judge dates against YYYY-MM-DD (default: the "
                                                              "newest document's date).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Roadmap items missing an objective link or a status, or with a passed target date; exit code 0."""
    from assistant.checkins.cadences import find_cadence
    from assistant.checkins.lint import lint_roadmaps
    from assistant.checkins.render import render_lint

    runtime = _runtime()
    chosen = find_cadence(_workspace(runtime, workspace), cadence) if cadence else None
    day = parse_date(as_of, "--as-of")
    report = lint_roadmaps(runtime, chosen, day)
    if as_json:
        payload: dict[str, Any] = {**report.model_dump(mode="json"), "issue_count": report.issue_count}
        typer.echo(json.dumps(payload))
        return
    typer.echo(render_lint(report), nl=False)


@checkin_app.command("cadences")
@friendly_errors
def cadences(workspace: WorkspaceOpt = None, as_json: JsonOpt = False, wide: WideOpt = False) -> None:
    """The cadences defined in the workspace (or the shipped default)."""
    from assistant.checkins.cadences import load_cadences

    found = load_cadences(_workspace(_runtime(), workspace))
    if as_json:
        typer.echo(json.dumps([c.model_dump(mode="json") for c in found]))
        return
    rows = [[c.slug, c.name, c.period, ", ".join(c.participants) or "everyone", c.source or ""] for c in found]
    print_table(["slug", "name", "period", "participants", "file"], rows, copy=["slug"], wide=wide)
