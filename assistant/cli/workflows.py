"""`prodops metrics` and `prodops contacts`: thin shells over :mod:`assistant.metrics` and :mod:`assistant.contacts`.

Registered in :mod:`assistant.cli.app` with ``app.command()(metrics)`` and
``app.add_typer(contacts_app, name="contacts")``. Errors (unknown metric, bad date) print one line and exit 2
through :func:`assistant.cli.common.friendly_errors`.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

import typer

from assistant.cli.common import FormatOpt, friendly_errors
from assistant.errors import ProdopsError
from assistant.runtime import Runtime

contacts_app = typer.Typer(help="The customer-contact ledger: who was interviewed, when, by which team.",
                           invoke_without_command=True, no_args_is_help=False)


def _runtime() -> Runtime:
    from assistant.runtime import default_runtime

    return default_runtime()



def parse_date(raw: str | None, option: str = "--date") -> dt.date | None:
    """A YYYY-MM-DD option value; a user mistake becomes a one-line error, not a usage dump."""
    if raw is None:
        return None
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise ProdopsError(f"{option} {raw!r} is not a date: use YYYY-MM-DD, e.g. 2026-12-01") from exc


@friendly_errors
def metrics(
    name: Annotated[str | None, typer.Argument(help="A metric name, e.g. activation_rate; omit to list all.")] = None,
    fmt: FormatOpt = "md",
    as_of: Annotated[str | None, typer.Option("--as-of", help="Measure progress as of YYYY-MM-DD (default: "
                                                              "the end of the latest period in the data).")] = None,
    periods: Annotated[int, typer.Option("--periods", min=2, help="Trend over this many latest periods.")] = 6,
) -> None:
    """Metric series from the parsed reports: values, change, trend and key-result progress."""
    from assistant.metrics.series import metrics_report, render_metrics

    report = metrics_report(_runtime(), name, today=parse_date(as_of, "--as-of"), periods=periods)
    typer.echo(render_metrics(report, fmt), nl=False)


@contacts_app.callback()
@friendly_errors
def contacts(
    ctx: typer.Context,
    company: Annotated[str | None, typer.Option("--company", help="Partial, case-insensitive.")] = None,
    person: Annotated[str | None, typer.Option("--person", help="Partial, case-insensitive.")] = None,
    fmt: FormatOpt = "md",
) -> None:
    """List interviews (one per interview): company, person, team, interviewer, date, source."""
    if ctx.invoked_subcommand is not None:
        return
    from assistant.contacts import ContactsReport, ledger, render_contacts

    report = ContactsReport(ledger=ledger(_runtime(), company=company, person=person))
    typer.echo(render_contacts(report, fmt), nl=False)


@contacts_app.command("check")
@friendly_errors
def check(
    company: Annotated[str | None, typer.Option("--company", help="The company you plan to contact.")] = None,
    person: Annotated[str | None, typer.Option("--person", help="The person you plan to contact.")] = None,
    email: Annotated[str | None, typer.Option("--email", help="Their email, when you know it.")] = None,
    team: Annotated[str | None, typer.Option("--team", help="Your team.")] = None,
    date: Annotated[str | None, typer.Option("--date", help="Planned date, YYYY-MM-DD (default today).")] = None,
    topics: Annotated[str | None, typer.Option("--topics", help="What you plan to ask.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print {warning, reason, contacts[...]} as JSON.")] = False,
    fmt: FormatOpt = "md",
) -> None:
    """Check a planned contact against the rest period and quarterly cap; show history and related research."""
    from assistant.contacts import ContactsReport, check_json, ledger, render_contacts
    from assistant.contacts import check as run_check

    runtime = _runtime()
    result = run_check(runtime, company, person=person, team=team, on=parse_date(date), topics=topics, email=email)
    if as_json:
        typer.echo(json.dumps(check_json(result)))
        return
    report = ContactsReport(ledger=ledger(runtime, company=company, person=None if company else person), check=result)
    typer.echo(render_contacts(report, fmt), nl=False)
